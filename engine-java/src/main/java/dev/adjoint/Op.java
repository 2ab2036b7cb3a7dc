package dev.adjoint;

/**
 * The op registry: one declaration per primitive (its name, its kind and so its arity, and its
 * conventions at edges), from which op codes ({@link #ordinal()}), the names {@link Value#op()}
 * reports and the arities every sweep reads all follow. The formulas live in {@link Rules}, whose
 * columns are {@code switch} expressions over this enum with no {@code default}: an op added here
 * and forgotten in a column does not compile. RegistryTest walks the registry and runs every
 * column of every op.
 *
 * <p>Immutable; safe from any thread.
 */
enum Op {
  /** An input, parameter or constant: no operands. */
  LEAF("", Kind.LEAF),
  ADD("+", Kind.BINARY),
  SUB("-", Kind.BINARY),
  MUL("*", Kind.BINARY),
  DIV("/", Kind.BINARY),
  NEG("neg", Kind.UNARY),
  /**
   * a^b, variable exponent, with C's pow at edges (1^b = 1 for every b, NaN included; (-1)^±∞ = 1):
   * ∂/∂a is 0 where b = 0; ∂/∂b is 0 where a = 0 and b ≥ 0.
   */
  POW("pow", Kind.BINARY),
  /**
   * a^p for a constant p (held in operand b, not differentiated): ∂/∂a = p·a^(p-1), 0 where p = 0;
   * its second derivative is 0 where p = 1 (as PyTorch's double backward).
   */
  POWC("pow", Kind.CONSTANT),
  EXP("exp", Kind.UNARY),
  LOG("log", Kind.UNARY),
  /** √a: derivative +∞ at 0. */
  SQRT("sqrt", Kind.UNARY),
  TANH("tanh", Kind.UNARY),
  SIGMOID("sigmoid", Kind.UNARY),
  /** max(a, 0): derivative 0 at 0. */
  RELU("relu", Kind.UNARY),
  SIN("sin", Kind.UNARY),
  COS("cos", Kind.UNARY),
  /** |a|: derivative 0 at 0 and at NaN (PyTorch's sign(NaN) = 0). */
  ABS("abs", Kind.UNARY),
  /** ln(1 + a), accurate near 0. */
  LOG1P("log1p", Kind.UNARY),
  /** e^a - 1, accurate near 0. */
  EXPM1("expm1", Kind.UNARY),
  TAN("tan", Kind.UNARY),
  ATAN("atan", Kind.UNARY),
  /** arcsin a: derivative +∞ at ±1. */
  ASIN("asin", Kind.UNARY),
  /** arccos a: derivative -∞ at ±1. */
  ACOS("acos", Kind.UNARY),
  SINH("sinh", Kind.UNARY),
  COSH("cosh", Kind.UNARY),
  /** The error function, 2/√π ∫₀ᵃ e^(-t²) dt. */
  ERF("erf", Kind.UNARY),
  /**
   * PyTorch's softplus(a, beta=1, threshold=20): a itself where a &gt; 20, else ln(1 + e^a); its
   * second derivative is 0 from a = 20 on.
   */
  SOFTPLUS("softplus", Kind.UNARY),
  /** max(a, lo) for a constant lo in b: derivative 1 where a ≥ lo, else 0 (half of clamp). */
  CLAMP_MIN("clamp_min", Kind.CONSTANT),
  /** min(a, hi) for a constant hi in b: derivative 1 where a ≤ hi, else 0 (half of clamp). */
  CLAMP_MAX("clamp_max", Kind.CONSTANT),
  /** PyTorch's maximum: NaN if either is NaN; at a tie each operand gets half the gradient. */
  MAX("max", Kind.BINARY),
  /** PyTorch's minimum: NaN if either is NaN; at a tie each operand gets half the gradient. */
  MIN("min", Kind.BINARY),
  /** atan2(a, b), the angle of the point (b, a); its derivatives are NaN at (0, 0). */
  ATAN2("atan2", Kind.BINARY),
  /** a's value, through which no gradient flows (PyTorch's detach, JAX's stop_gradient). */
  DETACH("detach", Kind.UNARY),
  /** Σ xᵢ over any number of operands, summed left to right. */
  SUM("sum", Kind.NARY),
  /** Σ xᵢ·wᵢ over operands x₀..xₙ₋₁, w₀..wₙ₋₁, summed left to right. */
  DOT("dot", Kind.NARY),
  /**
   * A user's {@link Primitive} of operands x₀..xₙ₋₁; a last, constant operand holds its number in
   * {@link Primitives}. Its derivatives are whatever the primitive says.
   */
  PRIMITIVE("primitive", Kind.NARY);

  /** How an op reads its operands. */
  enum Kind {
    /** No operands. */
    LEAF,
    /** One differentiable operand, a. */
    UNARY,
    /** One differentiable operand, a, and a constant in b that is not differentiated. */
    CONSTANT,
    /** Two differentiable operands, a and b. */
    BINARY,
    /** Any number of operands in an array (SUM, DOT, PRIMITIVE). */
    NARY
  }

  /** Every op, indexed by op code. */
  static final Op[] VALUES = values();

  /** The name {@link Value#op()} reports (POWC reports its exponent too). */
  final String label;
  final Kind kind;
  /** How many differentiable operands a scalar op reads (a, then b); -1 for the n-ary ops. */
  final int arity;
  /** Whether this op is one of the fused n-ary primitives. */
  final boolean nary;

  Op(String label, Kind kind) {
    this.label = label;
    this.kind = kind;
    this.arity = switch (kind) {
      case LEAF -> 0;
      case UNARY, CONSTANT -> 1;
      case BINARY -> 2;
      case NARY -> -1;
    };
    this.nary = kind == Kind.NARY;
  }

  /** The op with the given code. */
  static Op of(int code) {
    return VALUES[code];
  }
}
