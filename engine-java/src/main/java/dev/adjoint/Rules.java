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
 * <p>Op codes are bytes; sweeps and tapes dispatch on them with a {@code switch}, never a virtual
 * call. The fused n-ary primitives (SUM, DOT) are written out at the bottom.
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

  // ------------------------------------------------------------------------ forward

  /** Forward rule: y = op(a, b); b is the exponent of POWC and is ignored by the other unary ops. */
  static double forward(byte op, double a, double b) {
    switch (op) {
      case ADD: return a + b;
      case SUB: return a - b;
      case MUL: return a * b;
      case DIV: return a / b;
      case NEG: return -a;
      case POW: return Math.pow(a, b);
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

  // ------------------------------------------------------------------------ adjoint

  /** Adjoint rule, first operand: what ȳ = g adds to ā, given a, b and y = op(a, b). */
  static double adjointA(byte op, double a, double b, double y, double g) {
    switch (op) {
      case ADD: return g;
      case SUB: return g;
      case MUL: return g * b;
      case DIV: return g / b;
      case NEG: return -g;
      case POW: return b == 0.0 ? 0.0 : g * (b * Math.pow(a, b - 1.0));
      case POWC: return b == 0.0 ? 0.0 : g * (b * Math.pow(a, b - 1.0));
      case EXP: return g * y;
      case LOG: return g / a;
      case SQRT: return g / (2.0 * y);
      case TANH: return g * Math.fma(-y, y, 1.0);
      case SIGMOID: return g * (1.0 - y) * y;
      case RELU: return y <= 0.0 ? 0.0 : g;
      case SIN: return g * Math.cos(a);
      case COS: return g * -Math.sin(a);
      case ABS: return g * Math.signum(a);
      default: throw new IllegalArgumentException("adjointA: not a scalar op: " + op);
    }
  }

  /** Adjoint rule, second operand of the binary ops: what ȳ = g adds to b̄. */
  static double adjointB(byte op, double a, double b, double y, double g) {
    switch (op) {
      case ADD: return g;
      case SUB: return -g;
      case MUL: return g * a;
      case DIV: return -g * (a / b / b);
      case POW: return a == 0.0 && b >= 0.0 ? 0.0 : g * (y * Math.log(a));
      default: throw new IllegalArgumentException("adjointB: not a binary op: " + op);
    }
  }

  // ------------------------------------------------------------------------ tangent

  /**
   * Tangent rule: ẏ from a, b, y = op(a, b) and the operands' tangents ȧ = ta, ḃ = tb. A zero
   * tangent contributes nothing, even through an infinite partial derivative ({@link #term}), so
   * forward mode agrees entry by entry with reverse mode, which never multiplies by it.
   */
  static double tangent(byte op, double a, double b, double y, double ta, double tb) {
    switch (op) {
      case ADD: return ta + tb;
      case SUB: return ta - tb;
      case MUL: return term(ta, b) + term(tb, a);
      case DIV: return (ta == 0.0 ? 0.0 : ta / b) - term(tb, a / b / b);
      case NEG: return -ta;
      case POW: return term(ta, b == 0.0 ? 0.0 : b * Math.pow(a, b - 1.0)) + term(tb, a == 0.0 && b >= 0.0 ? 0.0 : y * Math.log(a));
      case POWC: return term(ta, b == 0.0 ? 0.0 : b * Math.pow(a, b - 1.0));
      case EXP: return ta * y;
      case LOG: return ta == 0.0 ? 0.0 : ta / a;
      case SQRT: return ta == 0.0 ? 0.0 : ta / (2.0 * y);
      case TANH: return ta * Math.fma(-y, y, 1.0);
      case SIGMOID: return ta * (1.0 - y) * y;
      case RELU: return y <= 0.0 ? 0.0 : ta;
      case SIN: return ta * Math.cos(a);
      case COS: return ta * -Math.sin(a);
      case ABS: return ta * Math.signum(a);
      default: throw new IllegalArgumentException("tangent: not a scalar op: " + op);
    }
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
  static double partialTangentA(byte op, double a, double b, double y, double ta, double tb, double ty) {
    switch (op) {
      case ADD:
      case SUB:
      case NEG:
      case RELU:
      case ABS: return 0.0;
      case MUL: return tb;
      case DIV: return term(tb, -1.0 / (b * b));
      case POW: return term(tb, Math.pow(a, b - 1.0) * (1.0 + b * Math.log(a))) + term(ta, b * (b - 1.0) * Math.pow(a, b - 2.0));
      case POWC: return b == 0.0 ? 0.0 : term(ta, b * (b - 1.0) * Math.pow(a, b - 2.0));
      case EXP: return ty;
      case LOG: return term(ta, -1.0 / (a * a));
      case SQRT: return term(ty, -1.0 / (2.0 * y * y));
      case TANH: return ty * (-2.0 * y);
      case SIGMOID: return ty * (1.0 - 2.0 * y);
      case SIN: return ta * -Math.sin(a);
      case COS: return ta * -Math.cos(a);
      default: throw new IllegalArgumentException("partialTangentA: not a scalar op: " + op);
    }
  }

  /** Second-order rule, second operand of the binary ops: the tangent of ∂y/∂b. */
  static double partialTangentB(byte op, double a, double b, double y, double ta, double tb, double ty) {
    switch (op) {
      case ADD:
      case SUB: return 0.0;
      case MUL: return ta;
      case DIV: return term(ta, -1.0 / (b * b)) + term(tb, 2.0 * a / (b * b * b));
      case POW: return a == 0.0 && b >= 0.0 ? 0.0 : term(ty, Math.log(a)) + term(ta, y / a);
      default: throw new IllegalArgumentException("partialTangentB: not a binary op: " + op);
    }
  }

  // ------------------------------------------------------------------------ graph nodes

  /** Runs the adjoint rule of a graph node: adds its gradient's share to its operands' gradients. */
  static void adjoint(Value v) {
    final double g = v.grad;
    final byte op = v.op;
    switch (op) {
      case SUM: {
        if (skipsZero(op, g, v.data)) return;
        for (Value x : v.args) x.grad += g;
        return;
      }
      case DOT: {
        if (skipsZero(op, g, v.data)) return;
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
        a.grad += adjointA(op, a.data, bd, v.data, g);
        if (ARITY[op] == 2) b.grad += adjointB(op, a.data, bd, v.data, g);
      }
    }
  }

  /** Runs the tangent rule of a graph node placed by a forward sweep (see {@link Sweep#tangentOf}). */
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

  /**
   * Forward-over-reverse rule of a graph node: adds its adjoint's share (ȳ·∂y/∂a) and that share's
   * tangent ((ȳ)˙·∂y/∂a + ȳ·(∂y/∂a)˙) to its operands, in a {@link Sweep.Second} sweep.
   */
  static void adjointTangent(Value v, Sweep.Second s) {
    final int i = -v.mark - 1;
    final double g = s.g[i], gt = s.gt[i];
    switch (v.op) {
      case SUM: {
        for (Value x : v.args) s.add(x, g, gt);
        return;
      }
      case DOT: {
        final Value[] p = v.args;
        final int n = p.length >>> 1;
        for (int k = 0; k < n; k++) {
          final Value x = p[k], w = p[k + n];
          s.add(x, g * w.data, term(gt, w.data) + term(g, s.tangent(w)));
          s.add(w, g * x.data, term(gt, x.data) + term(g, s.tangent(x)));
        }
        return;
      }
      default: {
        final byte op = v.op;
        final Value a = v.a, b = v.b;
        final double av = a.data, bv = b == null ? 0.0 : b.data, y = v.data;
        final boolean binary = ARITY[op] == 2;
        final double ta = s.tangent(a), tb = binary ? s.tangent(b) : 0.0, ty = s.t[i];
        s.add(a, adjointA(op, av, bv, y, g),
            (gt == 0.0 ? 0.0 : adjointA(op, av, bv, y, gt)) + term(g, partialTangentA(op, av, bv, y, ta, tb, ty)));
        if (binary) {
          s.add(b, adjointB(op, av, bv, y, g),
              (gt == 0.0 ? 0.0 : adjointB(op, av, bv, y, gt)) + term(g, partialTangentB(op, av, bv, y, ta, tb, ty)));
        }
      }
    }
  }

  // ------------------------------------------------------------------------ n-ary rules on flat arrays
  // A tape lays an n-ary node's operands out as slots args[start .. start+n) (DOT: the xs, then the
  // ws at args[start+n .. start+2n)); values, tangents and adjoints live in arrays indexed by slot.

  /** Whether op is one of the fused n-ary primitives. */
  static boolean nary(byte op) {
    return op == SUM || op == DOT;
  }

  /** How many operand groups an n-ary node has: its operands for SUM, its pairs for DOT. */
  static int naryCount(byte op, int operands) {
    return op == DOT ? operands >>> 1 : operands;
  }

  /** Forward rule of an n-ary node on flat arrays. */
  static double forward(byte op, int[] args, int start, int n, double[] val) {
    double s = 0.0;
    if (op == SUM) {
      for (int k = start, end = start + n; k < end; k++) s += val[args[k]];
    } else {
      for (int k = start, end = start + n; k < end; k++) s += val[args[k]] * val[args[k + n]];
    }
    return s;
  }

  /**
   * Whether an n-ary node whose adjoint is g = ±0 can be skipped without changing any bit: a SUM
   * adds g itself, and a DOT with a finite value has only finite operands, so each of its terms
   * g·w and g·x is ±0; adding ±0 to an adjoint (which starts at +0) changes nothing. This is
   * Adept's skip of zero adjoints, made exact: a ReLU network's inactive units and a hinge loss's
   * satisfied margins cost nothing in the reverse sweep.
   */
  static boolean skipsZero(byte op, double g, double y) {
    return g == 0.0 && (op == SUM || Double.isFinite(y));
  }

  /** Adjoint rule of an n-ary node on flat arrays: adds ȳ = g's shares to adj. */
  static void adjoint(byte op, int[] args, int start, int n, double[] val, double[] adj, double g, double y) {
    if (skipsZero(op, g, y)) return;
    if (op == SUM) {
      for (int k = start, end = start + n; k < end; k++) adj[args[k]] += g;
    } else {
      for (int k = start, end = start + n; k < end; k++) {
        final int x = args[k], w = args[k + n];
        adj[x] += g * val[w];
        adj[w] += g * val[x];
      }
    }
  }

  /** Tangent rule of an n-ary node on flat arrays. */
  static double tangent(byte op, int[] args, int start, int n, double[] val, double[] tan) {
    double s = 0.0;
    if (op == SUM) {
      for (int k = start, end = start + n; k < end; k++) s += tan[args[k]];
    } else {
      for (int k = start, end = start + n; k < end; k++) {
        final int x = args[k], w = args[k + n];
        s += tan[x] * val[w] + val[x] * tan[w];
      }
    }
    return s;
  }

  /** Forward-over-reverse rule of an n-ary node on flat arrays. */
  static void adjointTangent(byte op, int[] args, int start, int n, double[] val, double[] tan,
      double[] adj, double[] adjT, double g, double gt) {
    if (op == SUM) {
      for (int k = start, end = start + n; k < end; k++) {
        adj[args[k]] += g;
        adjT[args[k]] += gt;
      }
    } else {
      for (int k = start, end = start + n; k < end; k++) {
        final int x = args[k], w = args[k + n];
        adj[x] += g * val[w];
        adj[w] += g * val[x];
        adjT[x] += term(gt, val[w]) + term(g, tan[w]);
        adjT[w] += term(gt, val[x]) + term(g, tan[x]);
      }
    }
  }

  // A batch tape keeps an operand either in one shared slot (offset < shared: the same for every
  // row) or in a run of `lanes` slots, one per row (offset ≥ shared). These are the n-ary rules
  // over all rows at once; each row sees exactly the operations, in the order, of the rules above.

  /** Forward rule of a scalar op over all rows: operands at offsets a and b, row s's value to val[y + s]. */
  static void forwardLanes(byte op, int a, int b, double[] val, int y, int lanes, int shared) {
    final int sa = a < shared ? 0 : 1, sb = b < shared ? 0 : 1;
    for (int s = 0; s < lanes; s++) val[y + s] = forward(op, val[a + s * sa], val[b + s * sb]);
  }

  /** Adjoint rule of a scalar op over all rows, from the last row to the first. */
  static void adjointLanes(byte op, int a, int b, double[] val, double[] adj, int y, int lanes, int shared) {
    final int sa = a < shared ? 0 : 1, sb = b < shared ? 0 : 1;
    if (ARITY[op] == 2) {
      for (int s = lanes - 1; s >= 0; s--) {
        final double g = adj[y + s], av = val[a + s * sa], bv = val[b + s * sb], yv = val[y + s];
        adj[a + s * sa] += adjointA(op, av, bv, yv, g);
        adj[b + s * sb] += adjointB(op, av, bv, yv, g);
      }
    } else {
      for (int s = lanes - 1; s >= 0; s--) {
        adj[a + s * sa] += adjointA(op, val[a + s * sa], val[b + s * sb], val[y + s], adj[y + s]);
      }
    }
  }

  /** Forward rule of an n-ary node over all rows: writes row s's value to val[y + s]. */
  static void forwardLanes(byte op, int[] args, int start, int n, double[] val, int y, int lanes, int shared) {
    Arrays.fill(val, y, y + lanes, 0.0);
    for (int k = start, end = start + n; k < end; k++) {
      final int x = args[k];
      if (op == SUM) {
        if (x < shared) {
          final double c = val[x];
          for (int s = 0; s < lanes; s++) val[y + s] += c;
        } else {
          for (int s = 0; s < lanes; s++) val[y + s] += val[x + s];
        }
        continue;
      }
      final int w = args[k + n];
      if (x < shared && w < shared) {
        final double c = val[x] * val[w];
        for (int s = 0; s < lanes; s++) val[y + s] += c;
      } else if (x < shared) { // operands in the scalar rule's order, down to which NaN propagates
        final double c = val[x];
        for (int s = 0; s < lanes; s++) val[y + s] += c * val[w + s];
      } else if (w < shared) {
        final double c = val[w];
        for (int s = 0; s < lanes; s++) val[y + s] += val[x + s] * c;
      } else {
        for (int s = 0; s < lanes; s++) val[y + s] += val[x + s] * val[w + s];
      }
    }
  }

  /**
   * Adjoint rule of an n-ary node over the rows listed in {@code active} (from last to first),
   * those whose adjoint {@link #skipsZero} does not skip; {@code active} is scratch space.
   */
  static void adjointLanes(byte op, int[] args, int start, int n, double[] val, double[] adj, int y, int lanes, int shared,
      int[] active) {
    int m = 0;
    for (int s = lanes - 1; s >= 0; s--) if (!skipsZero(op, adj[y + s], val[y + s])) active[m++] = s;
    if (m == 0) return;
    for (int k = start, end = start + n; k < end; k++) {
      final int x = args[k];
      if (op == SUM) {
        if (x < shared) {
          for (int j = 0; j < m; j++) adj[x] += adj[y + active[j]];
        } else {
          for (int j = 0; j < m; j++) adj[x + active[j]] += adj[y + active[j]];
        }
        continue;
      }
      final int w = args[k + n];
      if (x < shared && w < shared) {
        final double xv = val[x], wv = val[w];
        for (int j = 0; j < m; j++) {
          final double g = adj[y + active[j]];
          adj[x] += g * wv;
          adj[w] += g * xv;
        }
      } else if (x < shared) {
        final double xv = val[x];
        for (int j = 0; j < m; j++) {
          final int s = active[j];
          final double g = adj[y + s];
          adj[x] += g * val[w + s];
          adj[w + s] += g * xv;
        }
      } else if (w < shared) {
        final double wv = val[w];
        for (int j = 0; j < m; j++) {
          final int s = active[j];
          final double g = adj[y + s];
          adj[x + s] += g * wv;
          adj[w] += g * val[x + s];
        }
      } else {
        for (int j = 0; j < m; j++) {
          final int s = active[j];
          final double g = adj[y + s];
          adj[x + s] += g * val[w + s];
          adj[w + s] += g * val[x + s];
        }
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
