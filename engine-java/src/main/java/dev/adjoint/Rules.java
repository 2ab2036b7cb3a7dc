package dev.adjoint;

/**
 * The whole calculus of Adjoint in one place: for every primitive, its forward rule, its adjoint
 * (reverse-mode) rule and its tangent (forward-mode) rule.
 *
 * <p>Every scalar primitive {@code y = f(a, b)} is described by three columns: the forward value
 * {@link #forward}, and the local partial derivatives {@link #da} = ∂y/∂a and {@link #db} = ∂y/∂b,
 * evaluated from the inputs and the already computed output {@code y}. From the partials the two
 * derivative rules follow, the same for every op:
 *
 * <pre>
 *   adjoint (reverse):  ā += ȳ · ∂y/∂a        b̄ += ȳ · ∂y/∂b
 *   tangent (forward):  ẏ  = ∂y/∂a · ȧ  +  ∂y/∂b · ḃ
 * </pre>
 *
 * The fused n-ary primitives are written out at the bottom of this file.
 *
 * <pre>
 *   op       forward y            ∂y/∂a                     ∂y/∂b
 *   ADD      a + b                1                         1
 *   SUB      a - b                1                         -1
 *   MUL      a · b                b                         a
 *   DIV      a / b                1 / b                     -a / b²
 *   NEG      -a                   -1
 *   POW      a^b                  b·a^(b-1)  (0 if b = 0)   y·ln a  (0 if a = 0, b ≥ 0)
 *   POWC     a^p, p constant      p·a^(p-1)  (0 if p = 0)   (p is not differentiated)
 *   EXP      e^a                  y
 *   LOG      ln a                 1 / a
 *   SQRT     √a                   1 / (2y)                  (+inf at 0)
 *   TANH     tanh a               1 - y²
 *   SIGMOID  1 / (1 + e^-a)       y·(1 - y)
 *   RELU     max(a, 0)            1 if a &gt; 0, else 0       (0 at the kink)
 *   SIN      sin a                cos a
 *   COS      cos a                -sin a
 *   ABS      |a|                  sign a                    (0 at the kink)
 *   SUM      Σ xᵢ                 x̄ᵢ += ȳ                     ẏ = Σ ẋᵢ
 *   DOT      Σ xᵢ·wᵢ              x̄ᵢ += ȳ·wᵢ, w̄ᵢ += ȳ·xᵢ       ẏ = Σ (ẋᵢ·wᵢ + xᵢ·ẇᵢ)
 * </pre>
 *
 * The conventions at non-differentiable points are PyTorch's. NaN and infinities propagate as
 * IEEE 754 says. Op codes are bytes; the tape and the sweeps dispatch on them with a
 * {@code switch}, never a virtual call.
 */
final class Rules {
  private Rules() {}

  static final byte LEAF = 0;
  static final byte ADD = 1;
  static final byte SUB = 2;
  static final byte MUL = 3;
  static final byte DIV = 4;
  static final byte NEG = 5;
  static final byte POW = 6;
  static final byte POWC = 7;
  static final byte EXP = 8;
  static final byte LOG = 9;
  static final byte SQRT = 10;
  static final byte TANH = 11;
  static final byte SIGMOID = 12;
  static final byte RELU = 13;
  static final byte SIN = 14;
  static final byte COS = 15;
  static final byte ABS = 16;
  static final byte SUM = 17;
  static final byte DOT = 18;

  /** The names {@link Value#op()} reports, by op code (POWC reports its exponent too). */
  static final String[] NAME = {
    "", "+", "-", "*", "/", "neg", "pow", "pow", "exp", "log", "sqrt", "tanh", "sigmoid", "relu",
    "sin", "cos", "abs", "sum", "dot"
  };

  /**
   * How many differentiable operands each scalar op reads (a, then b); -1 for the n-ary ops.
   * POWC holds its constant exponent in b but does not differentiate it.
   */
  static final byte[] ARITY = {0, 2, 2, 2, 2, 1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1};

  /** Forward rule: y = op(a, b); b is ignored by unary ops. */
  static double forward(byte op, double a, double b) {
    switch (op) {
      case ADD: return a + b;
      case SUB: return a - b;
      case MUL: return a * b;
      case DIV: return a / b;
      case NEG: return -a;
      case POW:
      case POWC: return Math.pow(a, b);
      case EXP: return Math.exp(a);
      case LOG: return Math.log(a);
      case SQRT: return Math.sqrt(a);
      case TANH: return Math.tanh(a);
      case SIGMOID: return 1.0 / (1.0 + Math.exp(-a));
      case RELU: return Math.max(a, 0.0);
      case SIN: return Math.sin(a);
      case COS: return Math.cos(a);
      case ABS: return Math.abs(a);
      default: throw new IllegalArgumentException("forward: not a scalar op: " + op);
    }
  }

  /** ∂y/∂a, given the operands a, b and the output y = op(a, b). */
  static double da(byte op, double a, double b, double y) {
    switch (op) {
      case ADD: return 1.0;
      case SUB: return 1.0;
      case MUL: return b;
      case DIV: return 1.0 / b;
      case NEG: return -1.0;
      case POW:
      case POWC: return b == 0.0 ? 0.0 : b * Math.pow(a, b - 1.0);
      case EXP: return y;
      case LOG: return 1.0 / a;
      case SQRT: return 1.0 / (2.0 * y);
      case TANH: return 1.0 - y * y;
      case SIGMOID: return y * (1.0 - y);
      case RELU: return a > 0.0 ? 1.0 : 0.0;
      case SIN: return Math.cos(a);
      case COS: return -Math.sin(a);
      case ABS: return Math.signum(a);
      default: throw new IllegalArgumentException("da: not a scalar op: " + op);
    }
  }

  /** ∂y/∂b for the binary ops, given a, b and y = op(a, b). */
  static double db(byte op, double a, double b, double y) {
    switch (op) {
      case ADD: return 1.0;
      case SUB: return -1.0;
      case MUL: return a;
      case DIV: return -a / (b * b);
      case POW: return a == 0.0 && b >= 0.0 ? 0.0 : y * Math.log(a);
      default: throw new IllegalArgumentException("db: not a binary op: " + op);
    }
  }

  /** Adjoint rule of a graph node: adds ȳ times each local partial to its operands' gradients. */
  static void adjoint(Value v) {
    final double g = v.grad;
    final byte op = v.op;
    switch (op) {
      case SUM: {
        for (Value x : v.args) x.grad += g;
        return;
      }
      case DOT: {
        final Value[] p = v.args;
        final int n = p.length >>> 1;
        for (int i = 0; i < n; i++) {
          final Value x = p[i], w = p[i + n];
          x.grad += g * w.data;
          w.grad += g * x.data;
        }
        return;
      }
      default: {
        final Value a = v.a, b = v.b;
        final double bd = b == null ? 0.0 : b.data;
        a.grad += g * da(op, a.data, bd, v.data);
        if (ARITY[op] == 2) b.grad += g * db(op, a.data, bd, v.data);
      }
    }
  }

  /** Tangent rule of a scalar op: ẏ from the operands, the output and the operands' tangents. */
  static double tangent(byte op, double a, double b, double y, double ta, double tb) {
    final double t = da(op, a, b, y) * ta;
    return ARITY[op] == 2 ? t + db(op, a, b, y) * tb : t;
  }

  /** Tangent rule of a graph node placed by a forward sweep (see {@link Sweep#tangentOf}). */
  static double tangent(Value v, double[] t, double[] lt) {
    switch (v.op) {
      case SUM: {
        double s = 0.0;
        for (Value x : v.args) s += Sweep.tangentOf(x, t, lt);
        return s;
      }
      case DOT: {
        final Value[] p = v.args;
        final int n = p.length >>> 1;
        double s = 0.0;
        for (int i = 0; i < n; i++) {
          s += Sweep.tangentOf(p[i], t, lt) * p[i + n].data + p[i].data * Sweep.tangentOf(p[i + n], t, lt);
        }
        return s;
      }
      default: {
        final Value a = v.a, b = v.b;
        final boolean binary = ARITY[v.op] == 2;
        return tangent(v.op, a.data, b == null ? 0.0 : b.data, v.data,
            Sweep.tangentOf(a, t, lt), binary ? Sweep.tangentOf(b, t, lt) : 0.0);
      }
    }
  }

  /** Forward rule of SUM: Σ xᵢ, summed left to right. */
  static double sum(Value[] xs) {
    double s = 0.0;
    for (Value x : xs) s += x.data;
    return s;
  }

  /** Forward rule of DOT over operands laid out as x₀..xₙ₋₁, w₀..wₙ₋₁: Σ xᵢ·wᵢ, left to right. */
  static double dot(Value[] p) {
    final int n = p.length >>> 1;
    double s = 0.0;
    for (int i = 0; i < n; i++) s += p[i].data * p[i + n].data;
    return s;
  }
}
