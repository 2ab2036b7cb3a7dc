package dev.adjoint;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * A batch loss recorded once and replayed many times, row-parallel: one row's graph is recorded
 * once and run over every row of a data set together, node by node, each node's rule applied to
 * all rows in one loop; a second, ordinary {@link Tape} reduces the rows' outputs to the loss.
 * Replays give bitwise the value and gradients of building
 * {@code reduce([f(row 0), f(row 1), ...])} with fresh nodes for every row and calling
 * {@link Value#backward()} on it, because they apply the same rules in the same order (a NaN
 * stays a NaN, though which of two NaNs an operation passes on is the JIT's choice, as everywhere
 * in Java). That is the default, {@link Summation#EXACT}; {@link Summation#REASSOCIATED} (opt-in)
 * sums the rows' terms of shared leaves' gradients in another fixed order, deterministic and
 * within rounding of these.
 *
 * <p>The row function's graph is given once, built over placeholder leaves: {@code shared} leaves
 * (the parameters, the same for every row, whose gradients are collected), {@code row} leaves
 * (a row's features, loaded from {@code rows}) and constants (any other leaf, frozen). Each shared
 * leaf may be an operand at most once in it, as a weight of a neuron is: the gradient of a shared
 * leaf is the sum of one term per row, and this keeps that sum in the order the graph would.
 * Its shape must not depend on the data (the same rule as {@link Tape}'s).
 *
 * <p>Memory: each op node of the row function takes two doubles per row (value and adjoint).
 *
 * <p>Guards and anomaly detection: a row graph whose own nodes or row leaves user code read
 * ({@link Value#data()}) while building it is refused at {@code record} (its shape may hold one
 * row's branch; reads of other values are not seen here, so branch in the loss, not the row); the
 * loss is recorded on a {@link Tape}, whose guards every replay checks before changing anything
 * (see {@link Tape}: a broken one throws {@link TapeGuardException}). With {@link Anomaly} on, a
 * replay throws {@link AnomalyException} at the first row node whose value, or whose rule's
 * gradient, is NaN or infinite, naming the op, the row, its operands' values in that row, where
 * the node was made (known when the row graph was built with detection on) and where the tape was
 * recorded, before changing any gradient; the loss's own nodes are checked by its {@link Tape}.
 * Detection replays the rows a second time, node by node (its cost is paid only while it is on).
 *
 * <p>Faults: a replay that throws, whatever it throws, changes no gradient and leaves
 * {@link #output} as it was; the next replay is correct.
 *
 * <p>Not thread-safe: replays write its arrays. Give each thread its own {@link #copy()}, which
 * shares the recorded structure; {@link #backward()} adds to the shared leaves' gradients
 * atomically, so copies replaying on several threads lose no contribution.
 */
public final class BatchTape {
  /**
   * How a replay adds up each shared leaf's gradient over the rows. Either way every value (each
   * row's nodes, the rows' outputs, the loss) and every row's own adjoints are computed by the same
   * operations in the same order as define-by-run; only the sums over rows into the shared leaves'
   * gradients may differ, and only by rounding.
   */
  public enum Summation {
    /** Each row's term added in turn, from the last row to the first: bitwise define-by-run (the default). */
    EXACT,
    /**
     * Deterministic but reassociated: the same bits on every run for a given number of rows and
     * shards, never depending on threads or timing, and within rounding of {@link #EXACT}. Where a
     * node-by-node rule adds a shared leaf's terms over the rows (an op node with a shared
     * operand: a scalar parameter times a row's value, a {@code sum} or {@code dot} over shared
     * and row operands that no layer kernel runs), the terms are summed in four partial sums
     * (term i to partial i mod 4, the rows in order, or for sum and dot the rows not skipped from
     * last to first), combined as (p0 + p1) + (p2 + p3) and added to the gradient at once, so
     * that the additions overlap instead of each waiting for the one before. For n terms both
     * orders are within γ_n·Σ|terms| of the true sum (γ_n ≈ n·2⁻⁵³), so they differ by at most
     * twice that; measured on a formula fitted to data, at most 7e-16 relative with 100 rows and
     * 2e-14 with 100,000. At the edge of the double range one order may overflow to an infinity
     * the other does not reach (anomaly detection names such a sum). Layers run as dense kernels
     * keep the exact order here too: their weight adjoints are vectorised across the weights
     * already, and no reassociated variant of them measured faster (see README, Performance).
     */
    REASSOCIATED
  }

  /** Shared slots (inputs, then constants, then constant exponents) come first, one double each. */
  private final int shared;
  private final int inputs;
  private final int rows;
  /** Offset of the row function's first op node; node i's rows are at yBase + i·rows. */
  private final int yBase;
  /** Per op node: its op code ({@link Op#ordinal()}). */
  private final byte[] op;
  /** Per op node: offset of operand a (n-ary: start in args) and of b (n-ary: count). */
  private final int[] ea, eb;
  private final int[] args;
  /** Offset of the row output's values. */
  private final int out;
  /** Rows are stored in the order the reduction first reaches their outputs (see record). */
  private final int[] laneOfRow;
  private final Value[] leaves;
  private final double[] val, adj;
  private final Tape reduction;
  /** The reduction's inputs: the shared leaves' values, then the rows' outputs. */
  private final double[] reduceIn, reduceGrad;
  /** Scratch: the rows an n-ary node's reverse sweep does not skip. */
  private final int[] active;
  /** Scratch for a shared operand's terms over the rows when summation is reassociated (null: exact). */
  private final double[] terms;
  /** The layers run as dense kernels (null: none). */
  private final DenseKernels kernels;
  /** The rows' shards when more than one (null: one, this tape's own arrays). */
  private final BatchShards shards;
  /** Per op node, where it was made (null: recorded with anomaly detection off); where the tape was recorded. */
  private final StackTraceElement[] sites;
  private final String recordedAt;
  /** Each row's output after the last replay that completed (at recording, before any): what {@link #output} reads. */
  private final double[] last;
  /** Anomaly detection's own replay of the rows (values, adjoints), made on first use. */
  private double[] checkVal, checkAdj;

  private BatchTape(int shared, int inputs, int rows, int yBase, byte[] op, int[] ea, int[] eb, int[] args, int out,
      int[] laneOfRow, Value[] leaves, double[] val, Tape reduction, DenseKernels kernels, BatchShards shards,
      StackTraceElement[] sites, String recordedAt, boolean reassociated) {
    this.shared = shared;
    this.inputs = inputs;
    this.rows = rows;
    this.yBase = yBase;
    this.op = op;
    this.ea = ea;
    this.eb = eb;
    this.args = args;
    this.out = out;
    this.laneOfRow = laneOfRow;
    this.leaves = leaves;
    this.val = val;
    this.adj = new double[val.length];
    this.reduction = reduction;
    this.reduceIn = new double[inputs + rows];
    this.reduceGrad = new double[inputs + rows];
    this.active = new int[rows];
    this.terms = reassociated ? new double[rows] : null;
    this.kernels = kernels;
    this.shards = shards;
    this.sites = sites;
    this.recordedAt = recordedAt;
    this.last = new double[rows];
    commit();
  }

  /**
   * A copy sharing this tape's recorded structure, rows and shared leaves, with working arrays of
   * its own, for replaying on another thread; its {@link #backward()} adds to the shared leaves'
   * gradients atomically, as this tape's does.
   */
  public BatchTape copy() {
    return new BatchTape(shared, inputs, rows, yBase, op, ea, eb, args, out, laneOfRow, leaves, val.clone(),
        reduction.copy(), kernels == null ? null : kernels.copy(), shards == null ? null : shards.copy(), sites, recordedAt,
        terms != null);
  }

  /**
   * Records a batch loss: {@code output} is one row's output, a graph over the {@code shared}
   * leaves, the {@code row} leaves and constants; {@code rows[r]} holds row r's values of the row
   * leaves; {@code reduce} receives one leaf per row holding that row's output (at the shared
   * leaves' current values) and returns the loss, and may use the shared leaves too (for example
   * in a regulariser added last). The rows' values are copied.
   *
   * @throws IllegalArgumentException if the inputs are not distinct leaves, a row has the wrong
   *     length, output is a leaf, a shared leaf is an operand more than once in the row graph, the
   *     loss does not depend on every row's output, or the loss uses a shared leaf where it would
   *     take a gradient before some row's (the exact order could not be kept; record the whole
   *     graph on a {@link Tape} instead)
   */
  public static BatchTape record(List<Value> shared, List<Value> row, Value output, double[][] rows,
      Function<List<Value>, Value> reduce) {
    return record(shared, row, output, rows, reduce, 1);
  }

  /**
   * Records a batch loss (as {@link #record(List, List, Value, double[][], Function)}) whose replays
   * split the rows into {@code shards} fixed shards of consecutive rows, run on several threads
   * when the work is large enough to pay (rows × op nodes from 200,000; the common fork-join pool
   * and the calling thread). Each row's values and adjoints are bitwise those of one shard; each
   * shared leaf's gradient is summed shard by shard and the shards' sums added in a fixed order, so
   * results depend on the shard count alone (not on threads or timing), and one shard is the plain
   * replay, bitwise equal to define-by-run. Memory: the rows' arrays are held twice.
   *
   * @throws IllegalArgumentException as the five-argument form, or if shards is not in 1..rows
   */
  public static BatchTape record(List<Value> shared, List<Value> row, Value output, double[][] rows,
      Function<List<Value>, Value> reduce, int shards) {
    return record(shared, row, output, rows, reduce, shards, Summation.EXACT);
  }

  /**
   * Records a batch loss (as {@link #record(List, List, Value, double[][], Function, int)}) whose
   * replays add the shared leaves' gradients over the rows as {@code summation} says:
   * {@link Summation#EXACT} is that method, {@link Summation#REASSOCIATED} trades the exact order
   * for speed, keeping results deterministic (the same bits on every run for a given row count and
   * shard count) and within rounding of the exact sums.
   *
   * @throws IllegalArgumentException as the six-argument form
   */
  public static BatchTape record(List<Value> shared, List<Value> row, Value output, double[][] rows,
      Function<List<Value>, Value> reduce, int shards, Summation summation) {
    Objects.requireNonNull(summation, "BatchTape.record: summation is null");
    final boolean reassociated = summation == Summation.REASSOCIATED;
    Objects.requireNonNull(shared, "BatchTape.record: shared is null");
    Objects.requireNonNull(row, "BatchTape.record: row is null");
    Objects.requireNonNull(output, "BatchTape.record: output is null");
    Objects.requireNonNull(rows, "BatchTape.record: rows is null");
    Objects.requireNonNull(reduce, "BatchTape.record: reduce is null");
    if (rows.length == 0) throw new IllegalArgumentException("BatchTape.record: no rows");
    if (shards < 1 || shards > rows.length) {
      throw new IllegalArgumentException("BatchTape.record: shards must be in 1.." + rows.length + " (the rows), was " + shards);
    }
    if (output.op == Op.LEAF) throw new IllegalArgumentException("BatchTape.record: the row output is a leaf, not an op node");
    Map<Value, Integer> index = new IdentityHashMap<>();
    int nin = shared.size(), nrow = row.size();
    for (int i = 0; i < nin + nrow; i++) {
      Value x = i < nin ? shared.get(i) : row.get(i - nin);
      if (x == null) throw new NullPointerException("BatchTape.record: " + (i < nin ? "shared " + i : "row " + (i - nin)) + " is null");
      if (!x.isLeaf()) throw new IllegalArgumentException("BatchTape.record: " + x + " is a '" + x.op() + "' node, not a leaf");
      if (index.put(x, i) != null) throw new IllegalArgumentException("BatchTape.record: leaf " + x + " is given twice");
    }
    for (int r = 0; r < rows.length; r++) {
      if (rows[r] == null || rows[r].length != nrow) {
        throw new IllegalArgumentException("BatchTape.record: row " + r + " has " + (rows[r] == null ? "no" : rows[r].length)
            + " values, expected " + nrow);
      }
    }
    int lanes = rows.length;
    List<Value> inputs = new ArrayList<>(nin + nrow);
    inputs.addAll(shared);
    inputs.addAll(row);
    // a value user code read while building the row graph was a stand-in row's: a replay over
    // every row cannot keep a branch on it
    List<Value> read = Guards.taken(List.of(output)).values();
    if (!read.isEmpty()) {
      Sweep.Order g = Sweep.linearise(output);
      for (Value v : read) {
        Integer at = index.get(v);
        if (g.place(v) != 0 && (at == null || at >= nin)) {
          throw new IllegalArgumentException("BatchTape.record: user code read or compared the value of "
              + (at == null ? "a '" + v.op() + "' node" : "row leaf " + (at - nin))
              + " of the row graph while building it, so its shape may depend on one row's values; record the whole graph"
              + " on a Tape (which guards such reads) or run it define-by-run");
        }
      }
    }
    Program p = Program.lower(inputs, List.of(output), false);
    // shared offsets: the shared inputs, then the program's constants; lane runs: the row leaves, then the op nodes
    final int constants = p.first - nin - nrow, n = p.size - p.first;
    final int sharedSlots = nin + constants;
    long size = sharedSlots + (long) (nrow + n) * lanes;
    if (size > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("BatchTape.record: " + (nrow + n) + " row slots × " + lanes + " rows is more than an array holds");
    }
    final int yBase = sharedSlots + nrow * lanes;
    byte[] op = new byte[n];
    int[] ea = new int[n], eb = new int[n], args = new int[p.args.length];
    int[] uses = new int[nin];
    for (int i = 0; i < n; i++) {
      int s = p.first + i, c = p.code[s];
      Op o = Program.op(c);
      op[i] = (byte) o.ordinal();
      if (o.nary) {
        ea[i] = c & Program.MASK;
        eb[i] = p.second[s];
      } else {
        ea[i] = offset(c & Program.MASK, p, nin, uses, yBase, lanes);
        eb[i] = o.arity == 2 ? offset(p.second[s], p, nin, uses, yBase, lanes) : offset(p.second[s], p, nin, null, yBase, lanes);
      }
    }
    for (int k = 0; k < args.length; k++) args[k] = offset(p.args[k], p, nin, uses, yBase, lanes);
    for (int i = 0; i < nin; i++) {
      if (uses[i] > 1) {
        throw new IllegalArgumentException("BatchTape.record: shared leaf " + i + " (" + shared.get(i) + ") is an operand "
            + uses[i] + " times in the row graph; at most once keeps its gradient's sum in order");
      }
    }
    // the row graph's refusals come before the values' array, which may be as large as an array can be
    double[] val = new double[(int) size];
    System.arraycopy(p.values, nin + nrow, val, nin, constants);
    final int out = yBase + (n - 1) * lanes;
    DenseKernels kernels = DenseKernels.plan(op, ea, eb, args, sharedSlots, yBase, lanes, 1);
    Value[] leaves = shared.toArray(new Value[0]);
    // one replay at the recorded values gives the outputs reduce sees (rows in the given order)
    int[] identity = new int[lanes];
    for (int r = 0; r < lanes; r++) identity[r] = r;
    load(val, rows, identity, sharedSlots, lanes, nrow);
    for (int i = 0; i < nin; i++) val[i] = leaves[i].data;
    forward(op, ea, eb, args, val, yBase, lanes, sharedSlots, kernels);
    List<Value> outputs = new ArrayList<>(lanes);
    for (int r = 0; r < lanes; r++) outputs.add(Value.of(val[out + r]));
    Value loss = Objects.requireNonNull(reduce.apply(outputs), "BatchTape.record: reduce returned null");
    int[] laneOfRow = lanesInSweepOrder(loss, outputs, index, nin);
    load(val, rows, laneOfRow, sharedSlots, lanes, nrow);
    forward(op, ea, eb, args, val, yBase, lanes, sharedSlots, kernels);
    List<Value> reduceInputs = new ArrayList<>(nin + lanes);
    reduceInputs.addAll(shared);
    reduceInputs.addAll(outputs);
    Tape reduction = Tape.record(reduceInputs, loss);
    BatchShards split = shards == 1 ? null : new BatchShards(shards, op, ea, eb, args, val, sharedSlots, nin, lanes, nrow, reassociated);
    StackTraceElement at = Anomaly.recordingCaller();
    return new BatchTape(sharedSlots, nin, lanes, yBase, op, ea, eb, args, out, laneOfRow, leaves, val, reduction, kernels, split,
        p.sites, at == null ? null : at.toString(), reassociated);
  }

  /**
   * The offset of the program's slot s in the lane layout; counts the operand uses of shared
   * inputs (when uses is not null).
   */
  private static int offset(int s, Program p, int nin, int[] uses, int yBase, int lanes) {
    int nrow = p.inputs - nin;
    if (s < nin) {
      if (uses != null) uses[s]++;
      return s;
    }
    if (s < p.inputs) return yBase - (nrow - (s - nin)) * lanes;
    if (s < p.first) return s - nrow;
    return yBase + (s - p.first) * lanes;
  }

  /** Writes row r's values into lane laneOfRow[r] of the row leaves' slots. */
  private static void load(double[] val, double[][] rows, int[] laneOfRow, int sharedSlots, int lanes, int nrow) {
    for (int r = 0; r < rows.length; r++) {
      for (int q = 0; q < nrow; q++) val[sharedSlots + q * lanes + laneOfRow[r]] = rows[r][q];
    }
  }

  /**
   * Checks that the loss graph can be swept as reduction first, then every row together, and
   * returns each row's lane: rows are laid out in the order the loss graph's walk first reaches
   * their outputs, so that sweeping lanes from last to first visits rows as the whole graph's
   * reverse sweep would.
   */
  private static int[] lanesInSweepOrder(Value loss, List<Value> outputs, Map<Value, Integer> index, int nin) {
    Map<Value, Integer> rowOf = new IdentityHashMap<>();
    for (int r = 0; r < outputs.size(); r++) rowOf.put(outputs.get(r), r);
    int[] laneOfRow = new int[outputs.size()];
    Arrays.fill(laneOfRow, -1);
    Sweep.Order o = Sweep.linearise(loss);
    int lane = 0;
    for (int j = 0; j < o.leafCount; j++) {
      Integer r = rowOf.get(o.leaves[j]);
      if (r != null) laneOfRow[r] = lane++;
      Integer q = index.get(o.leaves[j]);
      if (q != null && q >= nin) {
        throw new IllegalArgumentException("BatchTape.record: the loss uses row leaf " + (q - nin)
            + ", a stand-in for one row's features; only the row graph may");
      }
    }
    for (int r = 0; r < laneOfRow.length; r++) {
      if (laneOfRow[r] < 0) throw new IllegalArgumentException("BatchTape.record: the loss does not depend on row " + r + "'s output");
    }
    // the row graphs sit, in the whole graph's order, before the first node that uses their
    // output; a node using a shared leaf must come after the last of them
    int lastRow = -1;
    for (int i = 0; i < o.innerCount && lastRow < 0; i++) {
      Value v = o.inner[i];
      for (int k = 0, n = v.arity(); k < n; k++) {
        Integer r = rowOf.get(v.input(k));
        if (r != null && laneOfRow[r] == laneOfRow.length - 1) lastRow = i;
      }
    }
    for (int i = 0; i < lastRow; i++) {
      Value v = o.inner[i];
      for (int k = 0, n = v.arity(); k < n; k++) {
        Integer s = index.get(v.input(k));
        if (s != null && s < nin) {
          throw new IllegalArgumentException("BatchTape.record: the loss uses shared leaf " + s
              + " before it reaches the last row's output, so its gradient would be summed out of order");
        }
      }
    }
    return laneOfRow;
  }

  // ------------------------------------------------------------------------ replaying

  /**
   * Replays with the shared leaves' current values: the rows' outputs, then the loss; adds the
   * loss's gradient to each shared leaf's {@code grad}, as building the whole graph and calling
   * {@link Value#backward()} on it would (bitwise). Returns the loss.
   */
  public double backward() {
    final int nin = inputs;
    replayRows();
    double loss = reduction.gradient(reduceIn, reduceGrad);
    if (shards != null) {
      for (int r = 0; r < rows; r++) adj[out + laneOfRow[r]] = reduceGrad[nin + r];
      shards.reverse(adj, out, reduceGrad, adj);
    } else {
      if (kernels != null) kernels.clearAdjoints(adj, yBase);
      else Arrays.fill(adj, 0.0);
      System.arraycopy(reduceGrad, 0, adj, 0, nin);
      for (int r = 0; r < rows; r++) adj[out + laneOfRow[r]] = reduceGrad[nin + r];
      reverse(op, ea, eb, args, val, adj, yBase, rows, shared, active, terms, kernels);
    }
    Faults.point("BatchTape.reverse");
    if (Anomaly.anyOpen() && Anomaly.isEnabled()) {
      checkGradients();
      for (int i = 0; i < nin; i++) {
        if (!Double.isFinite(adj[i])) { // the rows' sums, shard by shard, overflowed
          throw new AnomalyException("backward", List.of(), null, "BatchTape.backward: the gradient of shared leaf " + i
              + " (" + leaves[i] + "), summed over the rows, is " + adj[i] + "; no gradient was changed");
        }
      }
    }
    for (int i = 0; i < nin; i++) leaves[i].addGrad(adj[i]);
    commit();
    return loss;
  }

  /** Replays forward only, with the shared leaves' current values; returns the loss. */
  public double value() {
    replayRows();
    double loss = reduction.value(reduceIn);
    commit();
    return loss;
  }

  /** Makes the rows' outputs of the replay that just completed what {@link #output} reads. */
  private void commit() {
    for (int r = 0; r < rows; r++) last[r] = val[out + laneOfRow[r]];
  }

  /** Runs every row with the shared leaves' current values; fills the reduction's inputs. */
  private void replayRows() {
    for (int i = 0; i < inputs; i++) val[i] = reduceIn[i] = leaves[i].data;
    if (shards != null) {
      shards.forward(val, out);
    } else {
      forward(op, ea, eb, args, val, yBase, rows, shared, kernels);
    }
    for (int r = 0; r < rows; r++) reduceIn[inputs + r] = val[out + laneOfRow[r]];
    Faults.point("BatchTape.forward");
    if (Anomaly.anyOpen() && Anomaly.isEnabled()) checkValues();
  }

  /**
   * Anomaly detection's forward sweep: replays the rows again, node by node, without kernels or
   * shards (bitwise the same values) into arrays of its own, and throws at the first node (in
   * order, then by row) whose value is NaN or infinite.
   */
  private void checkValues() {
    if (checkVal == null) checkVal = new double[val.length];
    final double[] v = checkVal;
    System.arraycopy(val, 0, v, 0, yBase); // shared slots (current) and the row leaves
    for (int i = 0, y = yBase; i < op.length; i++, y += rows) {
      final Op o = Op.of(op[i]);
      if (o.nary) LaneRules.forwardLanes(o, args, ea[i], eb[i], v, y, rows, shared);
      else LaneRules.forwardLanes(o, ea[i], eb[i], v, y, rows, shared);
      for (int s = 0; s < rows; s++) {
        if (!Double.isFinite(v[y + s])) throw anomaly(i, s, "BatchTape.forward: op '" + o.label + "' produced " + v[y + s], "");
      }
    }
  }

  /**
   * Anomaly detection's reverse sweep, after {@link #checkValues} and the loss's gradient: sweeps
   * the rows again, node by node, and throws at the first node whose rule makes an operand's
   * gradient NaN or infinite.
   */
  private void checkGradients() {
    if (checkAdj == null) checkAdj = new double[val.length];
    final double[] v = checkVal, g = checkAdj;
    Arrays.fill(g, 0.0);
    System.arraycopy(reduceGrad, 0, g, 0, inputs);
    for (int r = 0; r < rows; r++) g[out + laneOfRow[r]] = reduceGrad[inputs + r];
    for (int i = op.length - 1, y = yBase + i * rows; i >= 0; i--, y -= rows) {
      final Op o = Op.of(op[i]);
      final int[] in = operands(i);
      double[] before = new double[in.length];
      for (int q = 0; q < in.length; q++) before[q] = g[in[q]];
      if (o.nary) LaneRules.adjointLanes(o, args, ea[i], eb[i], v, g, y, rows, shared, active);
      else LaneRules.adjointLanes(o, ea[i], eb[i], v, g, y, rows, shared);
      for (int q = 0; q < in.length; q++) {
        final int x = in[q];
        if (x < shared) {
          if (Double.isFinite(g[x])) continue;
          // a shared operand's gradient sums the rows' terms: name the first row (in sweep order) whose term made it so
          int lane = 0;
          if (!o.nary) {
            double acc = before[q];
            for (int s = rows - 1; s >= 0; s--) {
              final double av = v[ea[i] < shared ? ea[i] : ea[i] + s], bv = v[eb[i] < shared ? eb[i] : eb[i] + s];
              acc += q == 0 ? Rules.adjointA(o, av, bv, v[y + s], g[y + s]) : Rules.adjointB(o, av, bv, v[y + s], g[y + s]);
              if (!Double.isFinite(acc)) {
                lane = s;
                break;
              }
            }
          }
          throw anomaly(i, lane, "BatchTape.backward: op '" + o.label + "' with output gradient " + g[y + lane]
              + " made the gradient of input " + q + " (the same in every row, summed over the rows) " + g[x], "");
        }
        for (int s = rows - 1; s >= 0; s--) {
          if (!Double.isFinite(g[x + s])) {
            throw anomaly(i, s, "BatchTape.backward: op '" + o.label + "' with output gradient " + g[y + s] + " produced gradient "
                + g[x + s] + " for input " + q, "");
          }
        }
      }
    }
  }

  /** The operand offsets of row node i, in the rule's order (shared slots below {@link #shared}, else the lane run's start). */
  private int[] operands(int i) {
    final Op o = Op.of(op[i]);
    if (o.nary) {
      final int n = Rules.naryOperands(o, eb[i]);
      return Arrays.copyOfRange(args, ea[i], ea[i] + n);
    }
    return o.arity == 2 ? new int[] {ea[i], eb[i]} : new int[] {ea[i]};
  }

  /** The exception for row node i in lane s: what happened, the row, its operands' values there, where it was made and recorded. */
  private AnomalyException anomaly(int i, int s, String what, String more) {
    int row = 0;
    while (laneOfRow[row] != s) row++;
    List<Double> in = new ArrayList<>();
    for (int x : operands(i)) in.add(checkVal[x < shared ? x : x + s]);
    final StackTraceElement site = sites == null ? null : sites[i];
    return new AnomalyException(Op.of(op[i]).label, in, site, what + " for row " + row + " (node " + i + " of the row graph) from inputs "
        + in + more + ", node created at "
        + (site == null ? "an unknown place (made while anomaly detection was off)" : site.toString())
        + (recordedAt == null ? "" : ", batch tape recorded at " + recordedAt));
  }

  /**
   * Row r's output at the last replay that completed (at recording, before any): a replay that
   * threw leaves the outputs as they were.
   */
  public double output(int r) {
    if (r < 0 || r >= rows) throw new IndexOutOfBoundsException("output: row " + r + " is outside 0.." + (rows - 1));
    return last[r];
  }

  /** The number of rows. */
  public int rows() {
    return rows;
  }

  /** How many layers run as dense kernels (for tests). */
  int denseLayers() {
    return kernels == null ? 0 : kernels.layers.length;
  }

  /** How many op nodes the dense kernels run (for tests). */
  int denseNodes() {
    int n = 0;
    if (kernels != null) for (DenseKernels.Layer l : kernels.layers) n += l.covered.length;
    return n;
  }

  /** The number of op nodes in one row's graph. */
  public int operations() {
    return op.length;
  }

  /** Bytes held by this tape's arrays, the reduction's included. */
  public long bytes() {
    return op.length + 4L * ea.length + 4L * eb.length + 4L * args.length + 4L * laneOfRow.length + 16L * val.length
        + 16L * reduceIn.length + 4L * active.length + (terms == null ? 0 : 8L * terms.length) + reduction.bytes() + (kernels == null ? 0 : kernels.bytes())
        + (shards == null ? 0 : shards.bytes());
  }

  /** The forward sweep: every op node in order, each over all rows; a layer runs at its first node. */
  static void forward(byte[] op, int[] ea, int[] eb, int[] args, double[] val, int yBase, int lanes, int shared,
      DenseKernels kernels) {
    for (int i = 0, y = yBase; i < op.length; i++, y += lanes) {
      if (kernels != null && kernels.role[i] != -1) {
        if (kernels.role[i] >= 0) kernels.forward(kernels.layers[kernels.role[i]], val);
        continue;
      }
      final Op o = Op.of(op[i]);
      if (o.nary) {
        LaneRules.forwardLanes(o, args, ea[i], eb[i], val, y, lanes, shared);
      } else {
        LaneRules.forwardLanes(o, ea[i], eb[i], val, y, lanes, shared);
      }
    }
  }

  /**
   * The reverse sweep: every op node in reverse order, each over all rows from last to first;
   * with {@code terms} (scratch of lanes doubles) a shared operand's terms are summed
   * reassociated ({@link Summation#REASSOCIATED}), without (null) each in turn.
   */
  static void reverse(byte[] op, int[] ea, int[] eb, int[] args, double[] val, double[] adj, int yBase, int lanes, int shared,
      int[] active, double[] terms, DenseKernels kernels) {
    for (int i = op.length - 1, y = yBase + i * lanes; i >= 0; i--, y -= lanes) {
      if (kernels != null && kernels.role[i] != -1) {
        if (kernels.role[i] >= 0) kernels.reverse(kernels.layers[kernels.role[i]], val, adj);
        continue;
      }
      final Op o = Op.of(op[i]);
      if (terms != null) {
        if (o.nary) LaneRules.adjointLanesReassociated(o, args, ea[i], eb[i], val, adj, y, lanes, shared, active, terms);
        else LaneRules.adjointLanesReassociated(o, ea[i], eb[i], val, adj, y, lanes, shared, terms);
      } else if (o.nary) {
        LaneRules.adjointLanes(o, args, ea[i], eb[i], val, adj, y, lanes, shared, active);
      } else {
        LaneRules.adjointLanes(o, ea[i], eb[i], val, adj, y, lanes, shared);
      }
    }
  }
}
