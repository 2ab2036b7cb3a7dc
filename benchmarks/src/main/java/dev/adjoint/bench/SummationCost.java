package dev.adjoint.bench;

import dev.adjoint.BatchTape;
import dev.adjoint.BatchTape.Summation;
import dev.adjoint.Value;
import dev.adjoint.nn.Loss;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Exact against reassociated summation ({@link Summation}) on the thread's CPU time, which other
 * processes on a busy machine disturb less than wall time: for each workload, a tape of each kind
 * replayed in turn (A B A B …, 15 rounds after 5 of warm-up), each round's time per replay, and
 * the medians and their ratio. Workloads: one 64×64 layer of {@code dot} nodes over 1,000 and
 * 10,000 rows (as {@link LayerKernelBench}: with the dense kernel, or node by node when run with
 * {@code -Dadjoint.denseKernels=false}) and {@link SummationBench}'s formula fitted to 10,000 rows.
 */
public final class SummationCost {
  private SummationCost() {}

  /** One 64×64 layer over rows, recorded with summation (LayerKernelBench's setup). */
  static BatchTape layer(int rows, int width, Summation summation) {
    Random r = new Random(1);
    List<Value> weights = new ArrayList<>();
    List<List<Value>> wv = new ArrayList<>();
    for (int j = 0; j < width; j++) {
      List<Value> row = new ArrayList<>();
      for (int k = 0; k < width; k++) row.add(Value.of(r.nextDouble() * 2 - 1));
      weights.addAll(row);
      wv.add(row);
    }
    double[][] data = new double[rows][width];
    for (double[] d : data) for (int k = 0; k < width; k++) d[k] = r.nextDouble() * 2 - 1;
    List<Value> in = new ArrayList<>();
    for (int k = 0; k < width; k++) in.add(Value.of(0));
    List<Value> outs = new ArrayList<>();
    for (List<Value> row : wv) outs.add(Value.dot(row, in));
    return BatchTape.record(weights, in, Value.sum(outs), data, Value::sum, 1, summation);
  }

  /** SummationBench's formula fit over rows. */
  static BatchTape formula(int rows, Summation summation) {
    SummationBench b = new SummationBench();
    b.rows = rows;
    b.summation = summation;
    b.setup();
    return b.tape;
  }

  /** Interleaved rounds of each tape's replays; prints the medians in ms per replay and exact / reassociated. */
  static void compare(String what, BatchTape exact, BatchTape reassociated, int replays) {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    int rounds = 15;
    double[] e = new double[rounds], q = new double[rounds];
    for (int round = -5; round < rounds; round++) {
      for (int kind = 0; kind < 2; kind++) {
        BatchTape t = kind == 0 ? exact : reassociated;
        long t0 = threads.getCurrentThreadCpuTime();
        for (int i = 0; i < replays; i++) t.backward();
        double ms = (threads.getCurrentThreadCpuTime() - t0) / 1e6 / replays;
        if (round >= 0) (kind == 0 ? e : q)[round] = ms;
      }
    }
    Arrays.sort(e);
    Arrays.sort(q);
    System.out.printf(Locale.ROOT, "%-40s exact %9.3f ms  reassociated %9.3f ms  ratio %.2f  (CPU time per replay, medians of %d)%n",
        what, e[rounds / 2], q[rounds / 2], e[rounds / 2] / q[rounds / 2], rounds);
  }

  public static void main(String[] args) {
    String kernels = "false".equals(System.getProperty("adjoint.denseKernels")) ? "node by node" : "dense kernel";
    System.out.println("load average " + ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    for (int rows : new int[] {1000, 10000}) {
      compare("64x64 layer, " + rows + " rows, " + kernels, layer(rows, 64, Summation.EXACT), layer(rows, 64, Summation.REASSOCIATED),
          Math.max(1, 20_000 / rows));
    }
    compare("formula fit, 10000 rows", formula(10000, Summation.EXACT), formula(10000, Summation.REASSOCIATED), 20);
  }
}
