package dev.adjoint.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.Value;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

public class TrainerTest {
  private static double[] weights(Model m) {
    double[] w = new double[m.parameters().size()];
    for (int i = 0; i < w.length; i++) w[i] = m.parameters().get(i).data();
    return w;
  }

  /** The data set with labels {-1, +1} mapped to {0, 1} (for binary cross-entropy); shared by engine tests. */
  public static Dataset zeroOne(Dataset d) {
    double[][] x = new double[d.size()][];
    double[] y = new double[d.size()];
    for (int i = 0; i < x.length; i++) {
      x[i] = d.x(i);
      y[i] = d.y(i) > 0 ? 1 : 0;
    }
    return Dataset.of(x, y);
  }

  /** A Huber loss that branches on data(): a recording would freeze its branches. */
  private static Value branchingHuber(List<Value> s, double[] y) {
    List<Value> terms = new ArrayList<>();
    for (int i = 0; i < y.length; i++) {
      Value r = s.get(i).minus(y[i]);
      terms.add(Math.abs(r.data()) <= 1 ? r.pow(2).times(0.5) : r.abs().minus(0.5));
    }
    return Loss.mean(terms);
  }

  @Test
  void miniBatchTapeEqualsDynamicBitwiseForEveryBuiltInLossAndTheLastPartialBatch() {
    Dataset moons = Dataset.moons(45, 0.1, 5);
    Dataset spirals = Dataset.spirals(15, 3, 0.2, 9);
    Object[][] cases = {
        {moons, Objective.hinge(), 1}, {moons, Objective.mse(), 1}, {moons, Objective.huber(0.5), 1},
        {zeroOne(moons), Objective.binaryCrossEntropy(), 1}, {spirals, Objective.softmaxCrossEntropy(), 3},
    };
    for (Object[] c : cases) {
      Dataset data = (Dataset) c[0];
      Objective objective = (Objective) c[1];
      int k = (Integer) c[2];
      List<double[]> losses = new ArrayList<>(), metrics = new ArrayList<>(), finals = new ArrayList<>();
      for (Trainer.Execution e : Trainer.Execution.values()) {
        MLP model = MLP.random(new Random(4), Init.PYTORCH, 2, 8, k);
        Trainer.History h = Trainer.of(model, objective, Adam.of(model.parameters(), 0.02))
            .batchSize(10).seed(3).l2(1e-4).clipGradNorm(1.0).execution(e).fit(data, 4);
        assertEquals(4 * 5, h.steps().size(), "45 rows in batches of 10: four full, one of 5, per epoch");
        losses.add(h.loss());
        metrics.add(h.metric());
        finals.add(weights(model));
      }
      assertArrayEquals(losses.get(1), losses.get(0), 0.0, objective.name());
      assertArrayEquals(metrics.get(1), metrics.get(0), 0.0, objective.name());
      assertArrayEquals(finals.get(1), finals.get(0), 0.0, objective.name());
    }
  }

  @Test
  void anyLossOfOneOutputReplaysOnlyWithItsLabels() {
    Dataset moons = Dataset.moons(30, 0.1, 2);
    Objective custom = Objective.of("reversed mse", (s, y) -> {
      List<Value> r = new ArrayList<>(s);
      java.util.Collections.reverse(r);
      double[] t = new double[y.length];
      for (int i = 0; i < y.length; i++) t[i] = y[y.length - 1 - i];
      return Loss.mse(r, t);
    }, Objective.Metric.SIGN);
    double[][] got = new double[2][];
    for (Trainer.Execution e : Trainer.Execution.values()) {
      MLP model = MLP.random(new Random(1), Init.XAVIER, 2, 6, 1);
      got[e.ordinal()] = Trainer.of(model, custom, SGD.of(model.parameters(), 0.1)).batchSize(7).seed(1).execution(e).fit(moons, 3).loss();
    }
    assertArrayEquals(got[0], got[1], 0.0);
  }

  @Test
  void huberMatchesItsDefinitionAndItsGradient() {
    for (double r : new double[] {-3.0, -1.0, -0.25, 0.0, 0.5, 1.0, 2.5}) {
      Value s = Value.of(r);
      Value h = Loss.huber(List.of(s), new double[] {0.0}, 1.0);
      h.backward();
      double want = Math.abs(r) <= 1 ? 0.5 * r * r : Math.abs(r) - 0.5;
      assertEquals(want, h.data(), 1e-15, "huber(" + r + ")");
      assertEquals(Math.max(-1, Math.min(1, r)), s.grad(), 1e-15, "huber'(" + r + ")");
    }
  }

  @Test
  void branchingLossGivesTheDynamicHistoryUnderRecordedExecution() {
    Dataset data = Dataset.moons(20, 0.1, 8);
    double[][] got = new double[2][];
    for (Trainer.Execution e : Trainer.Execution.values()) {
      MLP model = MLP.random(new Random(2), Init.PYTORCH, 2, 4, 1);
      got[e.ordinal()] = Trainer.of(model, Objective.of("branching huber", TrainerTest::branchingHuber, Objective.Metric.NONE),
          SGD.of(model.parameters(), 0.5)).execution(e).fit(data, 30).loss();
    }
    assertArrayEquals(got[Trainer.Execution.DYNAMIC.ordinal()], got[Trainer.Execution.TAPE.ordinal()], 0.0);
  }

  @Test
  void aModelThatBranchesOnValuesTrainsAndPredictsAsItsGraph() {
    Value w = Value.of(0.3), b = Value.of(-0.2);
    Model kinked = new Model() {
      @Override public List<Value> apply(List<Value> x) {
        Value z = x.get(0).times(w).plus(b);
        return List.of(z.data() > 0 ? z.pow(2) : z.times(-1)); // a branch on a value
      }
      @Override public int inputs() { return 1; }
      @Override public int outputs() { return 1; }
      @Override public List<Value> parameters() { return List.of(w, b); }
    };
    Dataset data = Dataset.of(new double[][] {{-2}, {-1}, {0}, {1}, {2}, {3}}, new double[] {1, 0.5, 0.2, 0.1, 0.4, 1.2});
    double[][] got = new double[2][];
    for (Trainer.Execution e : Trainer.Execution.values()) {
      w.setData(0.3);
      b.setData(-0.2);
      got[e.ordinal()] = Trainer.of(kinked, Objective.mse(), SGD.of(kinked.parameters(), 0.05)).batchSize(4).execution(e).fit(data, 10).loss();
    }
    assertArrayEquals(got[0], got[1], 0.0);
    double[][] p = kinked.predict(data);
    for (int r = 0; r < data.size(); r++) assertEquals(kinked.apply(List.of(Value.of(data.x(r)[0]))).get(0).data(), p[r][0], 0.0);
  }

  @Test
  void adamStateSurvivesAcrossFitCalls() {
    Dataset data = Dataset.moons(24, 0.1, 1);
    MLP once = MLP.random(new Random(5), Init.HE, 2, 6, 1);
    Trainer.of(once, Objective.hinge(), Adam.of(once.parameters(), 0.05)).batchSize(8).seed(2).fit(data, 6);
    MLP twice = MLP.random(new Random(5), Init.HE, 2, 6, 1);
    Trainer t = Trainer.of(twice, Objective.hinge(), Adam.of(twice.parameters(), 0.05)).batchSize(8).seed(2);
    t.fit(data, 2);
    t.fit(data, 4);
    assertEquals(18, t.optimizer().steps());
    assertArrayEquals(weights(once), weights(twice), 0.0);
  }

  @Test
  void changingL2BetweenFitsRecordsAgain() {
    Dataset data = Dataset.moons(20, 0.1, 4);
    double[][] got = new double[2][];
    for (Trainer.Execution e : Trainer.Execution.values()) {
      MLP model = MLP.random(new Random(3), Init.PYTORCH, 2, 5, 1);
      Trainer t = Trainer.of(model, Objective.hinge(), SGD.of(model.parameters(), 0.1)).execution(e).batchSize(8);
      t.fit(data, 2);
      got[e.ordinal()] = t.l2(0.5).fit(data, 2).loss();
    }
    assertArrayEquals(got[0], got[1], 0.0);
  }

  @Test
  void earlyStoppingRestoresTheBestWeights() {
    Dataset all = Dataset.moons(60, 0.3, 3);
    Dataset train = all.slice(0, 20), heldOut = all.slice(20, 60);
    MLP model = MLP.random(new Random(7), Init.PYTORCH, 2, 32, 32, 1);
    List<double[]> snapshots = new ArrayList<>();
    Trainer t = Trainer.of(model, Objective.hinge(), Adam.of(model.parameters(), 0.05))
        .validation(heldOut).earlyStopping(3).onEpoch(e -> snapshots.add(weights(model)));
    Trainer.History h = t.fit(train, 200);
    assertTrue(h.stopped(), "an over-fitting model stops early");
    int best = h.bestEpoch();
    double bestLoss = Double.POSITIVE_INFINITY;
    for (Trainer.Epoch e : h.epochs()) bestLoss = Math.min(bestLoss, e.validationLoss());
    assertEquals(bestLoss, h.epochs().get(best).validationLoss());
    assertEquals(best + 4, h.epochs().size(), "three epochs of patience after the best one");
    assertArrayEquals(snapshots.get(best), weights(model), 0.0);
    assertEquals(bestLoss, t.evaluate(heldOut).loss(), 0.0);
  }

  @Test
  void aCallbackCanStopTraining() {
    MLP model = MLP.random(new Random(1), Init.PYTORCH, 2, 4, 1);
    Trainer t = Trainer.of(model, Objective.hinge(), SGD.of(model.parameters(), 0.1)).batchSize(5);
    t.onStep(s -> {
      if (s.step() == 6) t.stop();
    });
    Trainer.History h = t.fit(Dataset.moons(20, 0.1, 1), 100);
    assertEquals(7, h.steps().size());
    assertTrue(h.stopped());
  }

  @Test
  void zeroEpochsIsAnEmptyHistoryWithAClearLast() {
    MLP model = new MLP(2, 3, 1);
    Trainer.History h = Trainer.of(model, Objective.hinge(), SGD.of(model.parameters(), 0.1)).fit(Dataset.xor(), 0);
    assertEquals(0, h.steps().size());
    assertEquals("History: no steps were taken (fit ran 0 epochs)", assertThrows(IllegalStateException.class, h::last).getMessage());
  }

  @Test
  void badArgumentsAreNamed() {
    MLP one = new MLP(2, 3, 1), three = new MLP(2, 3, 3);
    SGD sgd = SGD.of(one.parameters(), 0.1);
    assertEquals("Trainer: batchSize must be at least 1, was 0",
        assertThrows(IllegalArgumentException.class, () -> Trainer.of(one, Objective.hinge(), sgd).batchSize(0)).getMessage());
    assertEquals("softmaxCrossEntropy: needs a model with 2 or more outputs (one per class), the model has 1",
        assertThrows(IllegalArgumentException.class, () -> Trainer.of(one, Objective.softmaxCrossEntropy(), sgd)).getMessage());
    assertEquals("hinge: needs a model with 1 output, the model has 3",
        assertThrows(IllegalArgumentException.class, () -> Trainer.of(three, Objective.hinge(), sgd)).getMessage());
    Trainer t = Trainer.of(three, Objective.softmaxCrossEntropy(), SGD.of(three.parameters(), 0.1));
    Dataset bad = Dataset.of(new double[][] {{0, 0}, {1, 1}}, new double[] {1, 3});
    assertEquals("softmaxCrossEntropy: label of row 1 is 3.0, not a class in 0..2",
        assertThrows(IllegalArgumentException.class, () -> t.fit(bad, 1)).getMessage());
    Dataset half = Dataset.of(new double[][] {{0, 0}}, new double[] {0.5});
    assertEquals("softmaxCrossEntropy: label of row 0 is 0.5, not a class in 0..2",
        assertThrows(IllegalArgumentException.class, () -> t.fit(half, 1)).getMessage());
    Dataset zeroOne = Dataset.of(new double[][] {{0, 0}, {1, 1}}, new double[] {0, 1});
    assertEquals("hinge: label of row 0 is 0.0, not -1 or +1",
        assertThrows(IllegalArgumentException.class, () -> Trainer.of(one, Objective.hinge(), sgd).fit(zeroOne, 1)).getMessage());
    assertEquals("hinge: label 0 is 0.0, not -1 or +1",
        assertThrows(IllegalArgumentException.class, () -> Loss.hinge(List.of(Value.of(1), Value.of(2)), new double[] {0, 1})).getMessage());
    assertEquals("huber: label of row 1 is NaN, not a finite number", assertThrows(IllegalArgumentException.class,
        () -> Objective.huber(1.0).loss(List.of(Value.of(1), Value.of(2)), new double[] {0, Double.NaN})).getMessage());
    assertEquals("huber: delta must be positive and finite, was 0.0", assertThrows(IllegalArgumentException.class, () -> Objective.huber(0)).getMessage());
    Dataset wide = Dataset.of(new double[][] {{0, 0, 0}}, new double[] {1});
    assertEquals("fit: the data has 3 features, the model reads 2 inputs",
        assertThrows(IllegalArgumentException.class, () -> Trainer.of(one, Objective.hinge(), sgd).fit(wide, 1)).getMessage());
    assertEquals("fit: epochs must be non-negative, was -1",
        assertThrows(IllegalArgumentException.class, () -> Trainer.of(one, Objective.hinge(), sgd).fit(Dataset.xor(), -1)).getMessage());
    assertEquals("fit: early stopping needs a validation set",
        assertThrows(IllegalArgumentException.class, () -> Trainer.of(one, Objective.hinge(), sgd).earlyStopping(2).fit(Dataset.xor(), 1)).getMessage());
  }

  @Test
  void softmaxTrainsSpiralsInMiniBatches() {
    Dataset all = Dataset.spirals(100, 3, 0.2, 1);
    Dataset train = all.slice(0, 240), heldOut = all.slice(240, 300);
    MLP model = MLP.random(new Random(1), Init.PYTORCH, 2, 16, 16, 3);
    Trainer t = Trainer.of(model, Objective.softmaxCrossEntropy(), Adam.of(model.parameters(), 0.01)).batchSize(32).seed(1).validation(heldOut);
    Trainer.History h = t.fit(train, 80);
    Trainer.Epoch last = h.epochs().get(h.epochs().size() - 1);
    assertTrue(last.validationMetric() > 0.97, "validation accuracy " + last.validationMetric());
    assertTrue(last.loss() < h.epochs().get(0).loss());
  }

  @Test
  void predictIsTheGraphsValueBitwise() {
    MLP model = MLP.random(new Random(3), Init.XAVIER, 2, 5, 3);
    Dataset data = Dataset.spirals(5, 3, 0.1, 2);
    double[][] p = model.predict(data);
    for (int r = 0; r < data.size(); r++) {
      List<Value> in = new ArrayList<>();
      for (double v : data.x(r)) in.add(Value.of(v));
      List<Value> out = model.apply(in);
      for (int j = 0; j < 3; j++) assertEquals(out.get(j).data(), p[r][j], 0.0);
    }
  }

  @Test
  void saveThenLoadPredictsBitwiseTheSame(@TempDir Path dir) throws IOException {
    MLP model = MLP.of(List.of(
        Layer.random(2, 7, Activation.TANH, Init.PYTORCH, new Random(1)),
        Layer.random(7, 5, Activation.LEAKY_RELU, Init.HE, new Random(2)),
        Layer.random(5, 4, Activation.GELU, Init.PYTORCH, new Random(5)),
        Layer.random(4, 4, Activation.SOFTPLUS, Init.XAVIER, new Random(6)),
        Layer.random(4, 3, Activation.LINEAR, Init.XAVIER, new Random(3))));
    Path file = dir.resolve("model.json");
    model.save(file);
    MLP back = MLP.load(file);
    assertEquals(model.toString(), back.toString());
    assertArrayEquals(weights(model), weights(back), 0.0);
    Dataset data = Dataset.spirals(10, 3, 0.2, 4);
    double[][] a = model.predict(data), b = back.predict(data);
    for (int r = 0; r < a.length; r++) assertArrayEquals(a[r], b[r], 0.0);
  }

  @Test
  void loadRejectsOutOfRangeNumbersAndBadShapesNamingThePlace(@TempDir Path dir) throws IOException {
    Path f = dir.resolve("bad.json");
    Files.writeString(f, "{\"layers\": [{\"w\": [[1, 2]], \"b\": [0]},\n {\"w\": [[1e400]], \"b\": [0]}]}");
    assertEquals(f + ":2:10: the number 1e400 is outside the range of a double",
        assertThrows(IllegalArgumentException.class, () -> MLP.load(f)).getMessage());
    Files.writeString(f, "{\"layers\": [{\"w\": [[1, 2]], \"b\": [0]}, {\"w\": [[1, 2]], \"b\": [0]}]}");
    assertEquals(f + ": layers[1] reads 2 inputs but layers[0] gives 1",
        assertThrows(IllegalArgumentException.class, () -> MLP.load(f)).getMessage());
    Files.writeString(f, "{\"layers\": [{\"w\": [[1, \"x\"]], \"b\": [0]}]}");
    assertEquals(f + ": layers[0].w[0][1] is not a number: x", assertThrows(IllegalArgumentException.class, () -> MLP.load(f)).getMessage());
    Files.writeString(f, "{\"layers\": [{\"w\": [[1]], \"b\": [0], \"activation\": \"swish\"}]}");
    assertTrue(assertThrows(IllegalArgumentException.class, () -> MLP.load(f)).getMessage()
        .startsWith(f + ": layers[0].activation is swish, not one of linear, relu, tanh, sigmoid, leaky_relu"));
    Files.writeString(f, "{\"layers\": [{\"w\": [[NaN]], \"b\": [0]}]}");
    assertEquals(f + ":1:21: unexpected 'N'", assertThrows(IllegalArgumentException.class, () -> MLP.load(f)).getMessage());
    // every place a message names, spelled out only when it is thrown
    String[][] cases = {
        {"[1]", "layers[0] is not an object"},
        {"[{\"b\": [0]}]", "layers[0].w is missing"},
        {"[{\"w\": [[1]], \"b\": 0}]", "layers[0].b is not an array"},
        {"[{\"w\": [], \"b\": []}]", "layers[0].w has no rows"},
        {"[{\"w\": [[1]], \"b\": [0, 1]}]", "layers[0] has 1 weight rows but 2 biases"},
        {"[{\"w\": [[1], 2], \"b\": [0, 1]}]", "layers[0].w[1] is not an array"},
        {"[{\"w\": [[1], []], \"b\": [0, 1]}]", "layers[0].w[1] is empty"},
        {"[{\"w\": [[1], [1, 2]], \"b\": [0, 1]}]", "layers[0].w[1] has 2 weights, layers[0].w[0] has 1"},
        {"[{\"w\": [[1]], \"b\": [null]}]", "layers[0].b[0] is null"},
        {"[{\"w\": [[1]], \"b\": [0]}, {\"w\": [[1]], \"b\": [0], \"activation\": 3}]", "layers[1].activation is 3.0, not one of"},
    };
    for (String[] c : cases) {
      Files.writeString(f, "{\"layers\": " + c[0] + "}");
      String m = assertThrows(IllegalArgumentException.class, () -> MLP.load(f), c[0]).getMessage();
      assertTrue(m.startsWith(f + ": " + c[1]), m);
    }
  }

  @Test
  void initsAreSeededAndScaled() {
    MLP a = MLP.random(new Random(9), Init.PYTORCH, 100, 50, 1), b = MLP.random(new Random(9), Init.PYTORCH, 100, 50, 1);
    assertArrayEquals(weights(a), weights(b), 0.0);
    for (Value p : a.layers().get(0).parameters()) assertTrue(Math.abs(p.data()) < 0.1, "PyTorch bound 1/sqrt(100)");
    assertArrayEquals(weights(new MLP(2, 4, 1)), weights(MLP.random(new Random(MLP.DEFAULT_SEED), Init.UNIFORM, 2, 4, 1)), 0.0);
    double bound = Math.sqrt(6.0 / 150);
    boolean wide = false;
    for (Value p : MLP.random(new Random(9), Init.XAVIER, 100, 50, 1).layers().get(0).parameters()) {
      assertTrue(Math.abs(p.data()) < bound);
      wide |= Math.abs(p.data()) > 0.9 * bound;
    }
    assertTrue(wide);
  }

  @Test
  void leakyReluIsPyTorchsValues() {
    assertEquals(-0.03, Activation.LEAKY_RELU.apply(Value.of(-3)).data(), 0.0);
    assertEquals(2.5, Activation.LEAKY_RELU.apply(Value.of(2.5)).data(), 0.0);
    Value x = Value.of(-2);
    Activation.LEAKY_RELU.apply(x).backward();
    assertEquals(0.01, x.grad(), 0.0);
  }

  @Test
  void geluAndSoftplusAreTorchsFunctions() {
    assertEquals(0.8413447460685429, Activation.GELU.apply(Value.of(1.0)).data(), 2e-16);
    assertEquals(-0.15426876936299344, Activation.GELU.apply(Value.of(-0.5)).data(), 1e-16);
    assertEquals(1.3132616875182228, Activation.SOFTPLUS.apply(Value.of(1.0)).data(), 0.0);
    assertEquals(25.0, Activation.SOFTPLUS.apply(Value.of(25.0)).data(), 0.0);
  }

  @Test
  void schedulesFollowPyTorch() {
    LearningRate step = LearningRate.step(0.1, 10, 0.5);
    assertEquals(0.1, step.at(9), 0.0);
    assertEquals(0.05, step.at(10), 0.0);
    LearningRate cos = LearningRate.cosine(1.0, 0.0, 100);
    assertEquals(1.0, cos.at(0), 0.0);
    assertEquals(0.5, cos.at(50), 1e-15);
    assertEquals(0.0, cos.at(100), 0.0);
    LearningRate warm = LearningRate.warmup(3, LearningRate.constant(0.8));
    assertArrayEquals(new double[] {0.2, 0.4, 0.6, 0.8}, new double[] {warm.at(0), warm.at(1), warm.at(2), warm.at(3)}, 1e-15);
  }

  @Test
  void adamWDecaysWeightsDecoupledFromTheGradient() {
    Value p = Value.of(2.0);
    Adam w = Adam.adamW(List.of(p), LearningRate.constant(0.1), 0.5);
    w.step(); // zero gradient: only the decay moves p
    assertEquals(2.0 * (1 - 0.1 * 0.5), p.data(), 0.0);
  }

  @Test
  void clippingScalesTheGradientAsPyTorch() {
    // one parameter, loss 30·a: gradient 30, clipped to norm 1 by the factor 1 / (30 + 1e-6)
    Value a = Value.of(1.0);
    Model line = new Model() {
      @Override public List<Value> apply(List<Value> x) { return List.of(x.get(0).times(a)); }
      @Override public int inputs() { return 1; }
      @Override public int outputs() { return 1; }
      @Override public List<Value> parameters() { return List.of(a); }
    };
    Objective linear = Objective.of("sum", (s, y) -> Value.sum(s), Objective.Metric.NONE);
    Trainer.of(line, linear, SGD.of(List.of(a), 1.0)).clipGradNorm(1.0).fit(Dataset.of(new double[][] {{30}}, new double[] {0}), 1);
    assertEquals(1.0 - 30 * (1.0 / (30 + 1e-6)), a.data(), 0.0);
  }

  /** A model of scalar weights (no layer kernels): a·x0 + b·x1 + c·x0·x1 + d·tanh(e·x0), whose full batch replays node by node. */
  private static Model scalarModel() {
    List<Value> p = new ArrayList<>();
    for (double v : new double[] {0.3, -0.2, 0.1, 0.5, 0.7}) p.add(Value.of(v));
    return new Model() {
      @Override
      public List<Value> parameters() {
        return p;
      }

      @Override
      public List<Value> apply(List<Value> x) {
        Value z = x.get(0).times(p.get(0)).plus(x.get(1).times(p.get(1))).plus(x.get(0).times(x.get(1)).times(p.get(2)));
        return List.of(z.plus(x.get(0).times(p.get(4)).tanh().times(p.get(3))));
      }

      @Override
      public int inputs() {
        return 2;
      }

      @Override
      public int outputs() {
        return 1;
      }
    };
  }

  @Test
  void reassociatedSummationStaysWithinRoundingRepeatsBitwiseAndRecordsAgainWhenSwitched() {
    Dataset data = Dataset.moons(400, 0.2, 4);
    double[][] loss = new double[3][];
    Trainer.Execution[] executions = {Trainer.Execution.DYNAMIC, Trainer.Execution.TAPE, Trainer.Execution.TAPE};
    for (int run = 0; run < 3; run++) {
      Model m = scalarModel();
      Trainer t = Trainer.of(m, Objective.hinge(), SGD.of(m.parameters(), 0.1)).execution(executions[run]).l2(1e-4);
      if (run > 0) t.summation(dev.adjoint.BatchTape.Summation.REASSOCIATED);
      loss[run] = t.fit(data, 100).loss();
    }
    int differ = 0;
    for (int k = 0; k < 100; k++) {
      assertEquals(loss[0][k], loss[1][k], 1e-9 * Math.abs(loss[0][k]), "step " + k);
      assertEquals(Double.doubleToRawLongBits(loss[1][k]), Double.doubleToRawLongBits(loss[2][k]), "step " + k + ": the same bits again");
      if (loss[0][k] != loss[1][k]) differ++;
    }
    assertTrue(differ > 0, "the losses are bitwise define-by-run's: the reassociated sums did not run");
    // switching records again; switching back gives the exact history bitwise
    Model m = scalarModel();
    Trainer t = Trainer.of(m, Objective.hinge(), SGD.of(m.parameters(), 0.1)).l2(1e-4);
    t.summation(dev.adjoint.BatchTape.Summation.REASSOCIATED).fit(data, 1);
    int before = t.recordings();
    t.summation(dev.adjoint.BatchTape.Summation.REASSOCIATED).fit(data, 1);
    assertEquals(before, t.recordings(), "the same summation replays");
    t.summation(dev.adjoint.BatchTape.Summation.EXACT).fit(data, 1);
    assertEquals(before + 1, t.recordings(), "another summation records again");
    assertThrows(NullPointerException.class, () -> t.summation(null));
  }

  @Test
  void anOptimizerOverNoneOfTheModelsParametersIsRefusedAndASubsetTrains() {
    MLP model = MLP.random(new Random(1), Init.PYTORCH, 2, 4, 1);
    MLP other = MLP.random(new Random(2), Init.PYTORCH, 2, 4, 1);
    int n = model.parameters().size();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Trainer.of(model, Objective.hinge(), SGD.of(other.parameters(), 0.1)));
    assertEquals("Trainer: the optimizer updates none of the model's " + n + " parameters (it holds " + n
        + " other values); build it over model.parameters()", e.getMessage());
    List<Value> last = model.parameters().subList(n - 5, n);
    double[] before = weights(model);
    Trainer.of(model, Objective.hinge(), SGD.of(last, 0.1)).fit(Dataset.moons(20, 0.1, 1), 3);
    double[] after = weights(model);
    assertArrayEquals(java.util.Arrays.copyOf(before, n - 5), java.util.Arrays.copyOf(after, n - 5), 0.0);
    assertTrue(!java.util.Arrays.equals(before, after), "the optimizer's subset trained");
  }
}
