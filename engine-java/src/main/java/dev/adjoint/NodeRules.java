package dev.adjoint;

/**
 * The rule table ({@link Rules}) applied to graph nodes: each method runs one node's rule, reading
 * its operands' values from the nodes and their adjoints from the sweep's own array. Stateless. Forward mode and second order run on the lowered graph ({@link Program}).
 */
final class NodeRules {
  private NodeRules() {}

  /**
   * Runs the adjoint rule of graph node v whose gradient is g, in a sweep over o: adds its shares to
   * its operands' adjoints in adj (at {@link Sweep.Slots#slot}), operand by operand, in order; a
   * rule that adds nothing still reaches every operand.
   */
  static void adjoint(Value v, double g, Sweep.Slots o, double[] adj) {
    final Op op = v.op;
    switch (op) {
      case SUM: {
        if (Rules.skipsZero(op, g, v.data)) {
          for (Value x : v.args) o.reach(x);
          return;
        }
        for (Value x : v.args) adj[o.slot(x)] += g;
        return;
      }
      case DOT: {
        if (Rules.skipsZero(op, g, v.data)) {
          for (Value x : v.args) o.reach(x);
          return;
        }
        final Value[] p = v.args;
        final int n = p.length >>> 1;
        for (int i = 0; i < n; i++) {
          final Value x = p[i], w = p[i + n];
          adj[o.slot(x)] += g * w.data;
          adj[o.slot(w)] += g * x.data;
        }
        return;
      }
      case PRIMITIVE: {
        final Value[] p = v.args;
        final double[] d = Primitives.gradient(Primitives.of(v), values(p), v.data);
        for (int i = 0; i < d.length; i++) adj[o.slot(p[i])] += g * d[i];
        o.reach(p[d.length]); // the leaf holding f's number
        return;
      }
      default:
        scalar(v, g, o.slot(v.a), op.arity == 2 ? o.slot(v.b) : -1, adj);
    }
  }

  /**
   * The adjoint rule of a scalar op node v (unary, with a constant, or binary) whose gradient is g:
   * adds its shares to the adjoints of its operands, at ia (operand a) and ib (operand b, read only
   * when the op is binary), a's first.
   */
  static void scalar(Value v, double g, int ia, int ib, double[] adj) {
    final Op op = v.op;
    final Value a = v.a, b = v.b;
    final double bd = b == null ? 0.0 : b.data;
    adj[ia] += Rules.adjointA(op, a.data, bd, v.data, g);
    if (op.arity == 2) adj[ib] += Rules.adjointB(op, a.data, bd, v.data, g);
  }

  /** The values of a PRIMITIVE node's operands (all but the last, which holds its number). */
  static double[] values(Value[] p) {
    final double[] x = new double[p.length - 1];
    for (int i = 0; i < x.length; i++) x[i] = p[i].data;
    return x;
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
