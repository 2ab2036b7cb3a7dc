package dev.adjoint.bench;

import dev.adjoint.Tape;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs the benchmarks with JMH several times and prints the table README's Performance section
 * shows: each ratio is taken from two benchmarks of the same run, and the table gives its median
 * over the runs with the lowest and highest. Arguments: the number of runs (default 3), then an
 * include pattern for JMH (default: the scalar, Rosenbrock and sweep-floor benchmarks).
 */
public final class Report {
  public static void main(String[] args) throws Exception {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    String include = args.length > 1 ? args[1] : "dev\\.adjoint\\.bench\\.(ScalarBench|RosenbrockBench|SweepFloorBench)\\..*";
    double[] compile = CompileCost.coldThenWarm(); // first, while this JVM has compiled no tape
    Map<String, List<Double>> rows = new LinkedHashMap<>();
    Map<String, Double> last = new HashMap<>();
    for (int run = 0; run < runs; run++) {
      Options opts = new OptionsBuilder().include(include).param("n", "100").build();
      Collection<RunResult> results = new Runner(opts).run();
      Map<String, Double> score = new HashMap<>();
      for (RunResult r : results) {
        String name = r.getParams().getBenchmark().replaceAll(".*\\.", "");
        String param = r.getParams().getParamsKeys().isEmpty() ? "" : ":" + r.getParams().getParam(r.getParams().getParamsKeys().iterator().next());
        score.put(name + param, r.getPrimaryResult().getScore());
      }
      last = score;
      ratio(rows, score, "sum of products n=16384, replayed tape / plain double, generic", "sumOfProductsTape", "sumOfProductsPlain");
      ratio(rows, score, "sum of products n=16384, replayed tape / plain double, compiled", "sumOfProductsCompiled", "sumOfProductsPlain");
      ratio(rows, score, "log-sum-exp n=16384, replayed tape / plain double, generic", "logSumExpTape", "logSumExpPlain");
      ratio(rows, score, "log-sum-exp n=16384, replayed tape / plain double, compiled", "logSumExpCompiled", "logSumExpPlain");
      ratio(rows, score, "Rosenbrock gradient n=100, Hipparchus Gradient / Adjoint, generic tape", "hipparchusGradient:100", "adjointTape:100");
      ratio(rows, score, "Rosenbrock gradient n=100, Hipparchus Gradient / Adjoint, compiled tape", "hipparchusGradient:100", "adjointCompiled:100");
      ratio(rows, score, "Rosenbrock gradient n=100, generic tape / compiled tape", "adjointTape:100", "adjointCompiled:100");
      ratio(rows, score, "Rosenbrock gradient n=100, Hipparchus Gradient / Adjoint, define-by-run", "hipparchusGradient:100", "adjointGraph:100");
      ratio(rows, score, "log-sum-exp n=16384, define-by-run record + reverse / plain double", "logSumExpRecordReverse", "logSumExpPlain");
      ratio(rows, score, "sum of products n=16384, define-by-run record + reverse / plain double", "sumOfProductsRecordReverse", "sumOfProductsPlain");
      single(rows, score, "define-by-run record + reverse, ns per binary op", "binaryOpRecordReverse");
      single(rows, score, "the same chain, least code with Value's layout: allocation alone, ns per op", "allocate");
      single(rows, score, "the same chain, least code: and a reverse sweep, plain writes, ns per op", "sweep");
      single(rows, score, "the same chain, least code: and atomic adds to the leaves, ns per op", "sweepAtomicLeaves");
      single(rows, score, "the same chain, least code: and per-thread node numbers (Value's contract), ns per op", "sweepAtomicLeavesThreadNumbers");
      ratio(rows, score, "define-by-run record + reverse / the least code with Value's contract", "binaryOpRecordReverse", "sweepAtomicLeavesThreadNumbers");
    }
    System.out.println();
    System.out.printf(Locale.ROOT, "%d JMH run(s); each cell: median (lowest-highest over the runs)%n%n", runs);
    System.out.println("| measure | measured | target | met |");
    System.out.println("| --- | --- | --- | --- |");
    row(rows, "sum of products n=16384, replayed tape / plain double, generic", "x", "", 0);
    row(rows, "sum of products n=16384, replayed tape / plain double, compiled", "x", "at most 2.5x", -2.5);
    row(rows, "log-sum-exp n=16384, replayed tape / plain double, generic", "x", "", 0);
    row(rows, "log-sum-exp n=16384, replayed tape / plain double, compiled", "x", "at most 1.5x", -1.5);
    row(rows, "Rosenbrock gradient n=100, Hipparchus Gradient / Adjoint, define-by-run", "x", "", 0);
    row(rows, "Rosenbrock gradient n=100, Hipparchus Gradient / Adjoint, generic tape", "x", "", 0);
    row(rows, "Rosenbrock gradient n=100, Hipparchus Gradient / Adjoint, compiled tape", "x", "at least 40x", 40);
    row(rows, "Rosenbrock gradient n=100, generic tape / compiled tape", "x", "at least 5x", 5);
    row(rows, "log-sum-exp n=16384, define-by-run record + reverse / plain double", "x", "", 0);
    row(rows, "sum of products n=16384, define-by-run record + reverse / plain double", "x", "", 0);
    row(rows, "define-by-run record + reverse, ns per binary op", " ns", "at most 20 ns", -20);
    row(rows, "the same chain, least code with Value's layout: allocation alone, ns per op", " ns", "", 0);
    row(rows, "the same chain, least code: and a reverse sweep, plain writes, ns per op", " ns", "", 0);
    row(rows, "the same chain, least code: and atomic adds to the leaves, ns per op", " ns", "", 0);
    row(rows, "the same chain, least code: and per-thread node numbers (Value's contract), ns per op", " ns", "", 0);
    row(rows, "define-by-run record + reverse / the least code with Value's contract", "x", "", 0);
    // a chain of binary ops over two inputs, so that input slots do not count as ops
    Tape chain = Tape.record(new double[] {1.0, 1.0}, xs -> {
      dev.adjoint.Value v = xs.get(0);
      for (int i = 0; i < ScalarBench.N; i++) v = v.times(xs.get(1));
      return v;
    });
    double perOp = (double) chain.bytes() / chain.operations();
    System.out.printf(Locale.ROOT, "| tape memory per binary op | %.1f bytes | at most 24 bytes | %s |%n", perOp, perOp < 24.05 ? "yes" : "no");
    System.out.printf(Locale.ROOT, "| Tape.compile(), first in a fresh JVM (Rosenbrock n=100) | %.1f ms | stated | |%n", compile[0]);
    System.out.printf(Locale.ROOT, "| Tape.compile() in a warm JVM, Rosenbrock n=100 (a new shape each time) | %.2f ms | a few ms | %s |%n", compile[1],
        compile[1] <= 5 ? "yes" : "no");
    System.out.printf(Locale.ROOT, "| Tape.compile() in a warm JVM, 30,000-node graph | %.2f ms | | |%n", compile[2]);
    for (String size : new String[] {"100", "1000"}) {
      for (String way : new String[] {"dynamic100Steps", "tape100Steps", "batchTape100Steps", "handCoded100Steps"}) {
        Double ms = last.get(way + ":" + size);
        if (ms != null) System.out.printf(Locale.ROOT, "| moons-%s, 100 steps, %s | %.1f ms | compare PyTorch | |%n", size, way.replace("100Steps", ""), ms);
      }
    }
  }

  private static void single(Map<String, List<Double>> rows, Map<String, Double> s, String what, String name) {
    Double a = s.get(name);
    if (a != null) rows.computeIfAbsent(what, k -> new ArrayList<>()).add(a);
  }

  private static void ratio(Map<String, List<Double>> rows, Map<String, Double> s, String what, String num, String den) {
    Double a = s.get(num), b = s.get(den);
    if (a != null && b != null) rows.computeIfAbsent(what, k -> new ArrayList<>()).add(a / b);
  }

  /** One table row; target &gt; 0: the value must reach it, &lt; 0: must not exceed -target, 0: none. */
  private static void row(Map<String, List<Double>> rows, String what, String unit, String targetText, double target) {
    List<Double> v = rows.get(what);
    if (v == null) return;
    List<Double> sorted = new ArrayList<>(v);
    sorted.sort(null);
    double median = sorted.size() % 2 == 1 ? sorted.get(sorted.size() / 2)
        : (sorted.get(sorted.size() / 2 - 1) + sorted.get(sorted.size() / 2)) / 2;
    String met = target == 0 ? "" : (target > 0 ? median >= target : median <= -target) ? "yes" : "no";
    String range = sorted.size() > 1
        ? String.format(Locale.ROOT, " (%.2f-%.2f)", sorted.get(0), sorted.get(sorted.size() - 1)) : "";
    System.out.printf(Locale.ROOT, "| %s | %.2f%s%s | %s | %s |%n", what, median, unit, range, targetText, met);
  }
}
