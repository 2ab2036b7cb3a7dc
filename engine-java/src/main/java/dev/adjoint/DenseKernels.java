package dev.adjoint;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Dense layer kernels for a {@link BatchTape}: a group of {@code dot} nodes that read the same
 * vector of row operands (a layer's inputs), each with weights of its own in shared slots, runs as
 * one blocked kernel over the rows instead of node by node. Results are bitwise those of the
 * node-by-node rules, because every sum keeps its order: a node's value sums its terms over the
 * inputs in recorded order (starting from 0); an input's adjoint adds its terms from the group's
 * last node to its first; a weight's adjoint adds one term per row, from the last row to the
 * first. Rows whose adjoints are all skipped by {@link Rules#skipsZero} are skipped; the terms of
 * a skipped node in a row that is not are ±0 (its value is finite, so are its operands), which
 * leave an adjoint unchanged: every adjoint starts at +0 (the batch tape's, and the reduction
 * tape's that seed the shared ones) and only has terms added, so none is ever -0.
 *
 * <p>Why it is faster: the rows of a tile are copied into arrays of their own, so the JIT
 * vectorises the loops over rows (one array per node, the same index everywhere), and each loaded
 * input serves three outputs, each loaded output two inputs (see {@link #accumulate}).
 *
 * <p>A group runs at its first node, forward and reverse; its other nodes are skipped where they
 * stand. That is exact when no node outside the group, placed between the group's first and last
 * node, reads one of the group's inputs (it would add to the input's adjoint between two of the
 * group's terms); {@link #plan} splits groups where that happens.
 *
 * <p>Not thread-safe: an instance holds the scratch tiles of one replay.
 */
final class DenseKernels {
  /** Rows per tile (chosen with the JMH kernel benchmark). */
  static final int TILE = 128;
  private static final byte DOT = (byte) Op.DOT.ordinal();
  /**
   * Whether batch tapes plan layers at all: the system property {@code adjoint.denseKernels=false}
   * turns the kernels off, so that benchmarks can measure the node-by-node replay beside them.
   */
  static final boolean ENABLED = !"false".equals(System.getProperty("adjoint.denseKernels"));

  /**
   * A group of dot nodes (a layer): m outputs z_j over the same n row operands, each optionally
   * followed by its bias u_j = z_j + b_j and an activation h_j = act(u_j), nodes that read
   * nothing else and are read by nothing else (as {@code Neuron} builds them), fused into the pass.
   */
  static final class Layer {
    /** The group's dot nodes, in recorded order. */
    final int[] nodes;
    /** Row offsets of the outputs (one per node) and of the inputs (one per operand pair). */
    final int[] y, x;
    /** Weight slots, node j's k-th at w[j·n + k]. */
    final int[] w;
    final int m, n;
    /** Bias slots and row offsets of u_j (null: no bias); row offsets of h_j (null: no activation). */
    final int[] b, u, h;
    /** The activation's op (null: none). */
    final Op act;
    /**
     * Every node the layer runs (its dots, biases and activations), ascending: per-node checks
     * (anomaly detection, guards) visit these after the layer has run, forward or reverse.
     */
    final int[] covered;
    /**
   * The nodes whose adjoints no sweep reads: z_j with a bias, u_j with an activation (the layer's
   * reverse computes them from h̄_j or ū_j as it goes), so replays need not clear them.
   */
    final int[] overwritten;
    /**
     * The inputs' nodes when the layer's dots are their only readers (null otherwise): then the
     * layer's reverse writes their adjoints whole, the terms it adds after a zero (zero in skipped
     * rows), and replays need not clear them.
     */
    final int[] sole;

    Layer(int[] nodes, int[] y, int[] x, int[] w, int[] b, int[] u, int[] h, Op act, int[] covered, int[] overwritten,
        int[] sole) {
      this.nodes = nodes;
      this.y = y;
      this.x = x;
      this.w = w;
      this.m = nodes.length;
      this.n = x.length;
      this.b = b;
      this.u = u;
      this.h = h;
      this.act = act;
      this.covered = covered;
      this.overwritten = overwritten;
      this.sole = sole;
    }
  }

  /** What the sweeps do at each node: -1 run it, -2 skip it (its group runs elsewhere), k ≥ 0 run layer k. */
  final int[] role;
  final Layer[] layers;
  private final int lanes;
  private final double[][] xs, ys, xt;
  /** Scratch for few live rows: x̄ and ȳ by row (see inputAdjointsByRow). */
  private final double[][] xb, gt;
  /** Per layer: its weights' adjoints (a bias as column n), its weights by input (nodes from last to first), ȳ's tiles (ditto). */
  private final double[][][] a, wr, gr;
  /**
   * Per layer: the layer whose reverse runs, tile by tile, right after this one's (-1: none),
   * because it feeds this layer alone and its nodes end where this one's begin; whether this
   * layer so runs after another (its own place in the sweep then does nothing).
   */
  private final int[] below;
  private final boolean[] chained;
  /** Per layer: the layer it feeds that way (-1: none), whose forward runs tile by tile right after this one's. */
  private final int[] above;
  /** Per layer: its weights by output, for the forward. */
  private final double[][][] wf;
  /**
   * Per layer: it runs chained below another (see below) and ends in a ReLU. Then a row whose
   * adjoints the layer above skips gets only +0 adjoints here (the above writes its inputs'
   * adjoints whole, 0 in skipped rows, and a ReLU's adjoint of +0 is +0), so it is skipped here
   * too unless one of this layer's outputs is not finite in it: its reverse looks only at the rows
   * live above and those (see {@link #liveRows}), and the layer above need not write the zeros.
   */
  private final boolean[] masked;
  /** Per layer and row: 0 when the row's outputs y_j were all finite at the last forward, else NaN. */
  private final double[][] nonFinite;
  private final int[] active;
  /** Scratch: the rows a masked layer's reverse looks at, in a tile, ascending. */
  private final int[] candidates;
  /** Runs of nodes [from, to) whose adjoints a reverse sweep adds to, so that a replay zeroes them first. */
  private final int[] clearRuns;
  /** Scratch: per row of a tile, 0 when its adjoints are all skipped (see reverse). */
  private final double[] live;

  private DenseKernels(int[] role, Layer[] layers, int lanes) {
    this.role = role;
    this.layers = layers;
    this.lanes = lanes;
    boolean[] whole = new boolean[role.length];
    for (Layer l : layers) for (int i : l.overwritten) whole[i] = true;
    for (Layer l : layers) if (l.sole != null) for (int i : l.sole) whole[i] = true;
    int[] runs = new int[2 * role.length + 2];
    int count = 0;
    for (int i = 0; i < role.length; i++) {
      if (whole[i]) continue;
      if (count > 0 && runs[count - 1] == i) {
        runs[count - 1] = i + 1;
      } else {
        runs[count++] = i;
        runs[count++] = i + 1;
      }
    }
    this.clearRuns = Arrays.copyOf(runs, count);
    int maxN = 1, maxM = 1;
    for (Layer l : layers) {
      maxN = Math.max(maxN, l.n);
      maxM = Math.max(maxM, l.m);
    }
    int tile = Math.min(TILE, lanes);
    xs = new double[maxN][tile];
    ys = new double[maxM][tile];
    xt = new double[tile][maxN + 1];
    xb = new double[tile][maxN];
    gt = new double[tile][maxM];
    a = new double[layers.length][][];
    wr = new double[layers.length][][];
    gr = new double[layers.length][][];
    below = new int[layers.length];
    chained = new boolean[layers.length];
    above = new int[layers.length];
    Arrays.fill(above, -1);
    wf = new double[layers.length][][];
    for (int q = 0; q < layers.length; q++) {
      Layer l = layers[q];
      a[q] = new double[l.m][l.n + 1];
      wf[q] = new double[l.m][l.n];
      wr[q] = new double[l.n][l.m];
      gr[q] = new double[l.m][];
      below[q] = -1;
      for (int p = 0; p < layers.length && l.sole != null; p++) {
        Layer f = layers[p];
        if (f.h != null && f.m == l.n && f.covered[f.covered.length - 1] + 1 == l.covered[0]
            && Arrays.equals(sorted(f.h), sorted(l.x))) {
          below[q] = p;
          above[p] = q;
          chained[p] = true;
        }
      }
    }
    masked = new boolean[layers.length];
    for (int p = 0; p < layers.length; p++) masked[p] = chained[p] && layers[p].act == Op.RELU;
    nonFinite = new double[layers.length][lanes];
    active = new int[tile];
    candidates = new int[tile];
    live = new double[tile];
  }

  private static int[] sorted(int[] v) {
    int[] c = v.clone();
    Arrays.sort(c);
    return c;
  }

  /** The same kernels with scratch arrays of their own (for a copy of the batch tape). */
  DenseKernels copy() {
    return new DenseKernels(role, layers, lanes);
  }

  /**
   * Finds the layers of a batch tape's program (see {@link BatchTape}: op nodes with operand
   * offsets, values of node i at yBase + i·lanes, shared slots below {@code shared}); returns null
   * when there are none. A layer is a set of DOT nodes with at least {@code minOutputs} members
   * whose operand pairs each hold one shared slot (a weight, distinct across the group) and one
   * row operand, the row operands being the same distinct sequence for every member.
   */
  static DenseKernels plan(byte[] op, int[] ea, int[] eb, int[] args, int shared, int yBase, int lanes, int minOutputs) {
    if (!ENABLED) return null;
    final int nodes = op.length;
    // candidate groups keyed by their row operands
    Map<List<Integer>, List<Integer>> groups = new LinkedHashMap<>();
    for (int i = 0; i < nodes; i++) {
      if (op[i] != DOT) continue;
      int start = ea[i], n = eb[i];
      List<Integer> xsOf = new ArrayList<>(n);
      boolean dense = n > 0;
      for (int k = 0; k < n && dense; k++) {
        int p = args[start + k], q = args[start + n + k];
        if ((p < shared) == (q < shared)) dense = false;
        else xsOf.add(p < shared ? q : p);
      }
      if (!dense || new HashSet<>(xsOf).size() != n) continue;
      List<Integer> members = groups.get(xsOf);
      if (members == null) groups.put(xsOf, members = new ArrayList<>());
      members.add(i);
    }
    if (groups.isEmpty()) return null;
    // each op node's readers: how many, and the last one
    int[] readers = new int[nodes], reader = new int[nodes];
    for (int i = 0; i < nodes; i++) {
      final Op o = Op.of(op[i]);
      int count = o.nary ? Rules.naryOperands(o, eb[i]) : o.arity;
      for (int q = 0; q < count; q++) {
        int off = o.nary ? args[ea[i] + q] : q == 0 ? ea[i] : eb[i];
        if (off >= yBase) {
          int node = (off - yBase) / lanes;
          readers[node]++;
          reader[node] = i;
        }
      }
    }
    Program prog = new Program(op, ea, eb, args, shared, yBase, lanes, readers, reader);
    // readers of each row offset, to split groups where an outsider reads their inputs in between
    int[] role = new int[nodes];
    Arrays.fill(role, -1);
    List<Layer> layers = new ArrayList<>();
    for (Map.Entry<List<Integer>, List<Integer>> e : groups.entrySet()) {
      List<Integer> xsOf = e.getKey(), members = e.getValue();
      java.util.Set<Integer> inputs = new java.util.HashSet<>(xsOf);
      java.util.Set<Integer> memberSet = new java.util.HashSet<>(members);
      List<Integer> run = new ArrayList<>();
      int first = members.get(0), last = members.get(members.size() - 1);
      for (int i = first; i <= last; i++) {
        if (memberSet.contains(i)) {
          run.add(i);
        } else if (readsAny(op, ea, eb, args, i, inputs)) {
          addLayer(layers, role, run, xsOf, prog, minOutputs);
          run = new ArrayList<>();
        }
      }
      addLayer(layers, role, run, xsOf, prog, minOutputs);
    }
    return layers.isEmpty() ? null : new DenseKernels(role, layers.toArray(new Layer[0]), lanes);
  }

  private static boolean readsAny(byte[] op, int[] ea, int[] eb, int[] args, int i, java.util.Set<Integer> offsets) {
    final Op o = Op.of(op[i]);
    if (o.nary) {
      int count = Rules.naryOperands(o, eb[i]);
      for (int k = ea[i]; k < ea[i] + count; k++) if (offsets.contains(args[k])) return true;
      return false;
    }
    return offsets.contains(ea[i]) || (o.arity == 2 && offsets.contains(eb[i]));
  }

  /** The program a plan reads, with each op node's reader count and last reader. */
  private record Program(byte[] op, int[] ea, int[] eb, int[] args, int shared, int yBase, int lanes, int[] readers,
      int[] reader) {
    /** The node that alone reads node i, when it is a scalar op reading i as operand a; else -1. */
    int tail(int i) {
      if (readers[i] != 1) return -1;
      int t = reader[i];
      Op o = Op.of(op[t]);
      return !o.nary && ea[t] == yBase + i * lanes && (o.arity == 1 || eb[t] != ea[t]) ? t : -1;
    }
  }

  private static void addLayer(List<Layer> layers, int[] role, List<Integer> run, List<Integer> xsOf, Program p, int minOutputs) {
    if (run.size() < minOutputs || run.isEmpty()) return;
    final int m = run.size(), n = xsOf.size(), lanes = p.lanes, yBase = p.yBase, shared = p.shared;
    int[] nodes = new int[m], y = new int[m], x = new int[n], w = new int[m * n];
    for (int k = 0; k < n; k++) x[k] = xsOf.get(k);
    java.util.Set<Integer> weights = new java.util.HashSet<>();
    for (int j = 0; j < m; j++) {
      int i = run.get(j);
      nodes[j] = i;
      y[j] = yBase + i * lanes;
      for (int k = 0; k < n; k++) {
        int a = p.args[p.ea[i] + k], b = p.args[p.ea[i] + n + k];
        w[j * n + k] = a < shared ? a : b;
        if (!weights.add(w[j * n + k])) return; // a weight read twice: its adjoint's order is the sweep's
      }
    }
    // the bias and activation every node has, if all have the same
    int[] ub = new int[m], ht = new int[m];
    boolean bias = true, activation = true;
    Op act = null;
    for (int j = 0; j < m && bias; j++) {
      int t = p.tail(nodes[j]);
      bias = t >= 0 && Op.of(p.op[t]) == Op.ADD && p.eb[t] < shared && weights.add(p.eb[t]);
      ub[j] = t;
      if (!bias || !activation) continue;
      int v = p.tail(t);
      Op o = v < 0 ? null : Op.of(p.op[v]);
      activation = o != null && o.kind == Op.Kind.UNARY && (act == null || act == o); // b unread
      act = o;
      ht[j] = v;
    }
    int[] b = null, u = null, h = null;
    if (bias) {
      b = new int[m];
      u = new int[m];
      for (int j = 0; j < m; j++) {
        b[j] = p.eb[ub[j]];
        u[j] = yBase + ub[j] * lanes;
        role[ub[j]] = -2;
      }
      if (activation) {
        h = new int[m];
        for (int j = 0; j < m; j++) {
          h[j] = yBase + ht[j] * lanes;
          role[ht[j]] = -2;
        }
      }
    }
    role[nodes[0]] = layers.size();
    for (int j = 1; j < m; j++) role[nodes[j]] = -2;
    int[] covered = Arrays.copyOf(nodes, m * (1 + (u == null ? 0 : 1) + (h == null ? 0 : 1)));
    for (int j = 0, k = m; j < m; j++) {
      if (u != null) covered[k++] = ub[j];
      if (h != null) covered[k++] = ht[j];
    }
    Arrays.sort(covered);
    int[] overwritten = u == null ? new int[0] : h == null ? nodes.clone() : Arrays.copyOf(nodes, 2 * m);
    if (h != null) System.arraycopy(ub, 0, overwritten, m, m);
    int[] sole = new int[n];
    for (int k = 0; k < n && sole != null; k++) {
      sole[k] = (x[k] - yBase) / lanes;
      if (x[k] < yBase || p.readers[sole[k]] != m) sole = null;
    }
    layers.add(new Layer(nodes, y, x, w, b, u, h, bias && activation ? act : null, covered, overwritten, sole));
  }

  /** Bytes held by the plan and the scratch tiles. */
  long bytes() {
    long b = 4L * role.length + 12L * active.length + 8L * lanes * layers.length;
    for (Layer l : layers) b += 4L * (l.nodes.length + l.y.length + l.x.length + l.w.length) + (l.b == null ? 0 : 12L * l.m);
    for (double[][] t : new double[][][] {xs, ys, xt, xb, gt}) b += 8L * t.length * t[0].length;
    for (Layer l : layers) b += 8L * (l.m * (l.n + 1) + 2 * l.n * l.m + l.m);
    return b;
  }

  /**
   * Zeroes the adjoints a reverse sweep adds to: everything below yBase (shared slots, row leaves)
   * and every node's rows but those the layers' reverse writes whole.
   */
  void clearAdjoints(double[] adj, int yBase) {
    Arrays.fill(adj, 0, yBase, 0.0);
    for (int k = 0; k < clearRuns.length; k += 2) Arrays.fill(adj, yBase + clearRuns[k] * lanes, yBase + clearRuns[k + 1] * lanes, 0.0);
  }

  // ------------------------------------------------------------------------ forward

  /**
   * Computes every output of layer L for all rows: y_j = Σ_k w_jk·x_k, k in order, from 0, then
   * its bias and activation. A layer that feeds another alone (see above) runs the other's forward
   * tile by tile with its own, so that a tile's outputs are still in cache when the other reads
   * them (rows are independent in a forward, so any order of tiles gives the same values); the
   * other's own place in the sweep then does nothing.
   */
  void forward(Layer L, double[] val) {
    final int first = role[L.nodes[0]];
    if (below[first] >= 0) return; // ran with the layer below it
    int count = 1;
    for (int q = above[first]; q >= 0; q = above[q]) count++;
    final int[] chain = new int[count];
    chain[0] = first;
    for (int c = 1; c < count; c++) chain[c] = above[chain[c - 1]];
    for (int q : chain) {
      final Layer l = layers[q];
      final double[][] w = wf[q];
      for (int j = 0; j < l.m; j++) for (int k = 0; k < l.n; k++) w[j][k] = val[l.w[j * l.n + k]];
    }
    for (int s0 = 0; s0 < lanes; s0 += TILE) {
      final int r = Math.min(TILE, lanes - s0);
      for (int q : chain) forwardTile(layers[q], wf[q], nonFinite[q], s0, r, val);
    }
  }

  /**
   * Layer L's forward over rows s0 … s0+r-1. With a bias, z_j is read by no sweep (anomaly
   * detection replays node by node on arrays of its own) and is not stored, nor is u_j when a
   * ReLU follows (other activations' adjoints read it). nf[row] becomes 0 when every z_j is finite
   * in it, else NaN.
   */
  private void forwardTile(Layer L, double[][] wm, double[] nf, int s0, int r, double[] val) {
    final int m = L.m, n = L.n;
    final double[][] xs = this.xs, ys = this.ys;
    for (int k = 0; k < n; k++) System.arraycopy(val, L.x[k] + s0, xs[k], 0, r);
    for (int j = 0; j < m; j++) Arrays.fill(ys[j], 0, r, 0.0);
    accumulate(ys, m, xs, n, wm, r);
    Arrays.fill(nf, s0, s0 + r, 0.0);
    for (int j = 0; j < m; j++) {
      final double[] z = ys[j];
      if (L.b == null) {
        for (int t = 0; t < r; t++) nf[s0 + t] = nf[s0 + t] + (z[t] - z[t]);
        System.arraycopy(z, 0, val, L.y[j] + s0, r);
        continue;
      }
      final double bj = val[L.b[j]];
      if (L.act == Op.RELU) {
        final int h = L.h[j] + s0;
        for (int t = 0; t < r; t++) {
          nf[s0 + t] = nf[s0 + t] + (z[t] - z[t]);
          val[h + t] = Rules.relu(z[t] + bj); // ADD's forward rule, then RELU's
        }
        continue;
      }
      final int u = L.u[j] + s0;
      for (int t = 0; t < r; t++) {
        nf[s0 + t] = nf[s0 + t] + (z[t] - z[t]);
        z[t] = z[t] + bj; // ADD's forward rule
        val[u + t] = z[t];
      }
      if (L.act == null) continue;
      activate(L.act, z, r);
      System.arraycopy(z, 0, val, L.h[j] + s0, r);
    }
  }

  /** z ← act(z) elementwise. */
  private static void activate(Op act, double[] z, int r) {
    for (int t = 0; t < r; t++) z[t] = Rules.forward(act, z[t], 0.0);
  }

  // ------------------------------------------------------------------------ reverse

  /**
   * Adds layer L's adjoint shares for all rows: to each input x̄_k, Σ over nodes from last to
   * first of ȳ_j·w_jk; to each weight w̄_jk, one term ȳ_j·x_k per row from the last row to the
   * first.
   */
  void reverse(Layer L, double[] val, double[] adj) {
    final int first = role[L.nodes[0]];
    if (chained[first]) return; // ran with the layer it feeds
    int count = 1;
    for (int q = below[first]; q >= 0; q = below[q]) count++;
    final int[] chain = new int[count];
    chain[0] = first;
    for (int c = 1; c < count; c++) chain[c] = below[chain[c - 1]];
    for (int q : chain) begin(layers[q], a[q], wr[q], gr[q], wf[q], val, adj);
    for (int e = lanes; e > 0; e -= TILE) { // tiles from the last to the first
      final int s0 = Math.max(0, e - TILE), r = e - s0;
      int live = -1;
      for (int c = 0; c < count; c++) {
        final int q = chain[c];
        final double[] nfBelow = c + 1 < count && masked[chain[c + 1]] ? nonFinite[chain[c + 1]] : null;
        live = tile(layers[q], a[q], wr[q], gr[q], wf[q], s0, r, val, adj, masked[q] ? live : -1, nfBelow);
      }
    }
    for (int q : chain) {
      final Layer l = layers[q];
      final double[][] aq = a[q];
      for (int j = 0; j < l.m; j++) for (int k = 0; k < l.n; k++) adj[l.w[j * l.n + k]] = aq[j][k];
      if (l.b != null) for (int j = 0; j < l.m; j++) adj[l.b[j]] = aq[j][l.n];
    }
  }

  /** Loads a layer's weights (by input, nodes from last to first, and by output) and their adjoints. */
  private void begin(Layer L, double[][] a, double[][] wr, double[][] gr, double[][] wf, double[] val, double[] adj) {
    final int m = L.m, n = L.n;
    for (int j = 0; j < m; j++) {
      for (int k = 0; k < n; k++) {
        final int w = L.w[j * n + k];
        a[j][k] = adj[w];
        wr[k][m - 1 - j] = wf[j][k] = val[w];
      }
      gr[m - 1 - j] = ys[j];
    }
    if (L.b != null) for (int j = 0; j < m; j++) a[j][n] = adj[L.b[j]];
  }

  /**
   * A layer's reverse over rows s0 … s0+r-1; returns how many rows it did not skip (their tile
   * positions in active). above: for a masked layer, that count of the layer above (its rows in
   * active), else -1; nfBelow: when the layer chained below is masked, its non-finite marks.
   */
  private int tile(Layer L, double[][] a, double[][] wr, double[][] gr, double[][] wf, int s0, int r, double[] val,
      double[] adj, int above, double[] nfBelow) {
    final int m = L.m, n = L.n;
    final int count = above < 0 ? liveRows(L, s0, r, val, adj) : liveRowsBelow(L, s0, r, above, val, adj);
    final boolean byRow = n > count; // the longer loop: over the inputs, or over the live rows
    gatherInputs(L, s0, r, count, val, adj, nfBelow, byRow);
    if (count == 0) return 0;
    // inputs: x̄_k += ȳ_j·w_jk over j from the last node to the first
    if (byRow) {
      inputAdjointsByRow(L, wf, s0, count, adj);
    } else {
      accumulate(xs, n, gr, m, wr, count);
      scatterInputs(L, s0, r, count, adj);
    }
    // weights: w̄_jk += ȳ_j·x_k, one row at a time from the last to the first; a bias is a
    // weight on an input that is 1 in every row (its terms ȳ_j·1 are ȳ_j exactly)
    if (L.b != null) for (int q = 0; q < count; q++) xt[q][n] = 1.0;
    accumulateBackward(a, m, xt, count, ys, L.b == null ? n : n + 1);
    return count;
  }


  /**
   * Puts ȳ of the tile's rows that are not skipped into ys, in lane order (tile position q holds
   * row s0 + active[q]) and returns their count. A row is skipped when every ȳ_j is 0 and every
   * y_j finite (then all its terms are ±0): live[t] is NaN unless every y_j is finite (see
   * forward) plus Σ_j |ȳ_j|, so it is 0 exactly then.
   */
  private int liveRows(Layer L, int s0, int r, double[] val, double[] adj) {
    final int m = L.m;
    final double[][] ys = this.ys;
    final double[] live = this.live;
    final int[] active = this.active;
    for (int j = 0; j < m; j++) outputAdjoints(L, j, s0, r, ys[j], val, adj);
    System.arraycopy(nonFinite[role[L.nodes[0]]], s0, live, 0, r);
    for (int j = 0; j < m; j++) {
      final double[] g = ys[j];
      for (int t = 0; t < r; t++) live[t] = live[t] + Math.abs(g[t]);
    }
    int count = 0;
    for (int t = 0; t < r; t++) if (live[t] != 0.0) active[count++] = t;
    if (count < r) {
      for (int j = 0; j < m; j++) {
        final double[] g = ys[j];
        for (int q = 0; q < count; q++) g[q] = g[active[q]]; // active[q] ≥ q
      }
    }
    return count;
  }

  /**
   * As {@link #liveRows} for a masked layer (a ReLU layer run chained below the one it feeds),
   * looking only at its candidates: the rows live in the layer above (active[0 … above-1]) and
   * those where one of this layer's outputs is not finite. Every other row is skipped by
   * liveRows too (its ȳ_j are all +0, its y_j all finite), and its inputs' adjoints were not
   * written by the layer above.
   */
  private int liveRowsBelow(Layer L, int s0, int r, int above, double[] val, double[] adj) {
    final int m = L.m;
    final double[] nf = nonFinite[role[L.nodes[0]]];
    final int[] active = this.active, cand = this.candidates;
    int nc = 0;
    for (int t = 0, q = 0; t < r; t++) {
      if (q < above && active[q] == t) {
        cand[nc++] = t;
        q++;
      } else if (nf[s0 + t] != 0.0) {
        cand[nc++] = t;
      }
    }
    if (nc == r) return liveRows(L, s0, r, val, adj);
    final double[][] ys = this.ys;
    final double[] live = this.live;
    for (int q = 0; q < nc; q++) live[q] = nf[s0 + cand[q]];
    for (int j = 0; j < m; j++) {
      final double[] g = ys[j];
      final int h = L.h[j] + s0;
      for (int q = 0; q < nc; q++) {
        final int t = h + cand[q];
        g[q] = reluAdjoint(val[t], adj[t]);
        live[q] = live[q] + Math.abs(g[q]);
      }
    }
    int count = 0;
    for (int q = 0; q < nc; q++) {
      if (live[q] == 0.0) continue;
      if (count < q) for (int j = 0; j < m; j++) ys[j][count] = ys[j][q];
      active[count++] = cand[q];
    }
    return count;
  }

  /**
   * xs = x̄ (accumulated in place; 0 when the layer writes the inputs' adjoints whole), xt = x by
   * row, for the live rows (xs left alone when byRow: see inputAdjointsByRow). The skipped rows'
   * x̄ are then 0, written only where a layer below reads them: all rows, or with nfBelow (the
   * masked layer below's marks) those it does not skip.
   */
  private void gatherInputs(Layer L, int s0, int r, int count, double[] val, double[] adj, double[] nfBelow,
      boolean byRow) {
    final int n = L.n;
    final int[] active = this.active;
    final double[][] xs = this.xs, xt = this.xt;
    boolean zeroAll = count < r && L.sole != null, zeroSome = false;
    if (zeroAll && nfBelow != null) {
      zeroAll = false;
      for (int t = 0; t < r && !zeroSome; t++) zeroSome = nfBelow[s0 + t] != 0.0;
    }
    for (int k = 0; k < n; k++) {
      final double[] gx = xs[k];
      final int xk = L.x[k] + s0;
      if (L.sole != null) {
        if (!byRow) Arrays.fill(gx, 0, count, 0.0);
        if (zeroAll) Arrays.fill(adj, xk, xk + r, 0.0); // skipped rows' adjoints: 0
        if (zeroSome) for (int t = 0; t < r; t++) if (nfBelow[s0 + t] != 0.0) adj[xk + t] = 0.0;
      } else if (byRow) {
        // loaded by row in inputAdjointsByRow
      } else if (count == r) {
        System.arraycopy(adj, xk, gx, 0, r);
      } else {
        for (int q = 0; q < count; q++) gx[q] = adj[xk + active[q]];
      }
      if (count == r) {
        for (int q = 0; q < r; q++) xt[q][k] = val[xk + q];
      } else {
        for (int q = 0; q < count; q++) xt[q][k] = val[xk + active[q]];
      }
    }
  }

  /**
   * The input adjoints of the live rows when they are fewer than the inputs: the same terms in the
   * same order as the product over rows in tile (x̄_k += ȳ_j·w_jk over j from the last node to the
   * first, from x̄_k as it was, or 0 when the layer writes it whole), with x̄ and ȳ by row so that
   * the loops run over the inputs.
   */
  private void inputAdjointsByRow(Layer L, double[][] w, int s0, int count, double[] adj) {
    final int m = L.m, n = L.n;
    final int[] active = this.active;
    final double[][] xb = this.xb, gt = this.gt, ys = this.ys;
    for (int j = 0; j < m; j++) {
      final double[] g = ys[j];
      for (int q = 0; q < count; q++) gt[q][j] = g[q];
    }
    for (int k = 0; k < n; k++) {
      final int xk = L.x[k] + s0;
      if (L.sole != null) {
        for (int q = 0; q < count; q++) xb[q][k] = 0.0;
      } else {
        for (int q = 0; q < count; q++) xb[q][k] = adj[xk + active[q]];
      }
    }
    accumulateBackward(xb, count, w, m, gt, n);
    for (int k = 0; k < n; k++) {
      final int xk = L.x[k] + s0;
      for (int q = 0; q < count; q++) adj[xk + active[q]] = xb[q][k];
    }
  }

  /** Writes the live rows' x̄ back. */
  private void scatterInputs(Layer L, int s0, int r, int count, double[] adj) {
    final int[] active = this.active;
    for (int k = 0; k < L.n; k++) {
      final double[] gx = xs[k];
      final int xk = L.x[k] + s0;
      if (count == r) {
        System.arraycopy(gx, 0, adj, xk, r);
      } else {
        for (int q = 0; q < count; q++) adj[xk + active[q]] = gx[q];
      }
    }
  }


  /**
   * ȳ_j of rows s0 … s0+r-1 into g. With a bias: the reverse of the activation and of the bias
   * addition, ū_j = 0 + act'·h̄_j and ȳ_j = 0 + ū_j (each the only term its adjoint receives, so
   * neither is stored; the biases' terms ū_j are added with the weights', see reverse).
   */
  private static void outputAdjoints(Layer L, int j, int s0, int r, double[] g, double[] val, double[] adj) {
    if (L.b == null) {
      System.arraycopy(adj, L.y[j] + s0, g, 0, r);
    } else if (L.act == null) {
      final int u = L.u[j] + s0;
      for (int t = 0; t < r; t++) g[t] = 0.0 + adj[u + t]; // ADD's adjoint rule for a: ū
    } else if (L.act == Op.RELU) {
      final int h = L.h[j] + s0;
      for (int t = 0; t < r; t++) g[t] = reluAdjoint(val[h + t], adj[h + t]);
    } else {
      final int u = L.u[j] + s0, h = L.h[j] + s0;
      for (int t = 0; t < r; t++) g[t] = 0.0 + (0.0 + Rules.adjointA(L.act, val[u + t], 0.0, val[h + t], adj[h + t]));
    }
  }

  /**
   * ȳ = 0 + (0 + ū) for a ReLU h = relu(u) with adjoint h̄: Rules.reluAdjoint without a branch
   * (half the units are off, so a branch mispredicts): h is a ReLU's output, +0, positive or NaN,
   * never -0 or below, so h <= 0 exactly when its bits are 0.
   */
  private static double reluAdjoint(double h, double hBar) {
    final long bits = Double.doubleToRawLongBits(h), keep = (bits | -bits) >> 63;
    return 0.0 + (0.0 + Double.longBitsToDouble(Double.doubleToRawLongBits(hBar) & keep));
  }

  // ------------------------------------------------------------------------ the one product

  /**
   * out[o][t] += Σ_i c[o][i]·in[i][t] for o &lt; no, t &lt; len, the terms added one at a time
   * in order i = 0, 1, …, ni-1. Blocks of 3 outputs × 2 inputs: the largest loop body the JIT
   * still vectorises with its default unrolling limit (measured; 4 × 4 and 1 × 6 run scalar).
   */
  static void accumulate(double[][] out, int no, double[][] in, int ni, double[][] c, int len) {
    int o = 0;
    for (; o + 3 <= no; o += 3) {
      final double[] o0 = out[o], o1 = out[o + 1], o2 = out[o + 2], c0 = c[o], c1 = c[o + 1], c2 = c[o + 2];
      int i = 0;
      for (; i + 2 <= ni; i += 2) acc3x2(o0, o1, o2, in[i], in[i + 1], c0[i], c0[i + 1], c1[i], c1[i + 1], c2[i], c2[i + 1], len);
      if (i < ni) acc3x1(o0, o1, o2, in[i], c0[i], c1[i], c2[i], len);
    }
    for (; o < no; o++) {
      final double[] o0 = out[o], c0 = c[o];
      int i = 0;
      for (; i + 2 <= ni; i += 2) acc1x2(o0, in[i], in[i + 1], c0[i], c0[i + 1], len);
      if (i < ni) acc1x1(o0, in[i], c0[i], len);
    }
  }

  /** As {@link #accumulate}, the terms added in order i = ni-1, ni-2, …, 0. */
  static void accumulateBackward(double[][] out, int no, double[][] in, int ni, double[][] c, int len) {
    int o = 0;
    for (; o + 3 <= no; o += 3) {
      final double[] o0 = out[o], o1 = out[o + 1], o2 = out[o + 2], c0 = c[o], c1 = c[o + 1], c2 = c[o + 2];
      int i = ni - 1;
      for (; i >= 1; i -= 2) acc3x2(o0, o1, o2, in[i], in[i - 1], c0[i], c0[i - 1], c1[i], c1[i - 1], c2[i], c2[i - 1], len);
      if (i == 0) acc3x1(o0, o1, o2, in[0], c0[0], c1[0], c2[0], len);
    }
    for (; o < no; o++) {
      final double[] o0 = out[o], c0 = c[o];
      int i = ni - 1;
      for (; i >= 1; i -= 2) acc1x2(o0, in[i], in[i - 1], c0[i], c0[i - 1], len);
      if (i == 0) acc1x1(o0, in[0], c0[0], len);
    }
  }

  private static void acc3x2(double[] o0, double[] o1, double[] o2, double[] i0, double[] i1, double c00, double c01,
      double c10, double c11, double c20, double c21, int len) {
    for (int t = 0; t < len; t++) {
      final double a = i0[t], b = i1[t];
      o0[t] = o0[t] + c00 * a + c01 * b;
      o1[t] = o1[t] + c10 * a + c11 * b;
      o2[t] = o2[t] + c20 * a + c21 * b;
    }
  }

  private static void acc3x1(double[] o0, double[] o1, double[] o2, double[] i0, double c0, double c1, double c2, int len) {
    for (int t = 0; t < len; t++) {
      final double a = i0[t];
      o0[t] = o0[t] + c0 * a;
      o1[t] = o1[t] + c1 * a;
      o2[t] = o2[t] + c2 * a;
    }
  }

  private static void acc1x2(double[] o0, double[] i0, double[] i1, double c0, double c1, int len) {
    for (int t = 0; t < len; t++) o0[t] = o0[t] + c0 * i0[t] + c1 * i1[t];
  }

  private static void acc1x1(double[] o0, double[] i0, double c0, int len) {
    for (int t = 0; t < len; t++) o0[t] = o0[t] + c0 * i0[t];
  }
}
