package dev.adjoint;

/**
 * The rule table ({@link Rules}) applied to graph nodes: each method runs one node's rule, reading
 * its operands' values from the nodes and, in the sweeps of {@link Sweep}, positions from their
 * marks. Stateless; a node must be confined to one sweep at a time (see {@link Sweep}).
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
      default: {
        final Value a = v.a, b = v.b;
        final double bd = b == null ? 0.0 : b.data;
        a.grad += Rules.adjointA(op, a.data, bd, v.data, g);
        if (op.arity == 2) b.grad += Rules.adjointB(op, a.data, bd, v.data, g);
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
        final boolean binary = v.op.arity == 2;
        return Rules.tangent(v.op, a.data, b == null ? 0.0 : b.data, v.data,
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
          s.add(x, g * w.data, Rules.term(gt, w.data) + Rules.term(g, s.tangent(w)));
          s.add(w, g * x.data, Rules.term(gt, x.data) + Rules.term(g, s.tangent(x)));
        }
        return;
      }
      default: {
        final Op op = v.op;
        final Value a = v.a, b = v.b;
        final double av = a.data, bv = b == null ? 0.0 : b.data, y = v.data;
        final boolean binary = op.arity == 2;
        final double ta = s.tangent(a), tb = binary ? s.tangent(b) : 0.0, ty = s.t[i];
        s.add(a, Rules.adjointA(op, av, bv, y, g),
            (gt == 0.0 ? 0.0 : Rules.adjointA(op, av, bv, y, gt)) + Rules.term(g, Rules.partialTangentA(op, av, bv, y, ta, tb, ty)));
        if (binary) {
          s.add(b, Rules.adjointB(op, av, bv, y, g),
              (gt == 0.0 ? 0.0 : Rules.adjointB(op, av, bv, y, gt)) + Rules.term(g, Rules.partialTangentB(op, av, bv, y, ta, tb, ty)));
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
