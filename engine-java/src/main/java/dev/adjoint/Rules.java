package dev.adjoint;

import java.util.Arrays;

/**
 * The whole calculus of Adjoint in one place: for every primitive, its forward rule, its adjoint
 * (reverse-mode) rule and its tangent (forward-mode) rule.
 *
 * <p>A scalar primitive {@code y = f(a, b)} has four columns, one method each, with the ops in the
 * same order in every method: {@link #forward} gives y; {@link #adjointA} and {@link #adjointB} give
 * what ȳ adds to ā and b̄; {@link #tangent} gives ẏ from ȧ and ḃ.
 *
 * <pre>
 *   op       forward y           adjoint: ā +=, b̄ +=                  tangent ẏ =
 *   ADD      a + b               ȳ,  ȳ                                 ȧ + ḃ
 *   SUB      a - b               ȳ,  -ȳ                                ȧ - ḃ
 *   MUL      a·b                 ȳ·b,  ȳ·a                             ȧ·b + a·ḃ
 *   DIV      a / b               ȳ / b,  -ȳ·((a / b) / b)              ȧ / b - ḃ·((a / b) / b)
 *   NEG      -a                  -ȳ                                    -ȧ
 *   POW      a^b                 ȳ·(b·a^(b-1)),  ȳ·(y·ln a)            ȧ·b·a^(b-1) + ḃ·y·ln a
 *   POWC     a^p (p constant)    ȳ·(p·a^(p-1))                         ȧ·p·a^(p-1)
 *   EXP      e^a                 ȳ·y                                   ȧ·y
 *   LOG      ln a                ȳ / a                                 ȧ / a
 *   SQRT     √a                  ȳ / (2y)                              ȧ / (2y)
 *   TANH     tanh a              ȳ·(1 - y²)                            ȧ·(1 - y²)
 *   SIGMOID  1 / (1 + e^-a)      ȳ·(1 - y)·y                           ȧ·(1 - y)·y
 *   RELU     max(a, 0)           ȳ where y &gt; 0, else 0                ȧ where y &gt; 0, else 0
 *   SIN      sin a               ȳ·cos a                               ȧ·cos a
 *   COS      cos a               ȳ·(-sin a)                            ȧ·(-sin a)
 *   ABS      |a|                 ȳ·sign a                              ȧ·sign a
 *   SUM      Σ xᵢ                x̄ᵢ += ȳ                               Σ ẋᵢ
 *   DOT      Σ xᵢ·wᵢ             x̄ᵢ += ȳ·wᵢ,  w̄ᵢ += ȳ·xᵢ                Σ (ẋᵢ·wᵢ + xᵢ·ẇᵢ)
 * </pre>
 *
 * <p>For second order (forward-over-reverse Hessian-vector products) {@link #partialTangentA} and
 * {@link #partialTangentB} give the tangent of each local partial derivative: d/dε of ∂y/∂a and
 * ∂y/∂b along the operands' tangents.
 *
 * <p>Conventions at non-differentiable points are PyTorch's: relu'(0) = 0, abs'(0) = 0,
 * sqrt'(0) = +∞, and the power rules give 0 where the exponent is 0 (∂/∂a) and where a = 0 with a
 * non-negative exponent (∂/∂b). The adjoint formulas are PyTorch 1.13's to the rounding (tanh's
 * 1 - y² is one fused multiply-add there, as here), so gradients that cancel to nearly zero agree
 * with PyTorch's too. NaN and infinities propagate as IEEE 754 says.
 *
 * <p>The ops themselves are declared once, in {@link Op}; every column here is a {@code switch}
 * expression over it with no {@code default}, so an op added there and forgotten here does not
 * compile. Sweeps and tapes dispatch on the op with a {@code switch}, never a virtual call. The
 * drivers that apply these rules to each data layout live with the layout: graph nodes in
 * {@link NodeRules}, a tape's flat slot arrays in {@link SlotRules}, a batch tape's lanes in
 * {@link LaneRules}.
 *
 * <p>Why the tangent column is not derived from the adjoint columns: it would change bits. The
 * tangent rules multiply a zero tangent by an infinite partial to NaN for some ops (EXP, TANH,
 * SIN, ...) exactly as the adjoint rules do for a zero adjoint, but guard it to 0 for others (MUL,
 * DIV, LOG, SQRT, the powers), so that forward mode agrees entry by entry with reverse mode; and
 * ȧ + ḃ keeps the sign of a zero that a guarded adjoint sum would turn into +0.
 */
final class Rules {
  private Rules() {}

  // ------------------------------------------------------------------------ forward

  /** Forward rule: y = op(a, b); b is the exponent of POWC and is ignored by the other unary ops. */
  static double forward(Op op, double a, double b) {
    return switch (op) {
      case ADD -> a + b;
      case SUB -> a - b;
      case MUL -> a * b;
      case DIV -> a / b;
      case NEG -> -a;
      case POW -> Math.pow(a, b);
      case POWC -> Math.pow(a, b);
      case EXP -> Math.exp(a);
      case LOG -> Math.log(a);
      case SQRT -> Math.sqrt(a);
      case TANH -> Math.tanh(a);
      case SIGMOID -> 1.0 / (1.0 + Math.exp(-a));
      case RELU -> Math.max(a, 0.0);
      case SIN -> Math.sin(a);
      case COS -> Math.cos(a);
      case ABS -> Math.abs(a);
      case LEAF, SUM, DOT -> throw notScalar("forward", op);
    };
  }

  // ------------------------------------------------------------------------ adjoint

  /** Adjoint rule, first operand: what ȳ = g adds to ā, given a, b and y = op(a, b). */
  static double adjointA(Op op, double a, double b, double y, double g) {
    return switch (op) {
      case ADD -> g;
      case SUB -> g;
      case MUL -> g * b;
      case DIV -> g / b;
      case NEG -> -g;
      case POW -> b == 0.0 ? 0.0 : g * (b * Math.pow(a, b - 1.0));
      case POWC -> b == 0.0 ? 0.0 : g * (b * Math.pow(a, b - 1.0));
      case EXP -> g * y;
      case LOG -> g / a;
      case SQRT -> g / (2.0 * y);
      case TANH -> g * Math.fma(-y, y, 1.0);
      case SIGMOID -> g * (1.0 - y) * y;
      case RELU -> y <= 0.0 ? 0.0 : g;
      case SIN -> g * Math.cos(a);
      case COS -> g * -Math.sin(a);
      case ABS -> g * Math.signum(a);
      case LEAF, SUM, DOT -> throw notScalar("adjointA", op);
    };
  }

  /** Adjoint rule, second operand of the binary ops: what ȳ = g adds to b̄. */
  static double adjointB(Op op, double a, double b, double y, double g) {
    return switch (op) {
      case ADD -> g;
      case SUB -> -g;
      case MUL -> g * a;
      case DIV -> -g * (a / b / b);
      case POW -> a == 0.0 && b >= 0.0 ? 0.0 : g * (y * Math.log(a));
      case LEAF, NEG, POWC, EXP, LOG, SQRT, TANH, SIGMOID, RELU, SIN, COS, ABS, SUM, DOT -> throw notBinary("adjointB", op);
    };
  }

  // ------------------------------------------------------------------------ tangent

  /**
   * Tangent rule: ẏ from a, b, y = op(a, b) and the operands' tangents ȧ = ta, ḃ = tb. A zero
   * tangent contributes nothing, even through an infinite partial derivative ({@link #term}), so
   * forward mode agrees entry by entry with reverse mode, which never multiplies by it.
   */
  static double tangent(Op op, double a, double b, double y, double ta, double tb) {
    return switch (op) {
      case ADD -> ta + tb;
      case SUB -> ta - tb;
      case MUL -> term(ta, b) + term(tb, a);
      case DIV -> (ta == 0.0 ? 0.0 : ta / b) - term(tb, a / b / b);
      case NEG -> -ta;
      case POW -> term(ta, b == 0.0 ? 0.0 : b * Math.pow(a, b - 1.0)) + term(tb, a == 0.0 && b >= 0.0 ? 0.0 : y * Math.log(a));
      case POWC -> term(ta, b == 0.0 ? 0.0 : b * Math.pow(a, b - 1.0));
      case EXP -> ta * y;
      case LOG -> ta == 0.0 ? 0.0 : ta / a;
      case SQRT -> ta == 0.0 ? 0.0 : ta / (2.0 * y);
      case TANH -> ta * Math.fma(-y, y, 1.0);
      case SIGMOID -> ta * (1.0 - y) * y;
      case RELU -> y <= 0.0 ? 0.0 : ta;
      case SIN -> ta * Math.cos(a);
      case COS -> ta * -Math.sin(a);
      case ABS -> ta * Math.signum(a);
      case LEAF, SUM, DOT -> throw notScalar("tangent", op);
    };
  }

  /** t · partial, but exactly 0 when the tangent t is 0 (whatever the partial, ∞ and NaN included). */
  static double term(double t, double partial) {
    return t == 0.0 ? 0.0 : t * partial;
  }

  // ------------------------------------------------------------------------ second order

  /**
   * Second-order rule, first operand: the tangent of the local partial ∂y/∂a along (ȧ, ḃ), where
   * ẏ = ty is the output's tangent. Forward-over-reverse needs it: the tangent of ā's share
   * ȳ·∂y/∂a is (ȳ)˙·∂y/∂a + ȳ·(∂y/∂a)˙.
   */
  static double partialTangentA(Op op, double a, double b, double y, double ta, double tb, double ty) {
    return switch (op) {
      case ADD, SUB, NEG, RELU, ABS -> 0.0;
      case MUL -> tb;
      case DIV -> term(tb, -1.0 / (b * b));
      case POW -> term(tb, Math.pow(a, b - 1.0) * (1.0 + b * Math.log(a))) + term(ta, b * (b - 1.0) * Math.pow(a, b - 2.0));
      case POWC -> b == 0.0 ? 0.0 : term(ta, b * (b - 1.0) * Math.pow(a, b - 2.0));
      case EXP -> ty;
      case LOG -> term(ta, -1.0 / (a * a));
      case SQRT -> term(ty, -1.0 / (2.0 * y * y));
      case TANH -> ty * (-2.0 * y);
      case SIGMOID -> ty * (1.0 - 2.0 * y);
      case SIN -> ta * -Math.sin(a);
      case COS -> ta * -Math.cos(a);
      case LEAF, SUM, DOT -> throw notScalar("partialTangentA", op);
    };
  }

  /** Second-order rule, second operand of the binary ops: the tangent of ∂y/∂b. */
  static double partialTangentB(Op op, double a, double b, double y, double ta, double tb, double ty) {
    return switch (op) {
      case ADD, SUB -> 0.0;
      case MUL -> ta;
      case DIV -> term(ta, -1.0 / (b * b)) + term(tb, 2.0 * a / (b * b * b));
      case POW -> a == 0.0 && b >= 0.0 ? 0.0 : term(ty, Math.log(a)) + term(ta, y / a);
      case LEAF, NEG, POWC, EXP, LOG, SQRT, TANH, SIGMOID, RELU, SIN, COS, ABS, SUM, DOT -> throw notBinary("partialTangentB", op);
    };
  }

  private static IllegalArgumentException notScalar(String column, Op op) {
    return new IllegalArgumentException(column + ": not a scalar op: " + op);
  }

  private static IllegalArgumentException notBinary(String column, Op op) {
    return new IllegalArgumentException(column + ": not a binary op: " + op);
  }

  // ------------------------------------------------------------------------ n-ary formulas
  // SUM: y = Σ xᵢ, x̄ᵢ += ȳ, ẏ = Σ ẋᵢ. DOT: y = Σ xᵢ·wᵢ, x̄ᵢ += ȳ·wᵢ, w̄ᵢ += ȳ·xᵢ,
  // ẏ = Σ (ẋᵢ·wᵢ + xᵢ·ẇᵢ); every sum runs left to right. The loops for each layout are in
  // NodeRules, SlotRules and LaneRules; what they share is here.

  /** How many operand groups an n-ary node has: its operands for SUM, its pairs for DOT. */
  static int naryCount(Op op, int operands) {
    return op == Op.DOT ? operands >>> 1 : operands;
  }

  /**
   * Whether an n-ary node whose adjoint is g = ±0 can be skipped without changing any bit: a SUM
   * adds g itself, and a DOT with a finite value has only finite operands, so each of its terms
   * g·w and g·x is ±0; adding ±0 to an adjoint (which starts at +0) changes nothing. This is
   * Adept's skip of zero adjoints, made exact: a ReLU network's inactive units and a hinge loss's
   * satisfied margins cost nothing in the reverse sweep.
   */
  static boolean skipsZero(Op op, double g, double y) {
    return g == 0.0 && (op == Op.SUM || Double.isFinite(y));
  }
}
