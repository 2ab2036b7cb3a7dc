package dev.adjoint.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.Value;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NnTest {
  @Test
  void neuronIsActivationOfDotPlusBias() {
    Neuron n = Neuron.of(new double[] {0.5, -2}, 0.25, Activation.TANH);
    Value x1 = Value.of(3), x2 = Value.of(1);
    Value y = n.apply(List.of(x1, x2));
    assertEquals(Math.tanh(1.5 - 2 + 0.25), y.data(), 1e-15);
    y.backward();
    double d = 1 - y.data() * y.data();
    assertEquals(3 * d, n.weights().get(0).grad(), 1e-15);
    assertEquals(d, n.bias().grad(), 1e-15);
    assertEquals(0.5 * d, x1.grad(), 1e-15);
    assertEquals(3, n.parameters().size());
    assertEquals("tanh", y.op());
    assertEquals("+", y.inputs().get(0).op());
    assertEquals("dot", y.inputs().get(0).inputs().get(0).op(), "neurons use the fused dot node");
  }

  @Test
  void mlpHasMicrogradsShapeAndActivations() {
    MLP m = new MLP(3, 4, 4, 1);
    assertEquals(4 * 4 + 4 * 5 + 1 * 5, m.parameters().size());
    assertEquals(Activation.RELU, m.layers().get(0).neurons().get(0).activation());
    assertEquals(Activation.RELU, m.layers().get(1).neurons().get(0).activation());
    assertEquals(Activation.LINEAR, m.layers().get(2).neurons().get(0).activation());
    assertEquals(1, m.apply(List.of(Value.of(1), Value.of(2), Value.of(3))).size());
    for (Value p : m.parameters()) assertTrue(p.data() >= -1 && p.data() < 1);
    MLP same = new MLP(3, 4, 4, 1);
    for (int i = 0; i < m.parameters().size(); i++) {
      assertEquals(m.parameters().get(i).data(), same.parameters().get(i).data(), "default init repeats");
    }
    MLP other = MLP.random(new Random(7), 3, 4, 4, 1);
    assertNotEquals(m.parameters().get(0).data(), other.parameters().get(0).data());
  }

  @Test
  void badShapesAreNamed() {
    MLP m = new MLP(2, 3, 1);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.apply(List.of(Value.of(1))));
    assertEquals("Neuron: expected 2 inputs, got 1", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> MLP.of(List.of(Layer.random(2, 3, Activation.RELU, new Random()), Layer.random(4, 1, Activation.LINEAR, new Random()))));
    assertEquals("MLP: layer 1 reads 4 inputs but layer 0 gives 3", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new MLP(2));
    assertEquals("MLP: no layer sizes", e.getMessage());
    IllegalStateException s = assertThrows(IllegalStateException.class, () -> new MLP(2, 3).score(1, 2));
    assertEquals("MLP.score: the MLP has 3 outputs, not 1", s.getMessage());
  }

  @Test
  void lossesByHand() {
    List<Value> s = List.of(Value.of(2.0), Value.of(-0.5), Value.of(0.25));
    double[] pm = {1, 1, -1};
    assertEquals((0 + 1.5 + 1.25) / 3, Loss.hinge(s, pm).data(), 1e-15);
    assertEquals(((2 - 1) * (2 - 1) + 1.5 * 1.5 + 1.25 * 1.25) / 3, Loss.mse(s, pm).data(), 1e-15);
    double[] zeroOne = {1, 0, 1};
    double bce = 0;
    for (int i = 0; i < 3; i++) {
      double z = s.get(i).data(), p = 1 / (1 + Math.exp(-z));
      bce += -(zeroOne[i] * Math.log(p) + (1 - zeroOne[i]) * Math.log(1 - p));
    }
    assertEquals(bce / 3, Loss.binaryCrossEntropy(s, zeroOne).data(), 1e-14);
    Value huge = Loss.binaryCrossEntropy(List.of(Value.of(1000.0)), new double[] {0});
    assertEquals(1000.0, huge.data(), 1e-12, "stable for a huge logit");
    double lse = Math.log(Math.exp(2.0) + Math.exp(-0.5) + Math.exp(0.25));
    assertEquals(lse - (-0.5), Loss.softmaxCrossEntropy(s, 1).data(), 1e-14);
    Value big = Loss.softmaxCrossEntropy(List.of(Value.of(1000.0), Value.of(0.0)), 1);
    assertEquals(1000.0, big.data(), 1e-12, "stable for huge logits");
    assertEquals(0.25 * (4 + 0.25 + 0.0625), Loss.l2(s, 0.25).data(), 1e-15);
    assertEquals(1.0 / 3, Loss.accuracy(s, pm), 1e-15, "2 > 0 agrees with +1; -0.5 and 0.25 disagree");
  }

  @Test
  void softmaxCrossEntropyRecomputesItsShiftOnEveryReplay() {
    // recorded at (0, 0), replayed at (1000, 0): a frozen shift of 0 would give e^1000 = Infinity
    dev.adjoint.Tape tape = dev.adjoint.Tape.record(new double[] {0, 0}, z -> Loss.softmaxCrossEntropy(z, 1));
    double[] g = new double[2];
    assertEquals(1000.0, tape.gradient(new double[] {1000, 0}, g), 1e-12);
    assertEquals(1.0, g[0], 1e-15);
    assertEquals(-1.0, g[1], 1e-15);
  }

  @Test
  void softmaxCrossEntropyGradientIsSoftmaxMinusOneHot() {
    List<Value> z = List.of(Value.of(0.3), Value.of(-1.2), Value.of(2.0));
    Loss.softmaxCrossEntropy(z, 2).backward();
    double sum = 0;
    for (Value v : z) sum += Math.exp(v.data());
    for (int i = 0; i < 3; i++) {
      assertEquals(Math.exp(z.get(i).data()) / sum - (i == 2 ? 1 : 0), z.get(i).grad(), 1e-14);
    }
  }

  @Test
  void badLossInput() {
    List<Value> s = List.of(Value.of(1));
    assertEquals("hinge: 1 predictions but 2 labels",
        assertThrows(IllegalArgumentException.class, () -> Loss.hinge(s, new double[2])).getMessage());
    assertEquals("binaryCrossEntropy: label 0 is -1.0, not 0 or 1",
        assertThrows(IllegalArgumentException.class, () -> Loss.binaryCrossEntropy(s, new double[] {-1})).getMessage());
    assertEquals("softmaxCrossEntropy: class 3 is outside 0..0",
        assertThrows(IllegalArgumentException.class, () -> Loss.softmaxCrossEntropy(s, 3)).getMessage());
  }

  @Test
  void sgdAndMomentumFollowTheirFormulas() {
    Value p = Value.of(1.0);
    SGD sgd = SGD.of(List.of(p), k -> 0.5 / (k + 1));
    p.times(p).backward(); // grad 2
    sgd.step();
    assertEquals(1.0 - 0.5 * 2, p.data());
    sgd.zeroGrad();
    assertEquals(0.0, p.grad());
    Value q = Value.of(1.0);
    SGD mom = SGD.withMomentum(List.of(q), LearningRate.constant(0.1), 0.9);
    q.times(3.0).backward();
    mom.step(); // v = 3
    assertEquals(1.0 - 0.3, q.data(), 1e-15);
    mom.step(); // v = 0.9*3 + 3 (grad not zeroed)
    assertEquals(1.0 - 0.3 - 0.1 * 5.7, q.data(), 1e-15);
    assertEquals(2, mom.steps());
  }

  @Test
  void adamFollowsItsFormula() {
    Value p = Value.of(2.0);
    Adam adam = Adam.of(List.of(p), 0.1);
    p.times(p).backward(); // g = 4
    adam.step();
    // first step: m̂ = g, v̂ = g², update = lr * g / (|g| + eps)
    assertEquals(2.0 - 0.1 * 4 / (4 + 1e-8), p.data(), 1e-15);
    assertThrows(IllegalArgumentException.class, () -> Adam.of(List.of(p), LearningRate.constant(0.1), 1.0, 0.9, 1e-8));
  }

  @Test
  void learningRateSchedules() {
    LearningRate lin = LearningRate.linear(1.0, 0.1, 100);
    assertEquals(1.0, lin.at(0));
    assertEquals(0.55, lin.at(50), 1e-15);
    assertEquals(0.1, lin.at(100), 1e-15);
    assertEquals(0.1, lin.at(1000));
    assertEquals(0.3, LearningRate.constant(0.3).at(7));
  }

  @Test
  void moonsFollowsTheRecipeAndRepeats() {
    Dataset d = Dataset.moons(100, 0.0, 1);
    assertEquals(100, d.size());
    assertEquals(2, d.features());
    int pos = 0;
    for (int i = 0; i < d.size(); i++) {
      double[] x = d.x(i);
      if (d.y(i) > 0) {
        pos++;
        assertEquals(1.0, Math.hypot(x[0] - 1, x[1] - 0.5), 1e-12, "inner moon: centre (1, 0.5)");
      } else {
        assertEquals(1.0, Math.hypot(x[0], x[1]), 1e-12, "outer moon: unit circle");
        assertTrue(x[1] >= -1e-12);
      }
    }
    assertEquals(50, pos);
    Dataset a = Dataset.moons(50, 0.1, 42), b = Dataset.moons(50, 0.1, 42);
    for (int i = 0; i < 50; i++) assertArrayEquals(a.x(i), b.x(i), 0.0);
  }

  @Test
  void csvLoadsAndNamesBadLines(@TempDir Path dir) throws IOException {
    Path ok = dir.resolve("ok.csv");
    Files.writeString(ok, "x1,x2,label\n1.5,2,-1\n\n-3,4e-1,1\n");
    Dataset d = Dataset.csv(ok);
    assertEquals(2, d.size());
    assertArrayEquals(new double[] {-3, 0.4}, d.x(1), 0.0);
    assertArrayEquals(new double[] {-1, 1}, d.labels(), 0.0);
    Path bad = dir.resolve("bad.csv");
    Files.writeString(bad, "x1,x2,label\n1,2,1\n1,oops,1\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Dataset.csv(bad));
    assertEquals(bad + ":3: column 2 is not a number: 'oops'", e.getMessage());
    Files.writeString(bad, "x1,x2,label\n1,2\n");
    e = assertThrows(IllegalArgumentException.class, () -> Dataset.csv(bad));
    assertEquals(bad + ":2: expected 3 columns, got 2: '1,2'", e.getMessage());
  }

  @Test
  void csvWithoutAHeaderKeepsItsFirstRowAndSaysSoExplicitly(@TempDir Path dir) throws IOException {
    Path f = dir.resolve("plain.csv");
    Files.writeString(f, "1.5,2,-1\n-3,4e-1,1\n");
    assertEquals(2, Dataset.csv(f).size(), "a first line of numbers is data");
    assertEquals(2, Dataset.csv(f, false).size());
    assertEquals(1, Dataset.csv(f, true).size(), "told there is a header, it skips the first line");
    Path h = dir.resolve("header.csv");
    Files.writeString(h, "x1,x2,label\n1.5,2,-1\n");
    assertArrayEquals(new double[] {1.5, 2}, Dataset.csv(h).x(0), 0.0);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Dataset.csv(h, false));
    assertEquals(h + ":1: column 1 is not a number: 'x1'", e.getMessage());
  }

  @Test
  void csvRejectsNonFiniteAndNonDecimalNumbersNamingFileLineAndColumn(@TempDir Path dir) throws IOException {
    Path f = dir.resolve("bad.csv");
    String[][] cases = {{"NaN", "not a number"}, {"Infinity", "not a number"}, {"-Infinity", "not a number"},
        {"1e999", "not a finite number (out of range)"}, {"0x1p3", "not a number"}, {"1d", "not a number"}, {"", "not a number"}};
    for (String[] c : cases) {
      Files.writeString(f, "x1,x2,label\n1,2,1\n3," + c[0] + ",-1\n");
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Dataset.csv(f), c[0]);
      assertEquals(f + ":3: column 2 is " + c[1] + ": '" + c[0] + "'", e.getMessage());
    }
    Files.writeString(f, "x1,label\n");
    assertEquals(f + ": no data rows after the header line", assertThrows(IllegalArgumentException.class, () -> Dataset.csv(f)).getMessage());
    assertEquals("Dataset: feature 1 of row 0 is NaN",
        assertThrows(IllegalArgumentException.class, () -> Dataset.of(new double[][] {{0, Double.NaN}}, new double[] {1})).getMessage());
  }

  @Test
  void xorConverges() {
    Dataset xor = Dataset.xor();
    MLP model = MLP.random(new Random(3), 2, 4, 4, 1);
    Optimizer opt = SGD.withMomentum(model.parameters(), LearningRate.constant(0.05), 0.9);
    Value loss = null;
    for (int k = 0; k < 500; k++) {
      loss = Loss.mse(model.scores(xor), xor.labels());
      opt.zeroGrad();
      loss.backward();
      opt.step();
    }
    assertTrue(loss.data() < 1e-2, "loss " + loss.data());
    assertEquals(1.0, Loss.accuracy(model.scores(xor), xor.labels()));
  }

  @Test
  void moonsReachesFullAccuracyIn100Steps() {
    Dataset data = Dataset.moons(100, 0.1, 1);
    MLP model = new MLP(2, 16, 16, 1);
    SGD opt = SGD.of(model.parameters(), k -> 1.0 - 0.9 * k / 100);
    double acc = 0;
    for (int k = 0; k < 100; k++) {
      List<Value> scores = model.scores(data);
      Value loss = Loss.hinge(scores, data.labels()).plus(Loss.l2(model.parameters(), 1e-4));
      acc = Loss.accuracy(scores, data.labels());
      opt.zeroGrad();
      loss.backward();
      opt.step();
    }
    assertEquals(1.0, acc);
  }
}
