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
  /** a^b, variable exponent: ∂/∂a is 0 where b = 0; ∂/∂b is 0 where a = 0 and b ≥ 0. */
  POW("pow", Kind.BINARY),
  /** a^p for a constant p (held in operand b, not differentiated): ∂/∂a = p·a^(p-1), 0 where p = 0. */
  POWC("pow", Kind.UNARY),
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
  /** |a|: derivative 0 at 0. */
  ABS("abs", Kind.UNARY),
  /** Σ xᵢ over any number of operands, summed left to right. */
  SUM("sum", Kind.NARY),
  /** Σ xᵢ·wᵢ over operands x₀..xₙ₋₁, w₀..wₙ₋₁, summed left to right. */
  DOT("dot", Kind.NARY);

  /** How an op reads its operands. */
  enum Kind {
    /** No operands. */
    LEAF,
    /** One differentiable operand, a (POWC's constant rides in b). */
    UNARY,
    /** Two differentiable operands, a and b. */
    BINARY,
    /** Any number of operands in an array (SUM, DOT). */
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
      case UNARY -> 1;
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
