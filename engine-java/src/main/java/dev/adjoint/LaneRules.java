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
    final int m = activeLanes(op, val, adj, y, lanes, active);
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

  /**
   * Lists in {@code active} the rows of node y, from last to first, whose adjoint
   * {@link Rules#skipsZero} does not skip, and returns how many there are.
   */
  private static int activeLanes(Op op, double[] val, double[] adj, int y, int lanes, int[] active) {
    int m = 0;
    for (int s = lanes - 1; s >= 0; s--) if (!Rules.skipsZero(op, adj[y + s], val[y + s])) active[m++] = s;
    return m;
  }

  // ------------------------------------------------------------------------ reassociated sums

  /**
   * As {@link #adjointLanes(Op, int, int, double[], double[], int, int, int)}, but a shared
   * operand's adjoint adds the sum of its rows' terms, {@link #sum summed} in partial sums,
   * instead of each term in turn: every term is the exact rule's, and each row operand's adjoint
   * is computed exactly as there. {@code terms} is scratch space of at least {@code lanes} doubles.
   */
  static void adjointLanesReassociated(Op op, int a, int b, double[] val, double[] adj, int y, int lanes, int shared,
      double[] terms) {
    final boolean binary = op.arity == 2, sharedA = a < shared, sharedB = binary && b < shared;
    if (!sharedA && !sharedB) {
      adjointLanes(op, a, b, val, adj, y, lanes, shared);
      return;
    }
    final int sa = sharedA ? 0 : 1, sb = b < shared ? 0 : 1;
    if (binary && sharedA != sharedB && (op == Op.ADD || op == Op.SUB || op == Op.MUL)) {
      arithmeticReassociated(op, sharedA ? a : b, sharedA ? b : a, sharedA, val, adj, y, lanes);
      return;
    }
    if (!binary) {
      for (int s = lanes - 1; s >= 0; s--) terms[s] = Rules.adjointA(op, val[a], val[b + s * sb], val[y + s], adj[y + s]);
      adj[a] += sum(terms, lanes);
    } else if (sharedA && sharedB) {
      for (int s = lanes - 1; s >= 0; s--) terms[s] = Rules.adjointA(op, val[a], val[b], val[y + s], adj[y + s]);
      adj[a] += sum(terms, lanes);
      for (int s = lanes - 1; s >= 0; s--) terms[s] = Rules.adjointB(op, val[a], val[b], val[y + s], adj[y + s]);
      adj[b] += sum(terms, lanes);
    } else if (sharedA) {
      for (int s = lanes - 1; s >= 0; s--) {
        final double g = adj[y + s], av = val[a], bv = val[b + s], yv = val[y + s];
        terms[s] = Rules.adjointA(op, av, bv, yv, g);
        adj[b + s] += Rules.adjointB(op, av, bv, yv, g);
      }
      adj[a] += sum(terms, lanes);
    } else {
      for (int s = lanes - 1; s >= 0; s--) {
        final double g = adj[y + s], av = val[a + s * sa], bv = val[b], yv = val[y + s];
        adj[a + s * sa] += Rules.adjointA(op, av, bv, yv, g);
        terms[s] = Rules.adjointB(op, av, bv, yv, g);
      }
      adj[b] += sum(terms, lanes);
    }
  }

  /**
   * ADD, SUB and MUL with one shared operand (offset w) and one row operand (offset x), their
   * rules written out (the same operations as {@link Rules}: ā += ȳ, b̄ += ȳ or -ȳ, here ȳ·1 and
   * ȳ·-1, which are those bits; ā += ȳ·b, b̄ += ȳ·a), so that the loop over rows makes no call.
   */
  private static void arithmeticReassociated(Op op, int w, int x, boolean sharedIsA, double[] val, double[] adj, int y,
      int lanes) {
    if (op == Op.MUL) {
      adj[w] += products(val, adj, y, lanes, x, val[w]);
      return;
    }
    final double toShared = op == Op.SUB && !sharedIsA ? -1.0 : 1.0, toRow = op == Op.SUB && sharedIsA ? -1.0 : 1.0;
    double p0 = -0.0, p1 = -0.0, p2 = -0.0, p3 = -0.0;
    int s = 0;
    for (; s + 4 <= lanes; s += 4) {
      final double g0 = adj[y + s], g1 = adj[y + s + 1], g2 = adj[y + s + 2], g3 = adj[y + s + 3];
      p0 += g0 * toShared;
      p1 += g1 * toShared;
      p2 += g2 * toShared;
      p3 += g3 * toShared;
      adj[x + s] += g0 * toRow;
      adj[x + s + 1] += g1 * toRow;
      adj[x + s + 2] += g2 * toRow;
      adj[x + s + 3] += g3 * toRow;
    }
    for (; s < lanes; s++) { // at most three rows left: partials s mod 4 = 0, 1, 2
      final double g = adj[y + s], t = g * toShared;
      if ((s & 3) == 0) p0 += t;
      else if ((s & 3) == 1) p1 += t;
      else p2 += t;
      adj[x + s] += g * toRow;
    }
    adj[w] += (p0 + p1) + (p2 + p3);
  }

  /**
   * For rows s = 0 … lanes-1 with ȳ = adj[y + s]: adds ȳ·c to the row operand's adjoint
   * adj[x + s] and returns Σ ȳ·val[x + s], the shared operand's terms, term s to partial s mod 4
   * (as {@link #sum}).
   */
  private static double products(double[] val, double[] adj, int y, int lanes, int x, double c) {
    double p0 = -0.0, p1 = -0.0, p2 = -0.0, p3 = -0.0;
    int s = 0;
    for (; s + 4 <= lanes; s += 4) {
      final double g0 = adj[y + s], g1 = adj[y + s + 1], g2 = adj[y + s + 2], g3 = adj[y + s + 3];
      p0 += g0 * val[x + s];
      p1 += g1 * val[x + s + 1];
      p2 += g2 * val[x + s + 2];
      p3 += g3 * val[x + s + 3];
      adj[x + s] += g0 * c;
      adj[x + s + 1] += g1 * c;
      adj[x + s + 2] += g2 * c;
      adj[x + s + 3] += g3 * c;
    }
    for (; s < lanes; s++) {
      final double g = adj[y + s], t = g * val[x + s];
      if ((s & 3) == 0) p0 += t;
      else if ((s & 3) == 1) p1 += t;
      else p2 += t;
      adj[x + s] += g * c;
    }
    return (p0 + p1) + (p2 + p3);
  }

  /** As {@link #products} over the rows active[0 … m-1] (term j to partial j mod 4). */
  private static double products(double[] val, double[] adj, int y, int[] active, int m, int x, double c) {
    double p0 = -0.0, p1 = -0.0, p2 = -0.0, p3 = -0.0;
    int j = 0;
    for (; j + 4 <= m; j += 4) {
      final int s0 = active[j], s1 = active[j + 1], s2 = active[j + 2], s3 = active[j + 3];
      final double g0 = adj[y + s0], g1 = adj[y + s1], g2 = adj[y + s2], g3 = adj[y + s3];
      p0 += g0 * val[x + s0];
      p1 += g1 * val[x + s1];
      p2 += g2 * val[x + s2];
      p3 += g3 * val[x + s3];
      adj[x + s0] += g0 * c;
      adj[x + s1] += g1 * c;
      adj[x + s2] += g2 * c;
      adj[x + s3] += g3 * c;
    }
    for (; j < m; j++) {
      final int s = active[j];
      final double g = adj[y + s], t = g * val[x + s];
      if ((j & 3) == 0) p0 += t;
      else if ((j & 3) == 1) p1 += t;
      else p2 += t;
      adj[x + s] += g * c;
    }
    return (p0 + p1) + (p2 + p3);
  }

  /**
   * As {@link #adjointLanes(Op, int[], int, int, double[], double[], int, int, int, int[])} for
   * SUM and DOT, but a shared operand's adjoint adds the {@link #sum} of its terms over the rows
   * not skipped (in the exact rule's order of rows, from last to first) instead of each term in
   * turn; a row operand's adjoint is computed exactly as there. A PRIMITIVE node runs the exact
   * rule. {@code terms} is scratch space of at least {@code lanes} doubles.
   */
  static void adjointLanesReassociated(Op op, int[] args, int start, int n, double[] val, double[] adj, int y, int lanes,
      int shared, int[] active, double[] terms) {
    if (op == Op.PRIMITIVE) {
      adjointLanes(op, args, start, n, val, adj, y, lanes, shared, active);
      return;
    }
    final int m = activeLanes(op, val, adj, y, lanes, active);
    if (m == 0) return;
    for (int k = start, end = start + n; k < end; k++) {
      final int x = args[k];
      if (op == Op.SUM) {
        if (x < shared) {
          for (int j = 0; j < m; j++) terms[j] = adj[y + active[j]];
          adj[x] += sum(terms, m);
        } else {
          for (int j = 0; j < m; j++) adj[x + active[j]] += adj[y + active[j]];
        }
        continue;
      }
      final int w = args[k + n];
      if (x < shared && w < shared) {
        final double xv = val[x], wv = val[w];
        for (int j = 0; j < m; j++) terms[j] = adj[y + active[j]] * wv;
        adj[x] += sum(terms, m);
        for (int j = 0; j < m; j++) terms[j] = adj[y + active[j]] * xv;
        adj[w] += sum(terms, m);
      } else if (x < shared) { // the rule: x̄ += ȳ·w, w̄ += ȳ·x, row by row
        adj[x] += products(val, adj, y, active, m, w, val[x]);
      } else if (w < shared) {
        adj[w] += products(val, adj, y, active, m, x, val[w]);
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

  /**
   * t[0] + … + t[n-1] reassociated, in a fixed order that depends on n alone: four partial sums,
   * partial q adding t[q], t[q+4], t[q+8], … in turn (the last n mod 4 terms going to partials
   * 0, 1, 2), combined as (p0 + p1) + (p2 + p3). Each partial starts at -0, the identity of +, so
   * the sign of a zero sum is the exact order's. Four independent chains of additions keep the
   * adder busy where one chain waits for each addition to finish; the result differs from the
   * sum in order by rounding alone (both are within γ_n·Σ|t_i| of the true sum, γ_n = n·2⁻⁵³/(1 - n·2⁻⁵³)).
   */
  static double sum(double[] t, int n) {
    double p0 = -0.0, p1 = -0.0, p2 = -0.0, p3 = -0.0;
    int i = 0;
    for (; i + 4 <= n; i += 4) {
      p0 += t[i];
      p1 += t[i + 1];
      p2 += t[i + 2];
      p3 += t[i + 3];
    }
    if (i < n) p0 += t[i++];
    if (i < n) p1 += t[i++];
    if (i < n) p2 += t[i];
    return (p0 + p1) + (p2 + p3);
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
