package dev.adjoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.BatchTape.Summation;
import dev.adjoint.nn.Dataset;
import dev.adjoint.nn.Loss;
import dev.adjoint.nn.MLP;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * {@link Summation#REASSOCIATED}: values and rows' outputs bitwise define-by-run's, shared leaves'
 * gradients within rounding of it, the same bits on every replay, copy and thread for a given row
 * and shard count; layers run as dense kernels keep the exact order.
 */
class ReassociatedSummationTest {
  /** What one replay gave: the loss, then every shared leaf's gradient, then every row's output. */
  static double[] replay(BatchTape tape, List<Value> p) {
    for (Value w : p) w.zeroGrad();
    double loss = tape.backward();
    double[] out = new double[1 + p.size() + tape.rows()];
    out[0] = loss;
    for (int i = 0; i < p.size(); i++) out[1 + i] = p.get(i).grad();
    for (int k = 0; k < tape.rows(); k++) out[1 + p.size() + k] = tape.output(k);
    return out;
  }

  /** The same replay from the whole graph built anew (the exact order). */
  static double[] wholeGraph(List<Value> p, Function<List<Value>, Value> f, double[][] rows, Function<List<Value>, Value> reduce) {
    for (Value w : p) w.zeroGrad();
    double[] outputs = new double[rows.length];
    double loss = BatchTapeTest.wholeGraph(f, rows, reduce, outputs);
    double[] out = new double[1 + p.size() + rows.length];
    out[0] = loss;
    for (int i = 0; i < p.size(); i++) out[1 + i] = p.get(i).grad();
    System.arraycopy(outputs, 0, out, 1 + p.size(), rows.length);
    return out;
  }

  static void assertSameBits(double[] want, double[] got, String what) {
    assertEquals(want.length, got.length, what);
    for (int i = 0; i < want.length; i++) DenseKernelsTest.assertSameBits(want[i], got[i], what + ", entry " + i);
  }

  /**
   * The loss and outputs bitwise, each gradient within relTol·(1 + |exact|); returns how many
   * gradients differ from the exact ones in any bit.
   */
  static int assertWithinRounding(double[] exact, double[] got, int params, double relTol, String what) {
    DenseKernelsTest.assertSameBits(exact[0], got[0], what + ": loss");
    for (int k = 1 + params; k < exact.length; k++) DenseKernelsTest.assertSameBits(exact[k], got[k], what + ": row " + (k - 1 - params));
    int differ = 0;
    for (int i = 1; i <= params; i++) {
      double e = exact[i], g = got[i];
      assertEquals(e, g, relTol * (1 + Math.abs(e)), what + ": d/dp" + (i - 1));
      if (Double.doubleToRawLongBits(e) != Double.doubleToRawLongBits(g)) differ++;
    }
    return differ;
  }

  @Test
  void randomRowProgramsAgreeWithDefineByRunWithinRoundingAndRepeatBitwise() {
    Random r = new Random(23);
    int differ = 0;
    for (int seed = 0; seed < 60; seed++) {
      List<Value> p = BatchTapeTest.leaves(r, 6);
      Function<List<Value>, Value> f = BatchTapeTest.rowProgram(seed, p);
      int nrows = 1 + r.nextInt(70); // 1 row, and counts that are not multiples of the four partial sums
      double[][] rows = BatchTapeTest.rows(r, nrows, 3);
      Function<List<Value>, Value> reduce = BatchTapeTest.reduction(seed % 4, p);
      List<Value> x = BatchTapeTest.leaves(r, 3);
      BatchTape tape = BatchTape.record(p, x, f.apply(x), rows, reduce, 1, Summation.REASSOCIATED);
      String what = "seed " + seed + ", " + nrows + " rows";
      double[] exact = wholeGraph(p, f, rows, reduce), first = replay(tape, p);
      if (Double.isFinite(exact[0])) differ += assertWithinRounding(exact, first, p.size(), 1e-12, what);
      assertSameBits(first, replay(tape, p), what + ": a second replay");
      assertSameBits(first, replay(tape.copy(), p), what + ": a copy");
    }
    assertTrue(differ > 0, "no gradient differed from the exact order in any bit: the reassociated sums did not run");
  }

  @Test
  void everyKindOfSharedOperandIsSummedWithinRounding() {
    Random r = new Random(37);
    List<Value> p = BatchTapeTest.leaves(r, 9);
    // a sum over shared and row operands, an op of two shared operands (the same in every row), an
    // op of one (exp), subtraction from either side, division and a power with a shared operand
    Function<List<Value>, Value> f = x -> Value.sum(List.of(p.get(0), x.get(0).times(p.get(1)), p.get(2)))
        .plus(p.get(3).times(p.get(4)).times(x.get(1)))
        .plus(p.get(5).exp().times(x.get(0)))
        .plus(p.get(6).minus(x.get(1)).times(x.get(1).minus(p.get(7))))
        .plus(x.get(0).div(p.get(8).plus(3.0)).pow(Value.of(2.0)));
    int differ = 0;
    for (int nrows : new int[] {1, 2, 3, 4, 5, 63, 1000}) {
      double[][] rows = BatchTapeTest.rows(r, nrows, 2);
      Function<List<Value>, Value> reduce = BatchTapeTest.reduction(1, p);
      List<Value> x = BatchTapeTest.leaves(r, 2);
      BatchTape tape = BatchTape.record(p, x, f.apply(x), rows, reduce, 1, Summation.REASSOCIATED);
      double[] got = replay(tape, p);
      differ += assertWithinRounding(wholeGraph(p, f, rows, reduce), got, p.size(), 1e-12, nrows + " rows");
      assertSameBits(got, replay(tape, p), nrows + " rows, again");
    }
    assertTrue(differ > 0, "no gradient differed from the exact order in any bit: the reassociated sums did not run");
  }

  /**
   * A layer of m neurons written as sums of products (no dot node, so no layer kernel: each weight
   * is a scalar operand of a multiplication, each bias of an addition) over n inputs, then a
   * 1-output layer the same way.
   */
  static Function<List<Value>, Value> sumOfProductsLayers(List<List<Value>> w, List<Value> bias, List<Value> v) {
    return x -> {
      List<Value> z = new ArrayList<>();
      for (int j = 0; j < w.size(); j++) {
        List<Value> terms = new ArrayList<>();
        for (int k = 0; k < x.size(); k++) terms.add(x.get(k).times(w.get(j).get(k)));
        z.add(Value.sum(terms).plus(bias.get(j)).tanh());
      }
      List<Value> out = new ArrayList<>();
      for (int j = 0; j < z.size(); j++) out.add(v.get(j).times(z.get(j)));
      return Value.sum(out);
    };
  }

  @Test
  void randomLayerShapesAgreeWithinRoundingAndDenseKernelsStayExact() {
    Random r = new Random(29);
    int[][] shapes = { // rows, inputs, outputs: 1 row, 1 input, 1 output, more outputs than inputs, ragged tiles
      {1, 1, 1}, {1, 5, 3}, {3, 1, 7}, {7, 9, 1}, {130, 6, 11}, {257, 13, 5}, {200, 3, 17}, {1001, 4, 9}
    };
    int differ = 0;
    for (int[] shape : shapes) {
      int nrows = shape[0], n = shape[1], m = shape[2];
      List<Value> p = new ArrayList<>();
      List<List<Value>> w = DenseKernelsTest.matrix(r, m, n, p);
      List<Value> bias = BatchTapeTest.leaves(r, m), v = BatchTapeTest.leaves(r, m);
      p.addAll(bias);
      p.addAll(v);
      double[][] rows = BatchTapeTest.rows(r, nrows, n);
      Function<List<Value>, Value> reduce = BatchTapeTest.reduction(3, p);
      String what = nrows + " rows, " + n + " inputs, " + m + " outputs";
      // scalar weights, node by node: reassociated
      Function<List<Value>, Value> scalar = sumOfProductsLayers(w, bias, v);
      List<Value> x = BatchTapeTest.leaves(r, n);
      BatchTape tape = BatchTape.record(p, x, scalar.apply(x), rows, reduce, 1, Summation.REASSOCIATED);
      assertEquals(0, tape.denseLayers(), what);
      for (int trial = 0; trial < 2; trial++) {
        if (trial > 0) for (Value q : p) q.setData(r.nextDouble() * 2 - 1);
        double[] got = replay(tape, p);
        differ += assertWithinRounding(wholeGraph(p, scalar, rows, reduce), got, p.size(), 1e-12, what + ", trial " + trial);
        assertSameBits(got, replay(tape, p), what + ": a second replay");
      }
      // the same layers as dot nodes: dense kernels, bitwise define-by-run in either summation
      Function<List<Value>, Value> dense = xs -> {
        List<Value> z = new ArrayList<>();
        for (int j = 0; j < m; j++) z.add(Value.dot(w.get(j), xs).plus(bias.get(j)).tanh());
        return Value.dot(v, z);
      };
      BatchTape kernels = BatchTape.record(p, x, dense.apply(x), rows, reduce, 1, Summation.REASSOCIATED);
      assertEquals(2, kernels.denseLayers(), what);
      assertSameBits(wholeGraph(p, dense, rows, reduce), replay(kernels, p), what + ": dense kernels");
    }
    assertTrue(differ > 0, "no gradient differed from the exact order in any bit: the reassociated sums did not run");
  }

  /** A 2-16-16-1 network of sums of products (no layer kernels) trained with SGD: each step's loss. */
  static double[] train(Summation summation, int shards, int steps, Dataset data) {
    Random r = new Random(5);
    List<Value> p = new ArrayList<>();
    int[] sizes = {2, 16, 16, 1};
    List<List<List<Value>>> weights = new ArrayList<>();
    List<List<Value>> biases = new ArrayList<>();
    for (int l = 1; l < sizes.length; l++) {
      List<List<Value>> wl = new ArrayList<>();
      for (int j = 0; j < sizes[l]; j++) {
        List<Value> row = new ArrayList<>();
        for (int k = 0; k < sizes[l - 1]; k++) row.add(Value.of((r.nextDouble() * 2 - 1) / Math.sqrt(sizes[l - 1])));
        p.addAll(row);
        wl.add(row);
      }
      weights.add(wl);
      List<Value> b = BatchTapeTest.leaves(r, sizes[l]);
      for (Value q : b) q.setData(0.1 * q.data());
      p.addAll(b);
      biases.add(b);
    }
    Function<List<Value>, Value> f = x -> {
      List<Value> h = x;
      for (int l = 0; l < weights.size(); l++) {
        List<Value> next = new ArrayList<>();
        for (int j = 0; j < weights.get(l).size(); j++) {
          List<Value> terms = new ArrayList<>();
          for (int k = 0; k < h.size(); k++) terms.add(h.get(k).times(weights.get(l).get(j).get(k)));
          Value u = Value.sum(terms).plus(biases.get(l).get(j));
          next.add(l < weights.size() - 1 ? u.relu() : u);
        }
        h = next;
      }
      return h.get(0);
    };
    double[][] rows = new double[data.size()][];
    for (int i = 0; i < rows.length; i++) rows[i] = data.x(i);
    List<Value> x = List.of(Value.of(0), Value.of(0));
    BatchTape tape = BatchTape.record(p, x, f.apply(x), rows,
        s -> Loss.hinge(s, data.labels()).plus(Loss.l2(p, 1e-4)), shards, summation);
    double[] losses = new double[steps];
    for (int k = 0; k < steps; k++) {
      for (Value q : p) q.zeroGrad();
      losses[k] = tape.backward();
      double lr = 1.0 - 0.9 * k / steps;
      for (Value q : p) q.setData(q.data() - lr * q.grad());
    }
    return losses;
  }

  @Test
  void mlpTrainingLossesStayWithinRoundingOverAHundredSteps() {
    Dataset data = Dataset.moons(300, 0.1, 7);
    double[] exact = train(Summation.EXACT, 1, 100, data), reassociated = train(Summation.REASSOCIATED, 1, 100, data);
    double worst = 0;
    for (int k = 0; k < exact.length; k++) {
      assertEquals(exact[k], reassociated[k], 1e-9 * Math.abs(exact[k]), "loss at step " + k);
      worst = Math.max(worst, Math.abs(exact[k] - reassociated[k]) / Math.abs(exact[k]));
    }
    assertTrue(worst > 0, "the losses are all bitwise equal: the reassociated sums did not run");
    assertTrue(exact[99] < 0.5 * exact[0], "training went down: " + exact[0] + " -> " + exact[99]);
  }

  @Test
  void shardsAndThreadsGiveTheSameBitsForAGivenShardCount() throws Exception {
    // 1,500 rows × about 600 op nodes: above the size from which shards run on threads
    Dataset data = Dataset.moons(1500, 0.1, 3);
    double[] exact = train(Summation.EXACT, 1, 3, data);
    for (int shards : new int[] {1, 2, 3}) {
      double[] a = train(Summation.REASSOCIATED, shards, 3, data);
      // a second recording trained on another thread: the same bits
      double[] b = CompletableFuture.supplyAsync(() -> train(Summation.REASSOCIATED, shards, 3, data)).get();
      for (int k = 0; k < a.length; k++) {
        DenseKernelsTest.assertSameBits(a[k], b[k], shards + " shards, loss at step " + k + " on another thread");
        assertEquals(exact[k], a[k], 1e-12 * Math.abs(exact[k]), shards + " shards, loss at step " + k);
      }
    }
  }

  @Test
  void exactIsTheDefault() {
    Random r = new Random(31);
    List<Value> p = BatchTapeTest.leaves(r, 6);
    Function<List<Value>, Value> f = BatchTapeTest.rowProgram(4, p);
    double[][] rows = BatchTapeTest.rows(r, 41, 3);
    List<Value> x = BatchTapeTest.leaves(r, 3);
    double[] want = wholeGraph(p, f, rows, BatchTapeTest.reduction(1, p));
    assertSameBits(want, replay(BatchTape.record(p, x, f.apply(x), rows, BatchTapeTest.reduction(1, p)), p), "five arguments");
    assertSameBits(want, replay(BatchTape.record(p, x, f.apply(x), rows, BatchTapeTest.reduction(1, p), 1, Summation.EXACT), p),
        "Summation.EXACT");
    assertThrows(NullPointerException.class, () -> BatchTape.record(p, x, f.apply(x), rows, Loss::mean, 1, null));
  }

  @Test
  void anomalyDetectionNamesTheOpAndRowAndCatchesASumThatOverflowsOnlyReassociated() {
    Value w = Value.of(1.0, "w");
    List<Value> x = List.of(Value.of(0));
    // a NaN in row 2: log of a negative product
    BatchTape logs = BatchTape.record(List.of(w), x, x.get(0).times(w).log(), new double[][] {{1}, {2}, {-3}, {4}, {5}},
        Loss::mean, 1, Summation.REASSOCIATED);
    try (Anomaly.Scope s = Anomaly.enable()) {
      AnomalyException e = assertThrows(AnomalyException.class, logs::backward);
      assertTrue(e.getMessage().contains("op 'log' produced NaN for row 2"), e.getMessage());
    }
    // rows' terms ±1e308 alternating: added from the last row to the first they cancel pairwise;
    // in four partial sums, partial 0 adds rows 0 and 4 (+1e308 twice) and overflows
    double[][] rows = new double[8][1];
    for (int k = 0; k < rows.length; k++) rows[k][0] = k % 2 == 0 ? 1e308 : -1e308;
    BatchTape exact = BatchTape.record(List.of(w), x, x.get(0).times(w), rows, Value::sum);
    BatchTape reassociated = BatchTape.record(List.of(w), x, x.get(0).times(w), rows, Value::sum, 1, Summation.REASSOCIATED);
    w.zeroGrad();
    exact.backward();
    assertEquals(0.0, w.grad());
    w.zeroGrad();
    reassociated.backward();
    assertTrue(Double.isNaN(w.grad()), "+inf + -inf: " + w.grad());
    w.zeroGrad();
    try (Anomaly.Scope s = Anomaly.enable()) {
      AnomalyException e = assertThrows(AnomalyException.class, reassociated::backward);
      assertTrue(e.getMessage().contains("the gradient of shared leaf 0 (") && e.getMessage().contains("is NaN; no gradient was changed"),
          e.getMessage());
    }
    assertEquals(0.0, w.grad(), "no gradient changed");
  }

  /** Rows (x, y) with y = 2·exp(-0.7·x) + 0.3 plus noise. */
  static double[][] decay(int n, long seed) {
    Random r = new Random(seed);
    double[][] rows = new double[n][];
    for (int i = 0; i < n; i++) {
      double x = 4 * r.nextDouble();
      rows[i] = new double[] {x, 2.0 * Math.exp(-0.7 * x) + 0.3 + 0.01 * r.nextGaussian()};
    }
    return rows;
  }

  @Test
  void readmeFitsAFormulaToTenThousandRowsWithinRoundingOfExact() {
    double[][] rows = decay(10_000, 2);
    // readme:reassociated
    Value a = Value.of(1.0), b = Value.of(0.5), c = Value.of(0.0);  // fit y ≈ a·exp(-b·x) + c
    List<Value> row = List.of(Value.of(0.0), Value.of(0.0));          // stand-ins for one row: x, y
    Value err = a.times(b.times(row.get(0)).unaryMinus().exp()).plus(c).minus(row.get(1));
    BatchTape tape = BatchTape.record(List.of(a, b, c), row, err.pow(2), rows, Loss::mean,
        1, BatchTape.Summation.REASSOCIATED); // the same bits on every run, within rounding of exact
    double loss = tape.backward();            // adds to a.grad(), b.grad() and c.grad()
    // readme:end
    List<Value> p = List.of(a, b, c);
    double[] got = {loss, a.grad(), b.grad(), c.grad()};
    BatchTape exact = BatchTape.record(p, row, err.pow(2), rows, Loss::mean);
    for (Value q : p) q.zeroGrad();
    DenseKernelsTest.assertSameBits(exact.backward(), got[0], "loss");
    int differ = 0;
    for (int i = 0; i < 3; i++) {
      assertEquals(p.get(i).grad(), got[1 + i], 1e-13 * Math.abs(p.get(i).grad()), "d/dp" + i);
      if (p.get(i).grad() != got[1 + i]) differ++;
    }
    assertTrue(differ > 0, "every gradient bitwise exact: the reassociated sums did not run");
    for (Value q : p) q.zeroGrad();
    tape.backward();
    for (int i = 0; i < 3; i++) DenseKernelsTest.assertSameBits(got[1 + i], p.get(i).grad(), "d/dp" + i + " again");
  }

  @Test
  void theSumOfTermsHasAFixedOrderAndKeepsTheSignOfZero() {
    double[] t = {1e16, 1, -1e16, 1, 3, 5, 7};
    // partials: p0 = 1e16 + 3, p1 = 1 + 5, p2 = -1e16 + 7, p3 = 1; (p0 + p1) + (p2 + p3)
    double p0 = 1e16 + 3, p1 = 1.0 + 5, p2 = -1e16 + 7, p3 = -0.0 + 1;
    assertEquals((p0 + p1) + (p2 + p3), LaneRules.sum(t, 7), 0.0);
    assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(LaneRules.sum(new double[] {-0.0, -0.0, -0.0, -0.0, -0.0}, 5)));
    assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(LaneRules.sum(new double[0], 0)));
    assertEquals(Double.doubleToRawLongBits(0.0), Double.doubleToRawLongBits(LaneRules.sum(new double[] {-0.0, 0.0, -0.0}, 3)));
  }
}
