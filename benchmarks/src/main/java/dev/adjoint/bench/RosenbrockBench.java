package dev.adjoint.bench;

import dev.adjoint.Tape;
import dev.adjoint.Value;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** The gradient of extended Rosenbrock: Adjoint (graph, tape) against Hipparchus's forward mode. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class RosenbrockBench {
  @Param({"10", "100", "1000"})
  public int n;

  double[] x, grad;
  Tape tape, compiled;

  @Setup
  public void setup() {
    x = new double[n];
    for (int i = 0; i < n; i++) x[i] = i % 2 == 0 ? -1.2 : 1.0;
    grad = new double[n];
    tape = Tape.record(x, Workloads.ROSENBROCK);
    compiled = tape.compile();
  }

  @Benchmark
  public double plainValue() {
    return Workloads.rosenbrock(x);
  }

  @Benchmark
  public double adjointGraph() {
    List<Value> leaves = new ArrayList<>(n);
    for (double v : x) leaves.add(Value.of(v));
    Value out = Workloads.ROSENBROCK.apply(leaves);
    out.backward();
    return leaves.get(0).grad();
  }

  @Benchmark
  public double adjointTape() {
    tape.gradient(x, grad);
    return grad[0];
  }

  @Benchmark
  public double adjointCompiled() {
    compiled.gradient(x, grad);
    return grad[0];
  }

  @Benchmark
  public double hipparchusGradient() {
    return Workloads.rosenbrockHipparchus(x)[0];
  }
}
