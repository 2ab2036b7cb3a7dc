package dev.adjoint;

/**
 * The rule table ({@link Rules}) applied to graph nodes: each method runs one node's rule, reading
 * its operands' values from the nodes. Stateless; a node must be confined to one sweep at a time
 * (see {@link Sweep}). Forward mode and second order run on the lowered graph ({@link Program}).
 */
final class NodeRules {
  private NodeRules() {}

  /** Runs the adjoint rule of a graph node: adds its gradient's share to its operands' gradients. */
  static void adjoint(Value v) {
    final double g = v.grad;
    final Op op = v.op;
    switch (op) {
      case SUM: {
        if (Rules.skipsZero(op, g, v.data)) return;
        for (Value x : v.args) x.grad += g;
        return;
      }
      case DOT: {
        if (Rules.skipsZero(op, g, v.data)) return;
        final Value[] p = v.args;
        final int n = p.length >>> 1;
        for (int i = 0; i < n; i++) {
          final Value x = p[i], w = p[i + n];
          x.grad += g * w.data;
          w.grad += g * x.data;
        }
        return;
      }
      case PRIMITIVE: {
        final Value[] p = v.args;
        final double[] d = Primitives.gradient(Primitives.of(v), values(p), v.data);
        for (int i = 0; i < d.length; i++) p[i].grad += g * d[i];
        return;
      }
      default: {
        final Value a = v.a, b = v.b;
        final double bd = b == null ? 0.0 : b.data;
        a.grad += Rules.adjointA(op, a.data, bd, v.data, g);
        if (op.arity == 2) b.grad += Rules.adjointB(op, a.data, bd, v.data, g);
      }
    }
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
