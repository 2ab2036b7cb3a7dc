package dev.adjoint.bench;

import dev.adjoint.Tape;
import dev.adjoint.Value;
import dev.adjoint.nn.Dataset;
import dev.adjoint.nn.Loss;
import dev.adjoint.nn.MLP;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * What {@link Tape#compile()} costs and where it pays. {@link #coldThenWarm()} times the first
 * compile in a JVM and then compiles of new shapes; {@link #main} prints, for a training loss (an
 * MLP 2-16-16-1 with a hinge loss on a whole-batch {@link Tape}, as a recorded fit replays it),
 * the time of S gradient replays on the generic tape against compiling plus S compiled replays,
 * for several row counts and step counts, each the median of three in one warm JVM.
 */
public final class CompileCost {
  private CompileCost() {}

  static double[] point(int n) {
    double[] x = new double[n];
    for (int i = 0; i < n; i++) x[i] = i % 2 == 0 ? -1.2 : 1.0;
    return x;
  }

  /** {first compile in ms, median warm compile of a new Rosenbrock shape, median warm compile of a new 30,000-node shape}. */
  static double[] coldThenWarm() {
    Tape first = Tape.record(point(100), Workloads.ROSENBROCK);
    long t0 = System.nanoTime();
    first.compile();
    double cold = (System.nanoTime() - t0) / 1e6;
    double[] rosenbrock = new double[40];
    for (int i = 0; i < rosenbrock.length; i++) {
      Tape t = Tape.record(point(101 + i), Workloads.ROSENBROCK); // a new shape each time: no cache hit
      long s = System.nanoTime();
      t.compile();
      rosenbrock[i] = (System.nanoTime() - s) / 1e6;
    }
    double[] big = new double[7];
    for (int i = 0; i < big.length; i++) {
      Tape t = Tape.record(point(15_001 + i), Workloads.SUM_OF_PRODUCTS); // 30,000 op nodes
      long s = System.nanoTime();
      t.compile();
      big[i] = (System.nanoTime() - s) / 1e6;
    }
    return new double[] {cold, median(rosenbrock), median(big)};
  }

  static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  /** The whole-batch hinge loss of an MLP 2-16-16-1 over the first rows of moons, on a tape over the parameters. */
  static Tape trainingTape(int rows) {
    MLP model = MLP.random(new Random(1), 2, 16, 16, 1);
    Dataset data = Dataset.moons(rows, 0.1, 7);
    List<Value> params = model.parameters();
    Value loss = Loss.hinge(model.scores(data), data.labels()).plus(Loss.l2(params, 1e-4));
    return Tape.record(params, loss);
  }

  public static void main(String[] args) {
    double[] c = coldThenWarm();
    System.out.printf(Locale.ROOT, "compile: first %.1f ms; warm, Rosenbrock n=100: %.2f ms; warm, 30,000 nodes: %.2f ms%n%n", c[0], c[1], c[2]);
    int[] rowCounts = {10, 100, 1000};
    int[] stepCounts = {10, 100, 1000};
    // warm the generic sweeps and the compiler on shapes not measured below
    Tape warm = trainingTape(50);
    double[] x0 = new double[warm.inputs()], g0 = new double[warm.inputs()];
    for (int i = 0; i < 3000; i++) warm.gradient(x0, g0);
    for (int i = 0; i < 3; i++) trainingTape(60 + i).compile();
    System.out.println("| rows | op nodes | compiled? | steps | generic (ms) | compile + compiled (ms) | compiled pays |");
    System.out.println("| --- | --- | --- | --- | --- | --- | --- |");
    int shape = 0;
    for (int rows : rowCounts) {
      for (int steps : stepCounts) {
        double[] generic = new double[3], compiled = new double[3];
        boolean isCompiled = false;
        int ops = 0;
        for (int rep = 0; rep < 3; rep++) {
          // a row count the cache has not seen, so every compile is a real one
          Tape tape = trainingTape(rows + (++shape));
          ops = tape.operations();
          double[] x = new double[tape.inputs()], g = new double[tape.inputs()];
          for (int i = 0; i < x.length; i++) x[i] = 0.1 * ((i * 7919) % 13 - 6);
          long s0 = System.nanoTime();
          for (int k = 0; k < steps; k++) tape.gradient(x, g);
          long s1 = System.nanoTime();
          Tape fast = tape.compile();
          for (int k = 0; k < steps; k++) fast.gradient(x, g);
          long s2 = System.nanoTime();
          generic[rep] = (s1 - s0) / 1e6;
          compiled[rep] = (s2 - s1) / 1e6;
          isCompiled = fast.isCompiled();
        }
        double gm = median(generic), cm = median(compiled);
        System.out.printf(Locale.ROOT, "| %d | %d | %s | %d | %.1f | %.1f | %s |%n", rows, ops, isCompiled ? "yes" : "no", steps, gm, cm,
            cm < gm ? "yes" : "no");
      }
    }
  }
}
