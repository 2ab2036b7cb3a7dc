package dev.adjoint;

import java.util.Arrays;

/**
 * The rule table ({@link Rules}) over a {@link BatchTape}'s lanes. A batch tape keeps an operand
 * either in one shared slot (offset &lt; shared: the same for every row) or in a run of
 * {@code lanes} slots, one per row (offset ≥ shared). Each row sees exactly the operations, in the
 * order, of the scalar and n-ary rules. Stateless; the arrays belong to the caller.
 */
final class LaneRules {
  private LaneRules() {}

  /** Forward rule of a scalar op over all rows: operands at offsets a and b, row s's value to val[y + s]. */
  static void forwardLanes(Op op, int a, int b, double[] val, int y, int lanes, int shared) {
    final int sa = a < shared ? 0 : 1, sb = b < shared ? 0 : 1;
    for (int s = 0; s < lanes; s++) val[y + s] = Rules.forward(op, val[a + s * sa], val[b + s * sb]);
  }

  /** Adjoint rule of a scalar op over all rows, from the last row to the first. */
  static void adjointLanes(Op op, int a, int b, double[] val, double[] adj, int y, int lanes, int shared) {
    final int sa = a < shared ? 0 : 1, sb = b < shared ? 0 : 1;
    if (op.arity == 2) {
      for (int s = lanes - 1; s >= 0; s--) {
        final double g = adj[y + s], av = val[a + s * sa], bv = val[b + s * sb], yv = val[y + s];
        adj[a + s * sa] += Rules.adjointA(op, av, bv, yv, g);
        adj[b + s * sb] += Rules.adjointB(op, av, bv, yv, g);
      }
    } else {
      for (int s = lanes - 1; s >= 0; s--) {
        adj[a + s * sa] += Rules.adjointA(op, val[a + s * sa], val[b + s * sb], val[y + s], adj[y + s]);
      }
    }
  }

  /** Forward rule of an n-ary node over all rows: writes row s's value to val[y + s]. */
  static void forwardLanes(Op op, int[] args, int start, int n, double[] val, int y, int lanes, int shared) {
    if (op == Op.PRIMITIVE) {
      final Primitive f = Primitives.get(val[args[start + n - 1]]);
      for (int s = 0; s < lanes; s++) val[y + s] = f.value(primitiveOperands(args, start, n, val, s, shared));
      return;
    }
    Arrays.fill(val, y, y + lanes, 0.0);
    for (int k = start, end = start + n; k < end; k++) {
      final int x = args[k];
      if (op == Op.SUM) {
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
   * those whose adjoint {@link Rules#skipsZero} does not skip; {@code active} is scratch space.
   */
  static void adjointLanes(Op op, int[] args, int start, int n, double[] val, double[] adj, int y, int lanes, int shared,
      int[] active) {
    if (op == Op.PRIMITIVE) {
      final Primitive f = Primitives.get(val[args[start + n - 1]]);
      for (int s = lanes - 1; s >= 0; s--) {
        final double g = adj[y + s];
        final double[] d = Primitives.gradient(f, primitiveOperands(args, start, n, val, s, shared), val[y + s]);
        for (int i = 0; i < d.length; i++) {
          final int x = args[start + i];
          adj[x < shared ? x : x + s] += g * d[i];
        }
      }
      return;
    }
    int m = 0;
    for (int s = lanes - 1; s >= 0; s--) if (!Rules.skipsZero(op, adj[y + s], val[y + s])) active[m++] = s;
    if (m == 0) return;
    for (int k = start, end = start + n; k < end; k++) {
      final int x = args[k];
      if (op == Op.SUM) {
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

  /** Row s's values of a PRIMITIVE node's operands (all but the last, which holds its number). */
  private static double[] primitiveOperands(int[] args, int start, int n, double[] val, int s, int shared) {
    final double[] x = new double[n - 1];
    for (int i = 0; i < x.length; i++) {
      final int k = args[start + i];
      x[i] = val[k < shared ? k : k + s];
    }
    return x;
  }
}
