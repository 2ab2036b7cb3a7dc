package dev.adjoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.adjoint.nn.Dataset;
import dev.adjoint.nn.Loss;
import dev.adjoint.nn.MLP;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Data-parallel replays: rows exact, shared gradients fixed by the shard count alone. */
class BatchShardsTest {
  /** Trains a fresh 2-16-16-1 MLP for a few steps on a sharded tape; returns every step's loss and gradients. */
  static double[][] train(int shards, Dataset data, double[][] rows, List<Double> outputs) {
    MLP model = MLP.random(new Random(21), 2, 16, 16, 1);
    List<Value> x = List.of(Value.of(0), Value.of(0));
    BatchTape tape = BatchTape.record(model.parameters(), x, model.apply(x).get(0), rows,
        s -> Loss.hinge(s, data.labels()).plus(Loss.l2(model.parameters(), 1e-4)), shards);
    List<Value> p = model.parameters();
    double[][] steps = new double[4][p.size() + 1];
    for (int step = 0; step < steps.length; step++) {
      for (Value w : p) w.zeroGrad();
      steps[step][p.size()] = tape.backward();
      for (int i = 0; i < p.size(); i++) steps[step][i] = p.get(i).grad();
      for (int k = 0; k < rows.length; k++) outputs.add(tape.output(k));
      for (Value w : p) w.setData(w.data() - 0.3 * w.grad());
    }
    return steps;
  }

  @Test
  void shardsGiveExactRowsAndGradientsThatDependOnTheShardCountAlone() {
    // 2,500 rows × 99 op nodes: above the size from which shards run on threads
    Dataset data = Dataset.moons(2500, 0.1, 9);
    double[][] rows = new double[data.size()][];
    for (int i = 0; i < rows.length; i++) rows[i] = data.x(i);
    List<Double> outputs1 = new ArrayList<>();
    double[][] one = train(1, data, rows, outputs1);
    for (int shards : new int[] {2, 3, 7}) {
      List<Double> outputsA = new ArrayList<>(), outputsB = new ArrayList<>();
      double[][] a = train(shards, data, rows, outputsA), b = train(shards, data, rows, outputsB);
      for (int step = 0; step < a.length; step++) {
        assertArrayEquals(a[step], b[step], 0.0, shards + " shards, step " + step + ": the same shard count, the same bits");
        for (int i = 0; i < a[step].length; i++) {
          assertEquals(one[step][i], a[step][i], 1e-12 * (1 + Math.abs(one[step][i])), shards + " shards, step " + step + ", " + i);
        }
      }
      // the first step starts from the same weights: every row's output is exact, and so is the loss
      for (int k = 0; k < rows.length; k++) assertEquals(outputs1.get(k), outputsA.get(k), 0.0, "row " + k);
      assertEquals(one[0][one[0].length - 1], a[0][a[0].length - 1], 0.0, "loss at the first step");
    }
  }

  @Test
  void smallBatchesRunTheirShardsOnTheCallingThreadWithTheSameResults() {
    Random r = new Random(3);
    List<Value> p = BatchTapeTest.leaves(r, 5);
    Function<List<Value>, Value> f = BatchTapeTest.rowProgram(4, p);
    double[][] rows = BatchTapeTest.rows(r, 9, 3);
    List<Value> placeholders = BatchTapeTest.leaves(r, 3);
    BatchTape one = BatchTape.record(p, placeholders, f.apply(placeholders), rows, BatchTapeTest.reduction(1, p));
    BatchTape three = BatchTape.record(p, placeholders, f.apply(placeholders), rows, BatchTapeTest.reduction(1, p), 3);
    BatchTape nine = BatchTape.record(p, placeholders, f.apply(placeholders), rows, BatchTapeTest.reduction(1, p), 9);
    double[] g1 = new double[p.size()], g3 = new double[p.size()], g9 = new double[p.size()];
    for (BatchTape t : new BatchTape[] {one, three, nine}) {
      for (Value w : p) w.zeroGrad();
      double loss = t.backward();
      assertEquals(one.value(), loss, 0.0, "the loss from exact rows");
      double[] g = t == one ? g1 : t == three ? g3 : g9;
      for (int i = 0; i < p.size(); i++) g[i] = p.get(i).grad();
      for (int k = 0; k < rows.length; k++) assertEquals(one.output(k), t.output(k), 0.0);
    }
    for (int i = 0; i < p.size(); i++) {
      assertEquals(g1[i], g3[i], 1e-12 * (1 + Math.abs(g1[i])));
      assertEquals(g1[i], g9[i], 1e-12 * (1 + Math.abs(g1[i])));
    }
  }

  @Test
  void theShardCountMustBeBetweenOneAndTheRows() {
    List<Value> x = List.of(Value.of(0));
    Value w = Value.of(2);
    Value out = w.times(x.get(0));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> BatchTape.record(List.of(w), x, out, new double[][] {{1}, {2}}, Loss::mean, 3));
    assertEquals("BatchTape.record: shards must be in 1..2 (the rows), was 3", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> BatchTape.record(List.of(w), x, out, new double[][] {{1}}, Loss::mean, 0));
  }

  @Test
  void readmeExample() {
    MLP model = new MLP(2, 16, 16, 1);
    Dataset data = Dataset.moons(1000, 0.1, 42);
    List<Value> row = List.of(Value.of(0.0), Value.of(0.0));
    double[][] rows = new double[data.size()][];
    for (int i = 0; i < rows.length; i++) rows[i] = data.x(i);
    // readme:batch-shards
    BatchTape tape = BatchTape.record(model.parameters(), row, model.apply(row).get(0), rows,
        scores -> Loss.hinge(scores, data.labels()).plus(Loss.l2(model.parameters(), 1e-4)),
        2); // two shards of 500 rows, on two threads; the same bits on every run
    double loss = tape.backward();
    // readme:end
    BatchTape plain = BatchTape.record(model.parameters(), row, model.apply(row).get(0), rows,
        scores -> Loss.hinge(scores, data.labels()).plus(Loss.l2(model.parameters(), 1e-4)));
    assertEquals(plain.value(), loss, 0.0, "the rows, and so the loss, are exact");
  }
}
