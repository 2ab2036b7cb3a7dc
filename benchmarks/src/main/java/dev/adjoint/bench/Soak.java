package dev.adjoint.bench;

import dev.adjoint.Value;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * 10⁶ gradient calls of extended Rosenbrock (n = 10) on the define-by-run path: prints the time of
 * each tenth and the heap in use after a collection before and after, to show no slowdown and no
 * leak.
 */
public final class Soak {
  public static void main(String[] args) {
    int calls = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    double[] x = new double[10];
    for (int i = 0; i < x.length; i++) x[i] = i % 2 == 0 ? -1.2 : 1.0;
    long heapBefore = usedAfterGc();
    double sink = 0;
    long[] tenths = new long[10];
    for (int t = 0; t < 10; t++) {
      long start = System.nanoTime();
      for (int c = 0; c < calls / 10; c++) {
        List<Value> leaves = new ArrayList<>(x.length);
        for (double v : x) leaves.add(Value.of(v));
        Value out = Workloads.ROSENBROCK.apply(leaves);
        out.backward();
        sink += leaves.get(0).grad();
      }
      tenths[t] = System.nanoTime() - start;
    }
    long heapAfter = usedAfterGc();
    System.out.print("ms per tenth:");
    for (long t : tenths) System.out.printf(Locale.ROOT, " %.0f", t / 1e6);
    System.out.println();
    System.out.printf(Locale.ROOT, "first tenth %.0f ms, last tenth %.0f ms (%.2fx); heap after GC %.1f MB before, %.1f MB after (%s)%n",
        tenths[0] / 1e6, tenths[9] / 1e6, (double) tenths[9] / tenths[0], heapBefore / 1e6, heapAfter / 1e6, sink != 0 ? "ok" : "");
  }

  private static long usedAfterGc() {
    Runtime rt = Runtime.getRuntime();
    for (int i = 0; i < 3; i++) System.gc();
    return rt.totalMemory() - rt.freeMemory();
  }
}
