package dev.adjoint.bench;

import dev.adjoint.Tape;
import dev.adjoint.Value;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** log-sum-exp and a sum-of-products chain over n = 16384 inputs; one binary op amortised. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ScalarBench {
  public static final int N = 16384;
  double[] x;
  double[] grad;
  Tape lse, sop, lseCompiled, sopCompiled;

  @Setup
  public void setup() {
    Random r = new Random(42);
    x = new double[N];
    for (int i = 0; i < N; i++) x[i] = r.nextDouble() * 2 - 1;
    grad = new double[N];
    lse = Tape.record(x, Workloads.LOG_SUM_EXP);
    sop = Tape.record(x, Workloads.SUM_OF_PRODUCTS);
    lseCompiled = lse.compile();
    sopCompiled = sop.compile();
  }

  /** Builds the graph on new leaves and differentiates it: record + reverse. */
  static double recordReverse(double[] x, Function<List<Value>, Value> f) {
    List<Value> leaves = new ArrayList<>(x.length);
    for (double v : x) leaves.add(Value.of(v));
    Value out = f.apply(leaves);
    out.backward();
    return out.data() + leaves.get(0).grad();
  }

  @Benchmark
  public double logSumExpPlain() {
    return Workloads.logSumExp(x);
  }

  @Benchmark
  public double logSumExpRecordReverse() {
    return recordReverse(x, Workloads.LOG_SUM_EXP);
  }

  @Benchmark
  public double logSumExpTape() {
    return lse.gradient(x, grad);
  }

  @Benchmark
  public double logSumExpCompiled() {
    return lseCompiled.gradient(x, grad);
  }

  @Benchmark
  public double sumOfProductsPlain() {
    return Workloads.sumOfProducts(x);
  }

  @Benchmark
  public double sumOfProductsRecordReverse() {
    return recordReverse(x, Workloads.SUM_OF_PRODUCTS);
  }

  @Benchmark
  public double sumOfProductsTape() {
    return sop.gradient(x, grad);
  }

  @Benchmark
  public double sumOfProductsCompiled() {
    return sopCompiled.gradient(x, grad);
  }

  /** A chain of N - 1 multiplications, recorded and differentiated: time per binary op. */
  @Benchmark
  @OperationsPerInvocation(N - 1)
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  public double binaryOpRecordReverse() {
    return recordReverse(x, Workloads.PRODUCT_CHAIN);
  }
}
