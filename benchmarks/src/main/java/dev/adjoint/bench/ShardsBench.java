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

/**
 * Data-parallel batch tapes: moons-10000 (mlp-2-64-64-1), 100 steps with recording, its rows in
 * one shard (the plain replay) or two (two threads on a two-core machine).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@Warmup(iterations = 2)
@Measurement(iterations = 3)
public class ShardsBench {
  @Param({"1", "2"})
  public int shards;

  Workloads.Moons moons;

  @Setup
  public void setup() throws IOException {
    moons = Workloads.Moons.load("10000");
  }

  @Benchmark
  public double batchTape100Steps() {
    return MoonsTraining.hundredSteps(MoonsTraining.batched(moons, shards));
  }
}
