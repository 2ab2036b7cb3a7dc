package dev.adjoint.bench;

import dev.adjoint.Tape;
import java.util.Collection;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs every benchmark with JMH and prints the table of ratios README's Performance section
 * shows. Arguments are passed to JMH's options as an include pattern (default: everything).
 */
public final class Report {
  public static void main(String[] args) throws Exception {
    Options opts = new OptionsBuilder().include(args.length > 0 ? args[0] : "dev\\.adjoint\\.bench\\..*Bench").build();
    Collection<RunResult> results = new Runner(opts).run();
    Map<String, Double> score = new HashMap<>();
    for (RunResult r : results) {
      String name = r.getParams().getBenchmark().replaceAll(".*\\.", "");
      String param = r.getParams().getParamsKeys().isEmpty() ? "" : ":" + r.getParams().getParam(r.getParams().getParamsKeys().iterator().next());
      score.put(name + param, r.getPrimaryResult().getScore());
    }
    System.out.println();
    System.out.println("| workload | measured | ratio | target |");
    System.out.println("| --- | --- | --- | --- |");
    ratio(score, "log-sum-exp n=16384, record + reverse vs plain", "logSumExpRecordReverse", "logSumExpPlain", "us", "at most 4x");
    ratio(score, "sum of products n=16384, record + reverse vs plain", "sumOfProductsRecordReverse", "sumOfProductsPlain", "us", "at most 8x");
    ratio(score, "log-sum-exp, replayed tape vs plain", "logSumExpTape", "logSumExpPlain", "us", "at most 2.5x");
    ratio(score, "sum of products, replayed tape vs plain", "sumOfProductsTape", "sumOfProductsPlain", "us", "at most 2.5x");
    Double op = score.get("binaryOpRecordReverse");
    if (op != null) System.out.printf(Locale.ROOT, "| one binary op, record + reverse, amortised | %.2f ns | | at most 6 ns |%n", op);
    // a chain of binary ops over two inputs, so that input slots do not count as ops
    Tape chain = Tape.record(new double[] {1.0, 1.0}, xs -> {
      dev.adjoint.Value v = xs.get(0);
      for (int i = 0; i < ScalarBench.N; i++) v = v.times(xs.get(1));
      return v;
    });
    System.out.printf(Locale.ROOT, "| tape memory per binary op | %.1f bytes | | at most 24 bytes |%n", (double) chain.bytes() / chain.operations());
    for (String n : new String[] {"10", "100", "1000"}) {
      ratio(score, "Rosenbrock n=" + n + ", Hipparchus Gradient vs Adjoint graph", "hipparchusGradient:" + n, "adjointGraph:" + n, "us", n.equals("100") ? "at least 20x" : "");
      ratio(score, "Rosenbrock n=" + n + ", Hipparchus Gradient vs Adjoint tape", "hipparchusGradient:" + n, "adjointTape:" + n, "us", n.equals("100") ? "at least 20x" : "");
    }
    for (String size : new String[] {"100", "1000"}) {
      for (String way : new String[] {"dynamic100Steps", "tape100Steps", "batchTape100Steps", "handCoded100Steps"}) {
        Double ms = score.get(way + ":" + size);
        if (ms != null) System.out.printf(Locale.ROOT, "| moons-%s, 100 steps, %s | %.1f ms | | compare PyTorch |%n", size, way.replace("100Steps", ""), ms);
      }
    }
  }

  private static void ratio(Map<String, Double> s, String what, String num, String den, String unit, String target) {
    Double a = s.get(num), b = s.get(den);
    if (a == null || b == null) return;
    System.out.printf(Locale.ROOT, "| %s | %.2f %s / %.2f %s | %.2fx | %s |%n", what, a, unit, b, unit, a / b, target);
  }
}
