package dev.adjoint.bench;

import dev.adjoint.BatchTape;
import dev.adjoint.Value;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One dense layer (width × width weights) over a batch of rows, forward and both adjoints: a
 * {@link BatchTape} replay with its dense kernel, the same replay node by node (kernels off), and
 * a plain triple loop in doubles computing the same three products in the same orders. Each does
 * 6·width²·rows floating-point operations (forward y = Wx, input adjoint Wᵀȳ, weight adjoint
 * Σ ȳxᵀ; every row's adjoint is 1, so no row is skipped). The primary score is operations per
 * second; the secondary score {@code gflop} is GFLOP/s, and {@link Peak} measures, beside it,
 * what this JVM reaches on this machine with independent multiplies and adds. The
 * {@code …Reassociated} rows replay a tape recorded with {@link BatchTape.Summation#REASSOCIATED}:
 * node by node its weights' adjoints are summed over the rows in partial sums; with the kernel,
 * the kernel's exact order is kept.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class LayerKernelBench {
  /** rows × width: 64×64 with 1,000 and 10,000 rows, 16×16 with 100 rows (overheads dominate). */
  @Param({"1000x64", "10000x64", "100x16"})
  public String shape;

  /** GFLOP done, reported by JMH as a rate: GFLOP/s. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class Flops {
    public double gflop;

    @Setup(Level.Iteration)
    public void reset() {
      gflop = 0;
    }
  }

  BatchTape tape, reassociated;
  double gflopPerOp;
  List<Value> weights;
  double[][] w, x, gw;
  double[] y, gy, gx;

  @Setup
  public void setup() {
    String[] s = shape.split("x");
    int rows = Integer.parseInt(s[0]), width = Integer.parseInt(s[1]);
    gflopPerOp = 6e-9 * width * width * rows;
    Random r = new Random(1);
    w = new double[width][width];
    x = new double[width][rows];
    gw = new double[width][width];
    y = new double[rows];
    gy = new double[rows];
    gx = new double[rows];
    weights = new ArrayList<>();
    List<List<Value>> wv = new ArrayList<>();
    for (int j = 0; j < width; j++) {
      List<Value> row = new ArrayList<>();
      for (int k = 0; k < width; k++) {
        w[j][k] = r.nextDouble() * 2 - 1;
        row.add(Value.of(w[j][k]));
      }
      weights.addAll(row);
      wv.add(row);
    }
    double[][] data = new double[rows][width];
    for (int q = 0; q < rows; q++) for (int k = 0; k < width; k++) x[k][q] = data[q][k] = r.nextDouble() * 2 - 1;
    List<Value> in = new ArrayList<>();
    for (int k = 0; k < width; k++) in.add(Value.of(0));
    List<Value> outs = new ArrayList<>();
    for (List<Value> row : wv) outs.add(Value.dot(row, in));
    // the row's output sums the layer's outputs, so every output's adjoint is the row's
    tape = BatchTape.record(weights, in, Value.sum(outs), data, Value::sum);
    reassociated = BatchTape.record(weights, in, Value.sum(outs), data, Value::sum, 1, BatchTape.Summation.REASSOCIATED);
  }

  /** Forward and reverse of the layer with the dense kernel (when enabled). */
  @Benchmark
  public double batchTape(Flops f) {
    f.gflop += gflopPerOp;
    return tape.backward();
  }

  /** The same replay node by node. */
  @Benchmark
  @Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-Dadjoint.denseKernels=false"})
  public double batchTapeNodeByNode(Flops f) {
    f.gflop += gflopPerOp;
    return tape.backward();
  }

  /** The kernel's replay recorded with reassociated summation (the kernel keeps its exact order). */
  @Benchmark
  public double batchTapeReassociated(Flops f) {
    f.gflop += gflopPerOp;
    return reassociated.backward();
  }

  /** Node by node, the weights' adjoints summed over the rows in partial sums. */
  @Benchmark
  @Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-Dadjoint.denseKernels=false"})
  public double batchTapeNodeByNodeReassociated(Flops f) {
    f.gflop += gflopPerOp;
    return reassociated.backward();
  }

  /** Plain doubles: y_j = Σ_k w_jk x_k per row; x̄_k = Σ_j ȳ_j w_jk; w̄_jk += ȳ_j x_k over rows. */
  @Benchmark
  public double plainTripleLoop(Flops f) {
    f.gflop += gflopPerOp;
    final int width = w.length, rows = y.length;
    double total = 0;
    for (int q = 0; q < rows; q++) {
      double sum = 0;
      for (int j = 0; j < width; j++) {
        double s = 0;
        for (int k = 0; k < width; k++) s += w[j][k] * x[k][q];
        sum += s;
      }
      y[q] = sum;
      total += sum;
    }
    for (int q = rows - 1; q >= 0; q--) {
      double g = 1.0;
      for (int k = 0; k < width; k++) {
        double s = 0;
        for (int j = width - 1; j >= 0; j--) s += g * w[j][k];
        gx[q] += s;
      }
      for (int j = 0; j < width; j++) for (int k = 0; k < width; k++) gw[j][k] += g * x[k][q];
    }
    return total + gx[0] + gw[0][0];
  }

  /**
   * The machine's peak as this JVM reaches it: eight multiply-add pairs per element of an array
   * that stays in L1, each element's chain independent of the others', so the JIT vectorises the
   * loop over elements and the out-of-order core overlaps the chains (16 floating-point operations
   * per element, multiplies and adds separate, as the kernel has them; nothing else in the loop
   * but one load and one store per element).
   */
  @State(Scope.Thread)
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  @Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
  @Warmup(iterations = 3, time = 2)
  @Measurement(iterations = 5, time = 2)
  public static class Peak {
    final double[] a = new double[1024];

    @Setup
    public void setup() {
      for (int t = 0; t < a.length; t++) a[t] = t * 1e-3;
    }

    @Benchmark
    public double mulAdd(Flops f) {
      final double[] a = this.a;
      final double c = 0.999, d = 1e-3; // v → v·c + d stays near d / (1 - c) = 1: no overflow, no subnormals
      for (int t = 0; t < a.length; t++) {
        double v = a[t];
        v = v * c + d;
        v = v * c + d;
        v = v * c + d;
        v = v * c + d;
        v = v * c + d;
        v = v * c + d;
        v = v * c + d;
        v = v * c + d;
        a[t] = v;
      }
      f.gflop += 16e-9 * a.length;
      return a[0];
    }
  }
}
