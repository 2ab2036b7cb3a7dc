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
 *   ABS      |a|                 ȳ·sign a (sign NaN = 0)               ȧ·sign a
 *   LOG1P    ln(1 + a)           ȳ / (a + 1)                           ȧ / (a + 1)
 *   EXPM1    e^a - 1             ȳ·(y + 1)                             ȧ·(y + 1)
 *   TAN      tan a               ȳ·(1 + y²)                            ȧ·(1 + y²)
 *   ATAN     atan a              ȳ / (a² + 1)                          ȧ / (a² + 1)
 *   ASIN     asin a              ȳ·(1 / √(1 - a²))                     ȧ·(1 / √(1 - a²))
 *   ACOS     acos a              ȳ·-(1 / √(1 - a²))                    ȧ·-(1 / √(1 - a²))
 *   SINH     sinh a              ȳ·cosh a                              ȧ·cosh a
 *   COSH     cosh a              ȳ·sinh a                              ȧ·sinh a
 *   ERF      erf a               (2/√π)·e^(-a²)·ȳ                      (2/√π)·e^(-a²)·ȧ
 *   SOFTPLUS a if a &gt; 20, else ln(1 + e^a)   ȳ, else ȳ·e^a / (e^a + 1)     likewise with ȧ
 *   CLAMP_MIN max(a, lo)         ȳ where a ≥ lo, else 0                ȧ where a ≥ lo, else 0
 *   CLAMP_MAX min(a, hi)         ȳ where a ≤ hi, else 0                ȧ where a ≤ hi, else 0
 *   MAX      max(a, b)           ȳ to the larger, ȳ/2 each at a tie    likewise with ȧ, ḃ
 *   MIN      min(a, b)           ȳ to the smaller, ȳ/2 each at a tie   likewise with ȧ, ḃ
 *   ATAN2    atan2(a, b)         ȳ·b·r,  ȳ·-a·r  (r = 1 / (a² + b²))    ȧ·b·r - ḃ·a·r
 *   DETACH   a                   0                                     0
 *   SUM      Σ xᵢ                x̄ᵢ += ȳ                               Σ ẋᵢ
 *   DOT      Σ xᵢ·wᵢ             x̄ᵢ += ȳ·wᵢ,  w̄ᵢ += ȳ·xᵢ                Σ (ẋᵢ·wᵢ + xᵢ·ẇᵢ)
 * </pre>
 *
 * <p>For second order (forward-over-reverse Hessian-vector products) {@link #partialTangentA} and
 * {@link #partialTangentB} give the tangent of each local partial derivative: d/dε of ∂y/∂a and
 * ∂y/∂b along the operands' tangents.
 *
 * <p>Conventions at non-differentiable points are PyTorch 1.13's: relu'(0) = 0, abs'(0) = 0,
 * sqrt'(0) = +∞, and the power rules give 0 where the exponent is 0 (∂/∂a) and where a = 0 with a
 * non-negative exponent (∂/∂b); the second-order rules follow PyTorch's double backward through
 * those same guards (so d²/da² a^1 = 0 at 0). Powers use C's pow ({@link #powt}), a constant one PyTorch's ({@link #pow}). The adjoint formulas are PyTorch 1.13's to the rounding (tanh's
 * 1 - y² is one fused multiply-add there, as here), so gradients that cancel to nearly zero agree
 * with PyTorch's too. NaN and infinities propagate as IEEE 754 says.
 *
 * <p>The ops themselves are declared once, in {@link Op}; every column here is a {@code switch}
 * expression over it with no {@code default}, so an op added there and forgotten here does not
 * compile. The columns sweeps call per node ({@link #forward}, {@link #adjointA},
 * {@link #adjointB}) are cut in two: the arithmetic ops and the common activations in a switch
 * small enough for the JIT to inline into a sweep, whose {@code default} is the rest, a switch with
 * no {@code default} that sends those back (each formula is written once). Sweeps and tapes
 * dispatch on the op with a {@code switch}, never a virtual call. The
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
      case EXP -> Math.exp(a);
      case LOG -> Math.log(a);
      case TANH -> Math.tanh(a);
      case SIGMOID -> sigmoid(a);
      case RELU -> relu(a);
      default -> forwardOther(op, a, b);
    };
  }

  /**
   * The forward rule of the other ops, apart so that {@link #forward} is small enough for the JIT to
   * inline into every sweep (a switch over every op is not); the arithmetic ops and the common
   * activations (exp, log, tanh, sigmoid, relu) are {@link #forward}'s.
   */
  private static double forwardOther(Op op, double a, double b) {
    return switch (op) {
      case ADD, SUB, MUL, DIV, NEG, EXP, LOG, TANH, SIGMOID, RELU -> forward(op, a, b);
      case POW -> powt(a, b);
      case POWC -> pow(a, b);
      case SQRT -> Math.sqrt(a);
      case SIN -> Math.sin(a);
      case COS -> Math.cos(a);
      case ABS -> Math.abs(a);
      case LOG1P -> Math.log1p(a);
      case EXPM1 -> Math.expm1(a);
      case TAN -> Math.tan(a);
      case ATAN -> Math.atan(a);
      case ASIN -> Math.asin(a);
      case ACOS -> Math.acos(a);
      case SINH -> Math.sinh(a);
      case COSH -> Math.cosh(a);
      case ERF -> Erf.erf(a);
      case SOFTPLUS -> a > SOFTPLUS_THRESHOLD ? a : Math.log1p(Math.exp(a));
      case CLAMP_MIN -> a < b ? b : a;
      case CLAMP_MAX -> b < a ? b : a;
      case MAX -> a != a || b != b ? a + b : a < b ? b : a;
      case MIN -> a != a || b != b ? a + b : b < a ? b : a;
      case ATAN2 -> Math.atan2(a, b);
      case DETACH -> a;
      case LEAF, SUM, DOT, PRIMITIVE -> throw notScalar("forward", op);
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
      case EXP -> g * y;
      case LOG -> g / a;
      case TANH -> g * Math.fma(-y, y, 1.0);
      case SIGMOID -> g * (1.0 - y) * y;
      case RELU -> reluAdjoint(y, g);
      default -> adjointAOther(op, a, b, y, g);
    };
  }

  /**
   * The adjoint rule (first operand) of the other ops, apart as {@link #forwardOther} is.
   */
  private static double adjointAOther(Op op, double a, double b, double y, double g) {
    return switch (op) {
      case ADD, SUB, MUL, DIV, NEG, EXP, LOG, TANH, SIGMOID, RELU -> adjointA(op, a, b, y, g);
      case POW -> b == 0.0 ? 0.0 : g * (b * powt(a, b - 1.0));
      case POWC -> b == 0.0 ? 0.0 : g * (b * pow(a, b - 1.0));
      case SQRT -> g / (2.0 * y);
      case SIN -> g * Math.cos(a);
      case COS -> g * -Math.sin(a);
      case ABS -> g * sign(a);
      case LOG1P -> g / (a + 1.0);
      case EXPM1 -> g * (y + 1.0);
      case TAN -> g * (1.0 + y * y);
      case ATAN -> g / (a * a + 1.0);
      case ASIN -> g * (1.0 / Math.sqrt(1.0 - a * a));
      case ACOS -> g * -(1.0 / Math.sqrt(1.0 - a * a));
      case SINH -> g * Math.cosh(a);
      case COSH -> g * Math.sinh(a);
      case ERF -> TWO_OVER_SQRT_PI * Math.exp(-(a * a)) * g;
      case SOFTPLUS -> a > SOFTPLUS_THRESHOLD ? g : g * Math.exp(a) / (Math.exp(a) + 1.0);
      case CLAMP_MIN -> a >= b ? g : 0.0;
      case CLAMP_MAX -> a <= b ? g : 0.0;
      case MAX -> a < b ? 0.0 : a == b ? g / 2.0 : g;
      case MIN -> a > b ? 0.0 : a == b ? g / 2.0 : g;
      case ATAN2 -> g * b * (1.0 / (a * a + b * b));
      case DETACH -> 0.0;
      case LEAF, SUM, DOT, PRIMITIVE -> throw notScalar("adjointA", op);
    };
  }

  /** RELU's forward rule, on its own so that dense kernels loop over it (the switch is not inlined). */
  static double relu(double a) {
    return Math.max(a, 0.0);
  }

  /** RELU's adjoint rule, on its own for the same reason. */
  static double reluAdjoint(double y, double g) {
    return y <= 0.0 ? 0.0 : g;
  }

  /** Adjoint rule, second operand of the binary ops: what ȳ = g adds to b̄. */
  static double adjointB(Op op, double a, double b, double y, double g) {
    return switch (op) {
      case ADD -> g;
      case SUB -> -g;
      case MUL -> g * a;
      case DIV -> -g * (a / b / b);
      default -> adjointBOther(op, a, b, y, g);
    };
  }

  /**
   * The adjoint rule (second operand) of the other binary ops, apart as {@link #forwardOther} is.
   */
  private static double adjointBOther(Op op, double a, double b, double y, double g) {
    return switch (op) {
      case ADD, SUB, MUL, DIV -> adjointB(op, a, b, y, g);
      case POW -> a == 0.0 && b >= 0.0 ? 0.0 : g * (y * Math.log(a));
      case MAX -> a > b ? 0.0 : a == b ? g / 2.0 : g;
      case MIN -> a < b ? 0.0 : a == b ? g / 2.0 : g;
      case ATAN2 -> g * -a * (1.0 / (a * a + b * b));
      case LEAF, NEG, POWC, EXP, LOG, SQRT, TANH, SIGMOID, RELU, SIN, COS, ABS, LOG1P, EXPM1, TAN, ATAN, ASIN, ACOS, SINH, COSH,
          ERF, SOFTPLUS, CLAMP_MIN, CLAMP_MAX, DETACH, SUM, DOT, PRIMITIVE -> throw notBinary("adjointB", op);
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
      case POW -> term(ta, b == 0.0 ? 0.0 : b * powt(a, b - 1.0)) + term(tb, a == 0.0 && b >= 0.0 ? 0.0 : y * Math.log(a));
      case POWC -> term(ta, b == 0.0 ? 0.0 : b * pow(a, b - 1.0));
      case EXP -> ta * y;
      case LOG -> ta == 0.0 ? 0.0 : ta / a;
      case SQRT -> ta == 0.0 ? 0.0 : ta / (2.0 * y);
      case TANH -> ta * Math.fma(-y, y, 1.0);
      case SIGMOID -> ta * (1.0 - y) * y;
      case RELU -> y <= 0.0 ? 0.0 : ta;
      case SIN -> ta * Math.cos(a);
      case COS -> ta * -Math.sin(a);
      case ABS -> ta * sign(a);
      case LOG1P -> ta == 0.0 ? 0.0 : ta / (a + 1.0);
      case EXPM1 -> ta * (y + 1.0);
      case TAN -> ta * (1.0 + y * y);
      case ATAN -> ta / (a * a + 1.0);
      case ASIN -> term(ta, 1.0 / Math.sqrt(1.0 - a * a));
      case ACOS -> term(ta, -(1.0 / Math.sqrt(1.0 - a * a)));
      case SINH -> ta * Math.cosh(a);
      case COSH -> ta * Math.sinh(a);
      case ERF -> TWO_OVER_SQRT_PI * Math.exp(-(a * a)) * ta;
      case SOFTPLUS -> a > SOFTPLUS_THRESHOLD ? ta : ta * Math.exp(a) / (Math.exp(a) + 1.0);
      case CLAMP_MIN -> a >= b ? ta : 0.0;
      case CLAMP_MAX -> a <= b ? ta : 0.0;
      case MAX -> (a < b ? 0.0 : a == b ? ta / 2.0 : ta) + (a > b ? 0.0 : a == b ? tb / 2.0 : tb);
      case MIN -> (a > b ? 0.0 : a == b ? ta / 2.0 : ta) + (a < b ? 0.0 : a == b ? tb / 2.0 : tb);
      case ATAN2 -> (ta == 0.0 ? 0.0 : ta * b * (1.0 / (a * a + b * b))) + (tb == 0.0 ? 0.0 : tb * -a * (1.0 / (a * a + b * b)));
      case DETACH -> 0.0;
      case LEAF, SUM, DOT, PRIMITIVE -> throw notScalar("tangent", op);
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
      case ADD, SUB, NEG, RELU, ABS, CLAMP_MIN, CLAMP_MAX, MAX, MIN, DETACH -> 0.0;
      case MUL -> tb;
      case DIV -> term(tb, -1.0 / (b * b));
      case POW -> { // PyTorch's double backward through where(b == 0, 0, ȳ·(b·a^(b-1))): the guard passes 0, not
        // nothing, into the other branch, so 0·∞ = NaN there, as in PyTorch
        final double m = b == 0.0 ? 0.0 : 1.0;
        yield term(ta, b - 1.0 == 0.0 ? 0.0 : (m * b) * ((b - 1.0) * powt(a, b - 2.0)))
            + term(tb, m * powt(a, b - 1.0) + (m * b) * (b - 1.0 >= 0.0 && a == 0.0 ? 0.0 : powt(a, b - 1.0) * Math.log(a)));
      }
      case POWC -> b == 0.0 || b == 1.0 ? 0.0 : term(ta, b * (b - 1.0) * pow(a, b - 2.0));
      case EXP -> ty;
      case LOG -> term(ta, -1.0 / (a * a));
      case SQRT -> term(ty, -1.0 / (2.0 * y * y));
      case TANH -> ty * (-2.0 * y);
      case SIGMOID -> ty * (1.0 - 2.0 * y);
      case SIN -> ta * -Math.sin(a);
      case COS -> ta * -Math.cos(a);
      case LOG1P -> term(ta, -1.0 / ((a + 1.0) * (a + 1.0)));
      case EXPM1 -> ty;
      case TAN -> ty * (2.0 * y);
      case ATAN -> term(ta, -2.0 * a / ((a * a + 1.0) * (a * a + 1.0)));
      case ASIN -> term(ta, a / ((1.0 - a * a) * Math.sqrt(1.0 - a * a)));
      case ACOS -> term(ta, -a / ((1.0 - a * a) * Math.sqrt(1.0 - a * a)));
      case SINH -> ta * Math.sinh(a);
      case COSH -> ta * Math.cosh(a);
      case ERF -> ta * (-2.0 * a * TWO_OVER_SQRT_PI * Math.exp(-(a * a)));
      case SOFTPLUS -> a >= SOFTPLUS_THRESHOLD ? 0.0 : ta * (1.0 - sigmoid(a)) * sigmoid(a); // NaN stays NaN
      case ATAN2 -> { // of ∂y/∂a = b·r, r = 1/(a² + b²), as PyTorch's double backward: r' = -r²·(a² + b²)'
        final double r = 1.0 / (a * a + b * b);
        yield term(ta, b * -(r * r) * (2.0 * a)) + term(tb, r + b * -(r * r) * (2.0 * b));
      }
      case LEAF, SUM, DOT, PRIMITIVE -> throw notScalar("partialTangentA", op);
    };
  }

  /** Second-order rule, second operand of the binary ops: the tangent of ∂y/∂b. */
  static double partialTangentB(Op op, double a, double b, double y, double ta, double tb, double ty) {
    return switch (op) {
      case ADD, SUB -> 0.0;
      case MUL -> ta;
      case DIV -> term(ta, -1.0 / (b * b)) + term(tb, 2.0 * a / (b * b * b));
      case POW -> { // PyTorch's double backward through where(b >= 0 && a == 0, 0, y·ln a): 0·∞ = NaN in the other branch
        final double m = a == 0.0 && b >= 0.0 ? 0.0 : 1.0, l = Math.log(a);
        yield term(ta, (b == 0.0 ? 0.0 : (m * l) * (b * powt(a, b - 1.0))) + m * y / a)
            + term(tb, (m * l) * (a == 0.0 && b >= 0.0 ? 0.0 : y * l));
      }
      case MAX, MIN -> 0.0;
      case ATAN2 -> { // of ∂y/∂b = -a·r, as PyTorch's double backward
        final double r = 1.0 / (a * a + b * b);
        yield term(ta, -r + -a * -(r * r) * (2.0 * a)) + term(tb, -a * -(r * r) * (2.0 * b));
      }
      case LEAF, NEG, POWC, EXP, LOG, SQRT, TANH, SIGMOID, RELU, SIN, COS, ABS, LOG1P, EXPM1, TAN, ATAN, ASIN, ACOS, SINH, COSH,
          ERF, SOFTPLUS, CLAMP_MIN, CLAMP_MAX, DETACH, SUM, DOT, PRIMITIVE -> throw notBinary("partialTangentB", op);
    };
  }

  // ------------------------------------------------------------------------ helpers

  /** 2/√π, as PyTorch computes it: the derivative of erf at 0. */
  static final double TWO_OVER_SQRT_PI = 2.0 / Math.sqrt(Math.PI);

  /** softplus is the identity above this (PyTorch's default threshold). */
  static final double SOFTPLUS_THRESHOLD = 20.0;

  /**
   * a^p for a constant p, as PyTorch's pow(Tensor, Scalar) computes it: the square root for p = 1/2
   * and its reciprocal for p = -1/2 (so (-0)^(1/2) = -0, (-∞)^(1/2) = NaN, (-0)^(-1/2) = -∞), else
   * {@link #powt}. The constant power's rules use it, its derivatives' powers included (PyTorch's
   * a.pow(p - 1) has a constant exponent too). Squares and first powers (x² and its derivative's
   * x¹) return before any other test or call: compiled tapes call this per node.
   */
  static double pow(double a, double p) {
    if (p == 2.0) return a * a; // powt's own fast paths, the same bits
    if (p == 1.0) return a;
    if (p == 0.5) return Math.sqrt(a);
    if (p == -0.5) return 1.0 / Math.sqrt(a);
    return powt(a, p);
  }

  /**
   * a^b with C's (and so PyTorch's pow(Tensor, Tensor)) conventions where Java's Math.pow differs:
   * 1^b = 1 for every b, NaN and ±∞ included, and (-1)^±∞ = 1 (Math.pow gives NaN for these).
   */
  static double powt(double a, double b) {
    if (b == 2.0) return a * a; // the same bits as Math.pow (fdlibm squares exactly; FastPathTest), ~10x cheaper
    if (b == 1.0) return a; // Math.pow's specification
    if (a == 1.0 || a == -1.0 && Double.isInfinite(b)) return 1.0;
    return Math.pow(a, b);
  }

  /** PyTorch's sign: Math.signum, but 0 for NaN. */
  static double sign(double a) {
    return a != a ? 0.0 : Math.signum(a);
  }

  static double sigmoid(double a) {
    return 1.0 / (1.0 + Math.exp(-a));
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

  /** How many operands an n-ary node with {@code count} groups reads (the inverse of {@link #naryCount}). */
  static int naryOperands(Op op, int count) {
    return op == Op.DOT ? 2 * count : count;
  }

  /**
   * Whether an n-ary node whose adjoint is g = ±0 can be skipped without changing any bit: a SUM
   * adds g itself, and a DOT with a finite value has only finite operands, so each of its terms
   * g·w and g·x is ±0; adding ±0 to an adjoint (which starts at +0) changes nothing. This is
   * Adept's skip of zero adjoints, made exact: a ReLU network's inactive units and a hinge loss's
   * satisfied margins cost nothing in the reverse sweep. A user's primitive is never skipped: its
   * partial derivatives may be infinite where its value is finite.
   */
  static boolean skipsZero(Op op, double g, double y) {
    return g == 0.0 && (op == Op.SUM || op == Op.DOT && Double.isFinite(y));
  }
}
