package dev.adjoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.nn.Activation;
import dev.adjoint.nn.Dataset;
import dev.adjoint.nn.Loss;
import dev.adjoint.nn.MLP;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Layers run as dense kernels in a {@link BatchTape} give bitwise what define-by-run gives. */
class DenseKernelsTest {
  /** Bitwise equality, any NaN matching any NaN. */
  static void assertSameBits(double want, double got, String what) {
    if (Double.isNaN(want) && Double.isNaN(got)) return;
    assertEquals(Double.doubleToRawLongBits(want), Double.doubleToRawLongBits(got),
        () -> what + ": want " + want + " (" + Double.toHexString(want) + "), got " + got + " (" + Double.toHexString(got) + ")");
  }

  /**
   * Records f over the rows, replays it a few times with new shared values, and checks the loss,
   * every row's output and every shared leaf's gradient against the whole graph built anew.
   * Returns the tape.
   */
  static BatchTape checkAgainstWholeGraph(List<Value> p, int width, Function<List<Value>, Value> f, double[][] rows,
      Function<List<Value>, Value> reduce, Random r, String what) {
    List<Value> placeholders = BatchTapeTest.leaves(r, width);
    BatchTape tape = BatchTape.record(p, placeholders, f.apply(placeholders), rows, reduce);
    for (int trial = 0; trial < 3; trial++) {
      if (trial > 0) for (Value w : p) w.setData(r.nextDouble() * 2 - 1);
      double[] want = new double[rows.length], grads = new double[p.size()];
      for (Value w : p) w.zeroGrad();
      double loss = BatchTapeTest.wholeGraph(f, rows, reduce, want);
      for (int i = 0; i < p.size(); i++) grads[i] = p.get(i).grad();
      for (Value w : p) w.zeroGrad();
      assertSameBits(loss, tape.backward(), what + ": loss");
      for (int i = 0; i < p.size(); i++) assertSameBits(grads[i], p.get(i).grad(), what + ": d/dp" + i + ", trial " + trial);
      for (int k = 0; k < rows.length; k++) assertSameBits(want[k], tape.output(k), what + ": row " + k);
      assertSameBits(loss, tape.value(), what + ": value()");
    }
    return tape;
  }

  static List<List<Value>> matrix(Random r, int m, int n, List<Value> into) {
    List<List<Value>> w = new ArrayList<>();
    for (int j = 0; j < m; j++) {
      List<Value> row = BatchTapeTest.leaves(r, n);
      into.addAll(row);
      w.add(row);
    }
    return w;
  }

  @Test
  void randomLayerShapesEqualDefineByRunBitwise() {
    Random r = new Random(17);
    int[][] shapes = { // rows, inputs, outputs
      {1, 1, 1}, {1, 5, 3}, {3, 1, 7}, {7, 9, 1}, {130, 6, 11}, {257, 13, 5}, {129, 4, 4}, {200, 3, 17}, {64, 17, 3}
    };
    for (int[] shape : shapes) {
      int nrows = shape[0], n = shape[1], m = shape[2];
      List<Value> p = new ArrayList<>();
      List<List<Value>> w = matrix(r, m, n, p);
      List<Value> bias = BatchTapeTest.leaves(r, m);
      p.addAll(bias);
      List<Value> v = BatchTapeTest.leaves(r, m);
      p.addAll(v);
      // row features → n lane values → a layer of m tanh units → a second, 1-output layer
      Function<List<Value>, Value> f = x -> {
        List<Value> h = new ArrayList<>();
        for (int k = 0; k < n; k++) h.add(x.get(k % x.size()).times(0.5 + k).sin());
        List<Value> z = new ArrayList<>();
        for (int j = 0; j < m; j++) z.add(Value.dot(w.get(j), h).plus(bias.get(j)).tanh());
        return Value.dot(v, z);
      };
      double[][] rows = BatchTapeTest.rows(r, nrows, 2);
      String what = nrows + " rows, " + n + " inputs, " + m + " outputs";
      for (int kind = 0; kind < 4; kind++) {
        BatchTape tape = checkAgainstWholeGraph(p, 2, f, rows, BatchTapeTest.reduction(kind, p), r, what + ", loss " + kind);
        assertEquals(2, tape.denseLayers(), what);
      }
    }
  }

  @Test
  void mlpTrainingEqualsDefineByRunBitwise() {
    for (int[] sizes : new int[][] {{2, 16, 16, 1}, {2, 64, 64, 1}, {3, 5, 9, 2}}) {
      Dataset data = Dataset.moons(sizes[0] == 2 ? 150 : 40, 0.1, 5);
      int nin = sizes[0];
      MLP a = MLP.random(new Random(3), nin, java.util.Arrays.copyOfRange(sizes, 1, sizes.length));
      MLP b = MLP.random(new Random(3), nin, java.util.Arrays.copyOfRange(sizes, 1, sizes.length));
      double[][] rows = new double[data.size()][];
      for (int i = 0; i < rows.length; i++) {
        rows[i] = java.util.Arrays.copyOf(data.x(i), nin);
        if (nin > 2) rows[i][2] = rows[i][0] * rows[i][1];
      }
      List<Value> x = new ArrayList<>();
      for (int q = 0; q < nin; q++) x.add(Value.of(0));
      BatchTape tape = BatchTape.record(b.parameters(), x, b.apply(x).get(0), rows,
          s -> Loss.hinge(s, data.labels()).plus(Loss.l2(b.parameters(), 1e-4)));
      assertEquals(sizes.length - 1, tape.denseLayers(), "layers of " + java.util.Arrays.toString(sizes));
      for (int step = 0; step < 8; step++) {
        List<Value> scores = new ArrayList<>();
        for (double[] row : rows) {
          List<Value> in = new ArrayList<>();
          for (double q : row) in.add(Value.of(q));
          scores.add(a.apply(in).get(0));
        }
        Value loss = Loss.hinge(scores, data.labels()).plus(Loss.l2(a.parameters(), 1e-4));
        for (Value w : a.parameters()) w.zeroGrad();
        loss.backward();
        for (Value w : b.parameters()) w.zeroGrad();
        assertSameBits(loss.data(), tape.backward(), "loss at step " + step);
        for (int k = 0; k < rows.length; k++) assertSameBits(scores.get(k).data(), tape.output(k), "row " + k);
        for (int i = 0; i < a.parameters().size(); i++) {
          Value pa = a.parameters().get(i), pb = b.parameters().get(i);
          assertSameBits(pa.grad(), pb.grad(), "parameter " + i + " at step " + step);
          pa.setData(pa.data() - 0.5 * pa.grad());
          pb.setData(pb.data() - 0.5 * pb.grad());
        }
      }
    }
  }

  @Test
  void layerOutputsFeedingSeveralNodesAndOutsidersReadingItsInputs() {
    Random r = new Random(5);
    int n = 6, m = 9;
    List<Value> p = new ArrayList<>();
    List<List<Value>> w = matrix(r, m, n, p);
    List<List<Value>> w2 = matrix(r, m, m, p);
    Function<List<Value>, Value> f = x -> {
      List<Value> h = new ArrayList<>();
      for (int k = 0; k < n; k++) h.add(x.get(k % 2).plus(0.25 * k).relu());
      List<Value> z = new ArrayList<>();
      for (int j = 0; j < m; j++) {
        // an outsider reading the layer's inputs between its nodes: it splits the group
        Value dot = Value.dot(w.get(j), h);
        z.add(j % 3 == 1 ? dot.plus(h.get(j % n).times(1.0 + j)) : dot.times(dot));
      }
      List<Value> u = new ArrayList<>();
      for (int j = 0; j < m; j++) u.add(Value.dot(w2.get(j), z).sigmoid());
      return Value.sum(u).plus(z.get(0).times(z.get(m - 1))).plus(Value.sum(z));
    };
    double[][] rows = BatchTapeTest.rows(r, 150, 2);
    for (int kind = 0; kind < 4; kind++) {
      BatchTape tape = checkAgainstWholeGraph(p, 2, f, rows, BatchTapeTest.reduction(kind, p), r, "loss " + kind);
      assertTrue(tape.denseLayers() > 2, "the first layer splits into runs: " + tape.denseLayers());
    }
  }

  @Test
  void frozenWeightsSharedAcrossLayersAndTiedWeightsAreRefused() {
    Random r = new Random(9);
    int n = 5;
    List<Value> frozen = BatchTapeTest.leaves(r, n); // constants: not shared leaves, read by both layers
    List<Value> p = new ArrayList<>();
    List<List<Value>> w = matrix(r, 3, n, p);
    Function<List<Value>, Value> f = x -> {
      List<Value> h = new ArrayList<>();
      for (int k = 0; k < n; k++) h.add(x.get(k % 2).times(k + 1.0).cos());
      List<Value> z = new ArrayList<>();
      for (int j = 0; j < 3; j++) z.add(Value.dot(w.get(j), h));
      z.add(Value.dot(frozen, h));
      List<Value> h2 = new ArrayList<>();
      for (int k = 0; k < n; k++) h2.add(z.get(k % z.size()).tanh());
      return Value.dot(frozen, h2).plus(Value.dot(h2, frozen)).plus(Value.sum(z));
    };
    double[][] rows = BatchTapeTest.rows(r, 40, 2);
    for (int kind = 0; kind < 4; kind++) checkAgainstWholeGraph(p, 2, f, rows, BatchTapeTest.reduction(kind, p), r, "loss " + kind);
    // the same weight leaves in two layers: the row graph reads them twice, which the batch tape refuses
    List<Value> x = BatchTapeTest.leaves(r, n);
    List<Value> tied = w.get(0);
    Value twice = Value.dot(tied, x).plus(Value.dot(tied, x).tanh());
    assertThrows(IllegalArgumentException.class, () -> BatchTape.record(tied, x, twice, rows, Loss::mean));
  }

  @Test
  void negativeZerosInWeightsAndGradientsWhenNoRowAddsAnything() {
    // every row's adjoint is 0, so all of a layer's terms are skipped or ±0; a -0 weight and
    // gradients holding -0 before the replay come out as define-by-run leaves them
    List<Value> p = new ArrayList<>();
    List<List<Value>> w = matrix(new Random(1), 4, 3, p);
    Value zero = w.get(2).get(1);
    zero.setData(-0.0);
    Function<List<Value>, Value> f = x -> {
      List<Value> z = new ArrayList<>();
      for (int j = 0; j < 4; j++) z.add(Value.dot(w.get(j), x));
      return Value.sum(z);
    };
    double[][] rows = BatchTapeTest.rows(new Random(2), 9, 3);
    Function<List<Value>, Value> reduce = s -> Value.sum(s).times(0.0).plus(Loss.l2(p, 1e-4));
    List<Value> placeholders = BatchTapeTest.leaves(new Random(3), 3);
    BatchTape tape = BatchTape.record(p, placeholders, f.apply(placeholders), rows, reduce);
    assertEquals(1, tape.denseLayers());
    for (Value v : p) v.grad = -0.0;
    BatchTapeTest.wholeGraph(f, rows, reduce, new double[rows.length]);
    double[] want = new double[p.size()];
    for (int i = 0; i < p.size(); i++) want[i] = p.get(i).grad();
    for (Value v : p) v.grad = -0.0;
    tape.backward();
    for (int i = 0; i < p.size(); i++) assertSameBits(want[i], p.get(i).grad(), "d/dp" + i);
  }

  @Test
  void nonFiniteValuesInsideALayerPropagateAsInTheWholeGraph() {
    Random r = new Random(4);
    List<Value> p = new ArrayList<>();
    List<List<Value>> w = matrix(r, 5, 4, p);
    w.get(1).get(2).setData(Double.POSITIVE_INFINITY);
    Function<List<Value>, Value> f = x -> {
      List<Value> h = new ArrayList<>();
      for (int k = 0; k < 4; k++) h.add(x.get(k % 2).plus(k - 1.5).relu());
      List<Value> z = new ArrayList<>();
      for (int j = 0; j < 5; j++) z.add(Value.dot(w.get(j), h).relu());
      return Value.sum(z);
    };
    double[][] rows = BatchTapeTest.rows(r, 33, 2);
    List<Value> placeholders = BatchTapeTest.leaves(r, 2);
    Function<List<Value>, Value> reduce = BatchTapeTest.reduction(3, p);
    BatchTape tape = BatchTape.record(p, placeholders, f.apply(placeholders), rows, reduce);
    assertReplayIsWholeGraph(tape, p, f, rows, reduce, "");
  }

  /** One backward of tape gives bitwise the loss, gradients and outputs of the whole graph built define-by-run. */
  static void assertReplayIsWholeGraph(BatchTape tape, List<Value> p, Function<List<Value>, Value> f, double[][] rows,
      Function<List<Value>, Value> reduce, String what) {
    for (Value v : p) v.zeroGrad();
    double[] want = new double[rows.length];
    double loss = BatchTapeTest.wholeGraph(f, rows, reduce, want);
    double[] grads = new double[p.size()];
    for (int i = 0; i < p.size(); i++) grads[i] = p.get(i).grad();
    for (Value v : p) v.zeroGrad();
    assertSameBits(loss, tape.backward(), what + "loss");
    for (int i = 0; i < p.size(); i++) assertSameBits(grads[i], p.get(i).grad(), what + "d/dp" + i);
    for (int k = 0; k < rows.length; k++) assertSameBits(want[k], tape.output(k), what + "row " + k);
  }

  @Test
  void biasesAndActivationsFuseOnlyWhereTheLayerAloneReadsThem() {
    Random r = new Random(8);
    int n = 7, m = 10;
    for (int variant = 0; variant < 4; variant++) {
      final int v = variant;
      List<Value> p = new ArrayList<>();
      List<List<Value>> w = matrix(r, m, n, p);
      List<Value> bias = BatchTapeTest.leaves(r, m);
      p.addAll(bias);
      Function<List<Value>, Value> f = x -> {
        List<Value> h = new ArrayList<>();
        for (int k = 0; k < n; k++) h.add(x.get(k % 2).minus(0.3 * k).relu());
        List<Value> out = new ArrayList<>();
        for (int j = 0; j < m; j++) {
          Value z = Value.dot(w.get(j), h), u = z.plus(bias.get(j));
          switch (v) {
            case 0: out.add(j % 2 == 0 ? u.relu() : u.sigmoid()); break; // mixed activations: the bias fuses
            case 1: out.add(u.relu().plus(j == 3 ? z : Value.of(0.0))); break; // one z read twice: nothing fuses
            case 2: out.add(u.exp().times(j == 5 ? u : Value.of(1.0))); break; // one u read twice: no activation
            default: out.add(u.abs()); break; // any unary activation
          }
        }
        return Value.sum(out);
      };
      double[][] rows = BatchTapeTest.rows(r, 140, 2);
      for (int kind = 0; kind < 4; kind++) {
        BatchTape tape = checkAgainstWholeGraph(p, 2, f, rows, BatchTapeTest.reduction(kind, p), r, "variant " + v + ", loss " + kind);
        assertEquals(1, tape.denseLayers(), "variant " + v);
      }
    }
  }

  @Test
  void layersBuiltByTheNnPackageAreFound() {
    MLP model = MLP.of(new double[][][] {{{1, 2}, {3, 4}, {5, 6}}, {{1, -1, 1}}}, new double[][] {{0, 0, 0}, {0}});
    List<Value> x = List.of(Value.of(0), Value.of(0));
    BatchTape tape = BatchTape.record(model.parameters(), x, model.apply(x).get(0), new double[][] {{1, 2}, {3, 4}}, Loss::mean);
    assertEquals(2, tape.denseLayers());
    // 3 dots with their biases and relus, then 1 dot with its bias: the kernels run every node
    assertEquals(11, tape.operations());
    assertEquals(11, tape.denseNodes());

    assertEquals(Activation.RELU, model.layers().get(0).neurons().get(0).activation());
  }

  @Test
  void anomalyDetectionNamesTheDotInsideAFusedLayer() {
    // a dot overflows in row 1 only; its bias and ReLU are fused into the layer, which does not
    // store the dots' values
    MLP model = MLP.of(new double[][][] {{{1e300, 0}, {1, 1}, {2, 1}}, {{1, -1, 1}}}, new double[][] {{-1e300, 0, 0}, {0}});
    List<Value> x = List.of(Value.of(0), Value.of(0));
    BatchTape tape = BatchTape.record(model.parameters(), x, model.apply(x).get(0), new double[][] {{1, 2}, {1e10, 4}, {0, 1}},
        Loss::mean);
    assertEquals(2, tape.denseLayers());
    double quiet = tape.backward();
    assertTrue(Double.isNaN(quiet) || Double.isInfinite(quiet), "loss " + quiet);
    for (Value v : model.parameters()) v.zeroGrad();
    try (Anomaly.Scope s = Anomaly.enable()) {
      AnomalyException e = assertThrows(AnomalyException.class, tape::backward);
      assertTrue(e.getMessage().contains("op 'dot' produced Infinity for row 1 (node 0 "), e.getMessage());
    }
    for (Value v : model.parameters()) assertEquals(0.0, v.grad());
  }

  @Test
  void chainedReluLayersWithNonFiniteUnitsEqualDefineByRunBitwise() {
    // three fused layers (bias and ReLU) feeding one another alone, so their reverses run tile by
    // tile together; an infinite weight and an infinite bias make some units +inf, some NaN
    // (inf - inf), in some rows only; 300 rows: two whole tiles and a ragged one
    for (double bad : new double[] {Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN}) {
      Random r = new Random(5);
      ReluChain c = ReluChain.of(r, 5);
      c.w2.get(3).get(1).setData(bad);
      c.b2.get(0).setData(-bad);
      double[][] rows = BatchTapeTest.rows(r, 300, 2);
      BatchTape tape = c.record(r, rows);
      assertReplayIsWholeGraph(tape, c.p, c.f, rows, c.reduce, bad + ": ");
    }
  }

  /**
   * Layers 2 → 6 → width → 1, the first two with bias and ReLU, each feeding the next alone (so
   * their forwards and reverses run tile by tile together), and a hinge-like reduction that
   * skips the rows past their margin.
   */
  record ReluChain(List<Value> p, List<List<Value>> w2, List<Value> b2, List<Value> b3, Function<List<Value>, Value> f,
      Function<List<Value>, Value> reduce) {
    static ReluChain of(Random r, int width) {
      List<Value> p = new ArrayList<>();
      List<List<Value>> w1 = matrix(r, 6, 2, p), w2 = matrix(r, width, 6, p), w3 = matrix(r, 1, width, p);
      List<Value> b1 = BatchTapeTest.leaves(r, 6), b2 = BatchTapeTest.leaves(r, width), b3 = BatchTapeTest.leaves(r, 1);
      p.addAll(b1);
      p.addAll(b2);
      p.addAll(b3);
      Function<List<Value>, Value> f = x -> {
        List<Value> h1 = new ArrayList<>(), h2 = new ArrayList<>();
        for (int j = 0; j < 6; j++) h1.add(Value.dot(w1.get(j), x).plus(b1.get(j)).relu());
        for (int j = 0; j < width; j++) h2.add(Value.dot(w2.get(j), h1).plus(b2.get(j)).relu());
        return Value.dot(w3.get(0), h2).plus(b3.get(0));
      };
      Function<List<Value>, Value> reduce = outs -> {
        List<Value> hinge = new ArrayList<>();
        for (int k = 0; k < outs.size(); k++) hinge.add(outs.get(k).times(k % 2 == 0 ? -1.0 : 1.0).plus(1.0).relu());
        return Value.sum(hinge);
      };
      return new ReluChain(p, w2, b2, b3, f, reduce);
    }

    /** Records it over the rows; three dense layers. */
    BatchTape record(Random r, double[][] rows) {
      List<Value> placeholders = BatchTapeTest.leaves(r, 2);
      BatchTape tape = BatchTape.record(p, placeholders, f.apply(placeholders), rows, reduce);
      assertEquals(3, tape.denseLayers());
      return tape;
    }
  }

  @Test
  void rowsSkippedAboveButNotFiniteBelowAcrossReplaysEqualDefineByRunBitwise() {
    // a ReLU layer chained below another skips the rows the layer above skips, except those where
    // one of its own outputs is not finite: a -inf weight makes z = -inf (its ReLU then 0, so the
    // layer above stays finite) in the rows where its input is positive. The output's bias moves
    // rows between live and skipped from one replay to the next, so a skipped row's input
    // adjoints left over from the replay before would show; 1, 130 and 300 rows: one row, a
    // ragged second tile, two whole tiles and a ragged one
    for (int nrows : new int[] {1, 130, 300}) {
      Random r = new Random(23);
      ReluChain c = ReluChain.of(r, 7);
      c.w2.get(3).get(1).setData(Double.NEGATIVE_INFINITY);
      double[][] rows = BatchTapeTest.rows(r, nrows, 2);
      BatchTape tape = c.record(r, rows);
      for (double bias : new double[] {0.0, 6.0, -6.0, 6.0, 0.5}) {
        c.b3.get(0).setData(bias);
        assertReplayIsWholeGraph(tape, c.p, c.f, rows, c.reduce, nrows + " rows, output bias " + bias + ": ");
      }
    }
  }
}
