package dev.adjoint;

import java.util.Arrays;
import java.util.concurrent.ForkJoinTask;

/**
 * A batch tape's rows split into a fixed number of shards of consecutive lanes, each replayed as
 * a batch of its own (its own values, adjoints and dense kernels), the shards on threads of the
 * common fork-join pool and the calling thread when the work is large enough ({@link #PARALLEL_WORK},
 * measured), one after another on the calling thread otherwise, with the same results either way.
 *
 * <p>The rows' values and adjoints are each computed by exactly the operations of the one-shard
 * replay. The shared leaves' adjoints are not: each shard sums its own rows' terms (from its last
 * row to its first, the last shard starting from the reduction's gradient, the others from 0), and
 * the shard sums are added from the last shard to the first. The result depends on the number of
 * shards and on nothing else (not on threads or timing); one shard is the plain replay, bitwise
 * equal to define-by-run. With {@link BatchTape.Summation#REASSOCIATED} each shard sums its rows'
 * terms reassociated as one shard would, and the shard sums are added as above.
 *
 * <p>Not thread-safe: a replay writes every shard's arrays.
 */
final class BatchShards {
  /**
   * Lane operations per replay (rows × op nodes) from which shards run on several threads: below
   * it the fork and join are expected to cost more than they save. An estimate, not a measurement: the
   * two-core speed-up could not be measured on the loaded machine this was written on.
   */
  static final long PARALLEL_WORK = 200_000;

  private final int count, shared, inputs, out;
  private final byte[] op;
  /** Per shard: first lane, lane count, operand offsets, node offsets, arrays, kernels. */
  private final int[] first, lanes, yBase;
  private final int[][] ea, eb, args, active;
  /** Per shard: scratch for reassociated sums (null: exact summation). */
  private final double[][] terms;
  private final double[][] val, adj;
  private final DenseKernels[] kernels;
  private final boolean parallel;

  /**
   * Splits a batch tape's layout (shared slots, then row slots of {@code total} lanes each from
   * {@code shared}; node i at yBase + i·total, the last the output) into
   * {@code count} shards, copying the shared slots and the row leaves' values.
   */
  BatchShards(int count, byte[] op, int[] mainEa, int[] mainEb, int[] mainArgs, double[] mainVal, int shared, int inputs,
      int total, int rowSlots, boolean reassociated) {
    this.count = count;
    this.shared = shared;
    this.inputs = inputs;
    this.op = op;
    this.first = new int[count];
    this.lanes = new int[count];
    this.yBase = new int[count];
    this.ea = new int[count][];
    this.eb = new int[count][];
    this.args = new int[count][];
    this.active = new int[count][];
    this.terms = reassociated ? new double[count][] : null;
    this.val = new double[count][];
    this.adj = new double[count][];
    this.kernels = new DenseKernels[count];
    final int nodes = op.length;
    this.out = nodes - 1;
    for (int q = 0; q < count; q++) {
      final int l0 = (int) ((long) total * q / count), l1 = (int) ((long) total * (q + 1) / count), n = l1 - l0;
      first[q] = l0;
      lanes[q] = n;
      yBase[q] = shared + rowSlots * n;
      ea[q] = new int[nodes];
      eb[q] = new int[nodes];
      args[q] = new int[mainArgs.length];
      for (int i = 0; i < nodes; i++) {
        final boolean nary = Op.of(op[i]).nary;
        ea[q][i] = nary ? mainEa[i] : rebase(mainEa[i], shared, total, n);
        eb[q][i] = nary ? mainEb[i] : rebase(mainEb[i], shared, total, n);
      }
      for (int k = 0; k < mainArgs.length; k++) args[q][k] = rebase(mainArgs[k], shared, total, n);
      val[q] = new double[shared + (rowSlots + nodes) * n];
      adj[q] = new double[val[q].length];
      active[q] = new int[n];
      if (terms != null) terms[q] = new double[n];
      System.arraycopy(mainVal, 0, val[q], 0, shared);
      for (int slot = 0; slot < rowSlots; slot++) {
        System.arraycopy(mainVal, shared + slot * total + l0, val[q], shared + slot * n, n);
      }
      kernels[q] = DenseKernels.plan(op, ea[q], eb[q], args[q], shared, yBase[q], n, 1);
    }
    this.parallel = (long) total * nodes >= PARALLEL_WORK;
  }

  /** A copy sharing the layout, with working arrays of its own (for a copy of the batch tape). */
  BatchShards copy() {
    return new BatchShards(this);
  }

  private BatchShards(BatchShards o) {
    count = o.count;
    shared = o.shared;
    inputs = o.inputs;
    out = o.out;
    op = o.op;
    first = o.first;
    lanes = o.lanes;
    yBase = o.yBase;
    ea = o.ea;
    eb = o.eb;
    args = o.args;
    parallel = o.parallel;
    active = new int[count][];
    terms = o.terms == null ? null : new double[count][];
    val = new double[count][];
    adj = new double[count][];
    kernels = new DenseKernels[count];
    for (int q = 0; q < count; q++) {
      active[q] = new int[o.active[q].length];
      if (terms != null) terms[q] = new double[o.terms[q].length];
      val[q] = o.val[q].clone();
      adj[q] = new double[o.adj[q].length];
      kernels[q] = o.kernels[q] == null ? null : o.kernels[q].copy();
    }
  }

  private static int rebase(int offset, int shared, int total, int n) {
    return offset < shared ? offset : shared + (offset - shared) / total * n;
  }

  /** Bytes held by the shards' arrays. */
  long bytes() {
    long b = 0;
    for (int q = 0; q < count; q++) {
      b += 16L * val[q].length + 4L * (ea[q].length + eb[q].length + args[q].length + active[q].length)
          + (terms == null ? 0 : 8L * terms[q].length);
      if (kernels[q] != null) b += kernels[q].bytes();
    }
    return b;
  }

  /** Runs every shard forward with the shared slots of {@code main}; copies the outputs into {@code main}'s output lanes at mainOut. */
  void forward(double[] main, int mainOut) {
    run(q -> {
      System.arraycopy(main, 0, val[q], 0, shared);
      BatchTape.forward(op, ea[q], eb[q], args[q], val[q], yBase[q], lanes[q], shared, kernels[q]);
      System.arraycopy(val[q], yBase[q] + out * lanes[q], main, mainOut + first[q], lanes[q]);
    });
  }

  /**
   * Runs every shard's reverse sweep, seeded with the output adjoints in {@code seed} (by lane,
   * from mainOut) and the reduction's gradient {@code reduceGrad} (the shared inputs' share); writes
   * the shared inputs' adjoints, summed from the last shard to the first, to {@code into}.
   */
  void reverse(double[] seed, int mainOut, double[] reduceGrad, double[] into) {
    run(q -> {
      final double[] a = adj[q];
      if (kernels[q] != null) kernels[q].clearAdjoints(a, yBase[q]);
      else Arrays.fill(a, 0.0);
      if (q == count - 1) System.arraycopy(reduceGrad, 0, a, 0, inputs);
      System.arraycopy(seed, mainOut + first[q], a, yBase[q] + out * lanes[q], lanes[q]);
      BatchTape.reverse(op, ea[q], eb[q], args[q], val[q], a, yBase[q], lanes[q], shared, active[q],
          terms == null ? null : terms[q], kernels[q]);
    });
    for (int i = 0; i < inputs; i++) {
      double s = adj[count - 1][i];
      for (int q = count - 2; q >= 0; q--) s += adj[q][i];
      into[i] = s;
    }
  }

  private interface ShardTask {
    void run(int q);
  }

  private void run(ShardTask task) {
    if (!parallel) {
      for (int q = 0; q < count; q++) task.run(q);
      return;
    }
    ForkJoinTask<?>[] forks = new ForkJoinTask<?>[count];
    for (int q = 1; q < count; q++) {
      final int shard = q;
      forks[q] = ForkJoinTask.adapt(() -> task.run(shard)).fork();
    }
    try {
      task.run(0);
    } finally {
      for (int q = 1; q < count; q++) forks[q].join();
    }
  }
}
