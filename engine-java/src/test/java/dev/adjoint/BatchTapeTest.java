package dev.adjoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.nn.Dataset;
import dev.adjoint.nn.Loss;
import dev.adjoint.nn.MLP;
import dev.adjoint.nn.SGD;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class BatchTapeTest {
  /**
   * A random row function over shared leaves p (each an operand exactly once, as weights are) and
   * row leaves x (used freely), with every op; its shape depends only on the seed.
   */
  static Function<List<Value>, Value> rowProgram(long seed, List<Value> p) {
    return x -> {
      Random r = new Random(seed);
      List<Value> pool = new ArrayList<>(x);
      pool.add(Value.of(0.75));
      for (Value w : p) {
        Value a = pool.get(r.nextInt(pool.size()));
        switch (r.nextInt(4)) {
          case 0: pool.add(a.times(w)); break;
          case 1: pool.add(w.plus(a)); break;
          case 2: pool.add(Value.dot(List.of(a, a), List.of(w, Value.of(0.5)))); break;
          default: pool.add(w.tanh().times(a)); break;
        }
      }
      for (int i = 0; i < 30; i++) {
        Value a = pool.get(r.nextInt(pool.size())), b = pool.get(r.nextInt(pool.size()));
        Value v = TapeTest.randomOp(r, a, b);
        pool.add(v);
      }
      return Value.sum(pool.subList(pool.size() - 4, pool.size()));
    };
  }

  /** Losses that reach the rows in different orders; some add a regulariser over the shared leaves last. */
  static Function<List<Value>, Value> reduction(int kind, List<Value> p) {
    switch (kind) {
      case 0: return s -> Loss.mean(s);
      case 1: return s -> { // reaches the rows last to first
        List<Value> rev = new ArrayList<>(s);
        java.util.Collections.reverse(rev);
        return Value.sum(rev).plus(Loss.l2(p, 1e-3));
      };
      case 2: return s -> { // a shuffled order, squares
        List<Value> t = new ArrayList<>();
        for (Value v : s) t.add(v.pow(2));
        java.util.Collections.shuffle(t, new Random(s.size()));
        return Loss.mean(t).plus(Loss.l2(p, 0.5));
      };
      default: return s -> {
        double[] y = new double[s.size()];
        for (int i = 0; i < y.length; i++) y[i] = i % 2 == 0 ? 1 : -1;
        return Loss.hinge(s, y).plus(Loss.l2(p, 1e-4));
      };
    }
  }

  /** The whole graph, rebuilt: fresh row leaves and row nodes for every row; the loss's backward. */
  static double wholeGraph(Function<List<Value>, Value> f, double[][] rows, Function<List<Value>, Value> reduce, double[] outputs) {
    List<Value> outs = new ArrayList<>();
    for (double[] row : rows) {
      List<Value> x = new ArrayList<>();
      for (double v : row) x.add(Value.of(v));
      outs.add(f.apply(x));
    }
    Value loss = reduce.apply(outs);
    loss.backward();
    for (int r = 0; r < rows.length; r++) outputs[r] = outs.get(r).data();
    return loss.data();
  }

  static List<Value> leaves(Random r, int n) {
    List<Value> p = new ArrayList<>();
    for (int i = 0; i < n; i++) p.add(Value.of(r.nextDouble() * 2 - 1));
    return p;
  }

  static double[][] rows(Random r, int n, int width) {
    double[][] rows = new double[n][width];
    for (double[] row : rows) for (int q = 0; q < width; q++) row[q] = r.nextDouble() * 4 - 2;
    return rows;
  }

  @Test
  void replaysEqualTheWholeGraphBitwiseOnRandomRowFunctionsAndLosses() {
    Random r = new Random(11);
    for (int seed = 0; seed < 120; seed++) {
      List<Value> p = leaves(r, 5);
      Function<List<Value>, Value> f = rowProgram(seed, p);
      Function<List<Value>, Value> reduce = reduction(seed % 4, p);
      double[][] rows = rows(r, 1 + r.nextInt(9), 3);
      List<Value> placeholders = leaves(r, 3);
      BatchTape tape = BatchTape.record(p, placeholders, f.apply(placeholders), rows, reduce);
      double[] recorded = new double[rows.length];
      wholeGraph(f, rows, reduce, recorded);
      for (int k = 0; k < rows.length; k++) assertEquals(recorded[k], tape.output(k), 0.0, "row " + k + " before any replay");
      for (int trial = 0; trial < 4; trial++) {
        for (Value w : p) w.setData(r.nextDouble() * 2 - 1);
        double[] want = new double[rows.length], grads = new double[p.size()];
        for (Value w : p) w.zeroGrad();
        double loss = wholeGraph(f, rows, reduce, want);
        for (int i = 0; i < p.size(); i++) grads[i] = p.get(i).grad();
        for (Value w : p) w.zeroGrad();
        assertEquals(loss, tape.backward(), 0.0, "loss, program " + seed);
        assertEquals(loss, tape.value(), 0.0);
        for (int i = 0; i < p.size(); i++) assertEquals(grads[i], p.get(i).grad(), 0.0, "d/dp" + i + ", program " + seed);
        for (int k = 0; k < rows.length; k++) assertEquals(want[k], tape.output(k), 0.0, "row " + k + ", program " + seed);
      }
    }
  }

  @Test
  void trainingAnMlpMatchesDefineByRunBitwiseStepAfterStep() {
    Dataset data = Dataset.moons(60, 0.1, 3);
    MLP a = MLP.random(new Random(7), 2, 8, 8, 1), b = MLP.random(new Random(7), 2, 8, 8, 1);
    double[][] rows = new double[data.size()][];
    for (int i = 0; i < rows.length; i++) rows[i] = data.x(i);
    List<Value> x = List.of(Value.of(0), Value.of(0));
    BatchTape tape = BatchTape.record(b.parameters(), x, b.apply(x).get(0), rows,
        s -> Loss.hinge(s, data.labels()).plus(Loss.l2(b.parameters(), 1e-4)));
    for (int step = 0; step < 20; step++) {
      List<Value> scores = a.scores(data);
      Value loss = Loss.hinge(scores, data.labels()).plus(Loss.l2(a.parameters(), 1e-4));
      for (Value w : a.parameters()) w.zeroGrad();
      loss.backward();
      for (Value w : b.parameters()) w.zeroGrad();
      assertEquals(loss.data(), tape.backward(), 0.0, "loss at step " + step);
      for (int k = 0; k < rows.length; k++) assertEquals(scores.get(k).data(), tape.output(k), 0.0);
      for (int i = 0; i < a.parameters().size(); i++) {
        Value pa = a.parameters().get(i), pb = b.parameters().get(i);
        assertEquals(pa.grad(), pb.grad(), 0.0, "parameter " + i + " at step " + step);
        pa.setData(pa.data() - 0.1 * pa.grad());
        pb.setData(pb.data() - 0.1 * pb.grad());
      }
    }
  }

  @Test
  void readmeExample() {
    // readme:batch-tape
    MLP model = new MLP(2, 16, 16, 1);
    Dataset data = Dataset.moons(100, 0.1, 42);
    List<Value> row = List.of(Value.of(0.0), Value.of(0.0)); // stand-ins for one row's features
    double[][] rows = new double[data.size()][];
    for (int i = 0; i < rows.length; i++) rows[i] = data.x(i);
    BatchTape tape = BatchTape.record(model.parameters(), row, model.apply(row).get(0), rows,
        scores -> Loss.hinge(scores, data.labels()).plus(Loss.l2(model.parameters(), 1e-4)));
    SGD optimizer = SGD.of(model.parameters(), k -> 1.0 - 0.9 * k / 100);
    for (int k = 0; k < 100; k++) {
      optimizer.zeroGrad();
      double loss = tape.backward(); // the loss and gradients of rebuilding the graph, bitwise
      optimizer.step();
    }
    // readme:end
    int right = 0;
    for (int i = 0; i < rows.length; i++) if ((tape.output(i) > 0) == (data.y(i) > 0)) right++;
    assertEquals(100, right, "the README example learns the moons");
  }

  @Test
  void backwardAddsToGradientsAlreadyThere() {
    Random r = new Random(2);
    List<Value> p = leaves(r, 5);
    Function<List<Value>, Value> f = rowProgram(4, p);
    double[][] rows = rows(r, 6, 3);
    List<Value> x = leaves(r, 3);
    BatchTape tape = BatchTape.record(p, x, f.apply(x), rows, reduction(3, p));
    for (Value w : p) w.zeroGrad();
    tape.backward();
    double[] once = new double[5];
    for (int i = 0; i < 5; i++) once[i] = p.get(i).grad();
    tape.backward();
    for (int i = 0; i < 5; i++) assertEquals(once[i] + once[i], p.get(i).grad(), 0.0);
  }

  @Test
  void nonFiniteRowsPropagateAsInTheWholeGraph() {
    List<Value> p = List.of(Value.of(0.5), Value.of(-1.0));
    Function<List<Value>, Value> f = x -> x.get(0).log().times(p.get(0)).plus(x.get(1).sqrt().times(p.get(1)));
    double[][] rows = {{1.0, 4.0}, {0.0, 1.0}, {-1.0, 0.0}, {2.0, 9.0}};
    Function<List<Value>, Value> reduce = s -> Loss.mean(s);
    List<Value> x = List.of(Value.of(1), Value.of(1));
    BatchTape tape = BatchTape.record(p, x, f.apply(x), rows, reduce);
    double[] want = new double[4];
    double loss = wholeGraph(f, rows, reduce, want);
    double g0 = p.get(0).grad(), g1 = p.get(1).grad();
    p.get(0).zeroGrad();
    p.get(1).zeroGrad();
    assertEquals(loss, tape.backward(), 0.0);
    assertEquals(g0, p.get(0).grad(), 0.0);
    assertEquals(g1, p.get(1).grad(), 0.0);
    assertTrue(Double.isNaN(tape.output(2)));
  }

  @Test
  void whatCannotBeReplayedExactlyIsRefusedWithTheReason() {
    List<Value> p = List.of(Value.of(0.5), Value.of(2.0));
    List<Value> x = List.of(Value.of(1.0));
    double[][] rows = {{1.0}, {2.0}};
    Value twice = x.get(0).times(p.get(0)).plus(p.get(0).times(p.get(1)));
    var e = assertThrows(IllegalArgumentException.class, () -> BatchTape.record(p, x, twice, rows, Loss::mean));
    assertTrue(e.getMessage().contains("shared leaf 0") && e.getMessage().contains("2 times"), e.getMessage());

    Value y = x.get(0).times(p.get(0)).plus(p.get(1));
    e = assertThrows(IllegalArgumentException.class, () -> BatchTape.record(p, x, y, rows, s -> s.get(0).times(2.0)));
    assertTrue(e.getMessage().contains("row 1"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> BatchTape.record(p, x, y, rows, s -> Loss.l2(p, 1.0).plus(Loss.mean(s))));
    assertTrue(e.getMessage().contains("uses shared leaf 0 before"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> BatchTape.record(p, x, y, rows, s -> Loss.mean(s).times(x.get(0))));
    assertTrue(e.getMessage().contains("uses row leaf 0"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> BatchTape.record(p, x, y, new double[][] {{1.0}, {1.0, 2.0}}, Loss::mean));
    assertTrue(e.getMessage().contains("row 1 has 2 values, expected 1"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> BatchTape.record(p, x, p.get(0), rows, Loss::mean));
    assertTrue(e.getMessage().contains("leaf"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> BatchTape.record(p, List.of(y), y, rows, Loss::mean));
    assertTrue(e.getMessage().contains("not a leaf"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> BatchTape.record(p, x, y, new double[0][], Loss::mean));
    assertTrue(e.getMessage().contains("no rows"), e.getMessage());
    assertThrows(IndexOutOfBoundsException.class, () -> BatchTape.record(p, x, y, rows, Loss::mean).output(2));
  }

  @Test
  void replaysAllocateNothing() {
    Random r = new Random(3);
    List<Value> p = leaves(r, 5);
    List<Value> x = leaves(r, 3);
    BatchTape tape = BatchTape.record(p, x, rowProgram(9, p).apply(x), rows(r, 20, 3), reduction(3, p));
    for (int i = 0; i < 5_000; i++) tape.backward(); // warm up: compile the loops
    var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long id = Thread.currentThread().getId();
    long before = mx.getThreadAllocatedBytes(id);
    for (int i = 0; i < 2_000; i++) tape.backward();
    long after = mx.getThreadAllocatedBytes(id);
    assertTrue(after - before < 10_000, "2,000 replays allocated " + (after - before) + " bytes");
  }
}
