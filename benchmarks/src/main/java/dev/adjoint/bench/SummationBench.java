package dev.adjoint.bench;

import dev.adjoint.BatchTape;
import dev.adjoint.Value;
import dev.adjoint.nn.Loss;
import java.util.List;
import java.util.Random;
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
 * A formula fitted to 10,000 rows on a {@link BatchTape} (README's reassociated-sums example:
 * y ≈ a·exp(-b·x) + c, the mean squared error), one replay forward and reverse, with the exact
 * and the reassociated summation of the three parameters' gradients over the rows. No layer
 * kernel runs here: every parameter is a scalar operand of one node per row.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class SummationBench {
  @Param({"EXACT", "REASSOCIATED"})
  public BatchTape.Summation summation;

  @Param({"10000"})
  public int rows;

  BatchTape tape;

  @Setup
  public void setup() {
    Random r = new Random(2);
    double[][] data = new double[rows][];
    for (int i = 0; i < rows; i++) {
      double x = 4 * r.nextDouble();
      data[i] = new double[] {x, 2.0 * Math.exp(-0.7 * x) + 0.3 + 0.01 * r.nextGaussian()};
    }
    Value a = Value.of(1.0), b = Value.of(0.5), c = Value.of(0.0);
    List<Value> row = List.of(Value.of(0.0), Value.of(0.0));
    Value err = a.times(b.times(row.get(0)).unaryMinus().exp()).plus(c).minus(row.get(1));
    tape = BatchTape.record(List.of(a, b, c), row, err.pow(2), data, Loss::mean, 1, summation);
  }

  /** One replay: the loss and the three gradients. */
  @Benchmark
  public double formulaFit() {
    return tape.backward();
  }
}
