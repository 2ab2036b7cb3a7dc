package dev.adjoint;

/**
 * The n-ary rules ({@link Rules}) on a {@link Tape}'s flat arrays. A tape lays an n-ary node's
 * operands out as slots args[start .. start+n) (DOT: the xs, then the ws at
 * args[start+n .. start+2n)); values, tangents and adjoints live in arrays indexed by slot.
 * Stateless; the arrays belong to the caller.
 */
final class SlotRules {
  private SlotRules() {}

  /** Forward rule of an n-ary node on flat arrays. */
  static double forward(Op op, int[] args, int start, int n, double[] val) {
    if (op == Op.PRIMITIVE) return primitive(args, start, n, val).value(gather(args, start, n, val));
    double s = 0.0;
    if (op == Op.SUM) {
      for (int k = start, end = start + n; k < end; k++) s += val[args[k]];
    } else {
      for (int k = start, end = start + n; k < end; k++) s += val[args[k]] * val[args[k + n]];
    }
    return s;
  }

  /** Adjoint rule of an n-ary node on flat arrays: adds ȳ = g's shares to adj. */
  static void adjoint(Op op, int[] args, int start, int n, double[] val, double[] adj, double g, double y) {
    if (op == Op.PRIMITIVE) {
      final double[] d = Primitives.gradient(primitive(args, start, n, val), gather(args, start, n, val), y);
      for (int i = 0; i < d.length; i++) adj[args[start + i]] += g * d[i];
      return;
    }
    if (Rules.skipsZero(op, g, y)) return;
    if (op == Op.SUM) {
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
  static double tangent(Op op, int[] args, int start, int n, double[] val, double[] tan, double y) {
    if (op == Op.PRIMITIVE) {
      final double[] d = Primitives.gradient(primitive(args, start, n, val), gather(args, start, n, val), y);
      return Primitives.tangent(d, gather(args, start, n, tan));
    }
    double s = 0.0;
    if (op == Op.SUM) {
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
  static void adjointTangent(Op op, int[] args, int start, int n, double[] val, double[] tan,
      double[] adj, double[] adjT, double g, double gt, double y) {
    if (op == Op.PRIMITIVE) {
      final Primitive f = primitive(args, start, n, val);
      final double[] x = gather(args, start, n, val), d = Primitives.gradient(f, x, y);
      final double[] dt = Primitives.adjointTangents(f, x, y, d, gather(args, start, n, tan), g, gt);
      for (int i = 0; i < d.length; i++) {
        adj[args[start + i]] += g * d[i];
        adjT[args[start + i]] += dt[i];
      }
      return;
    }
    if (op == Op.SUM) {
      for (int k = start, end = start + n; k < end; k++) {
        adj[args[k]] += g;
        adjT[args[k]] += gt;
      }
    } else {
      for (int k = start, end = start + n; k < end; k++) {
        final int x = args[k], w = args[k + n];
        adj[x] += g * val[w];
        adj[w] += g * val[x];
        adjT[x] += Rules.term(gt, val[w]) + Rules.term(g, tan[w]);
        adjT[w] += Rules.term(gt, val[x]) + Rules.term(g, tan[x]);
      }
    }
  }

  // A PRIMITIVE node's operands are slots args[start .. start+n-1); the last, args[start+n-1], is a
  // constant slot holding its primitive's number.

  /** The primitive of a PRIMITIVE node. */
  static Primitive primitive(int[] args, int start, int n, double[] val) {
    return Primitives.get(val[args[start + n - 1]]);
  }

  /** A PRIMITIVE node's operands' entries of arr. */
  static double[] gather(int[] args, int start, int n, double[] arr) {
    final double[] x = new double[n - 1];
    for (int i = 0; i < x.length; i++) x[i] = arr[args[start + i]];
    return x;
  }
}
