package dev.adjoint.bench;

import java.io.IOException;
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

/** The moons workload: 100 steps from the shared initial weights, recording included. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class MoonsBench {
  /** "100": moons-100 with mlp-2-16-16-1; "1000": moons-1000 with mlp-2-64-64-1. */
  @Param({"100", "1000"})
  public String size;

  Workloads.Moons moons;

  @Setup
  public void setup() throws IOException {
    moons = Workloads.Moons.load(size);
  }

  @Benchmark
  public double dynamic100Steps() {
    return MoonsTraining.hundredSteps(new MoonsTraining.Dynamic(moons));
  }

  @Benchmark
  public double tape100Steps() {
    return MoonsTraining.hundredSteps(MoonsTraining.taped(moons));
  }

  @Benchmark
  public double batchTape100Steps() {
    return MoonsTraining.hundredSteps(MoonsTraining.batched(moons));
  }

  @Benchmark
  public double handCoded100Steps() {
    return MoonsTraining.hundredSteps(new MoonsTraining.HandCoded(moons));
  }
}
