package dev.adjoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class TapeTest {
  /** A random program with shared nodes and every op; its shape depends only on the seed. */
  static Function<List<Value>, Value> program(long seed) {
    return xs -> {
      Random r = new Random(seed);
      List<Value> pool = new ArrayList<>(xs);
      for (int i = 0; i < 60; i++) {
        Value a = pool.get(r.nextInt(pool.size())), b = pool.get(r.nextInt(pool.size()));
        Value v = randomOp(r, a, b);
        pool.add(v);
      }
      return Value.sum(pool.subList(pool.size() - 5, pool.size()));
    };
  }

  /** The last five nodes of the same random program as {@link #program}, as five outputs. */
  static Function<List<Value>, List<Value>> outputs(long seed) {
    return xs -> {
      Value sum = program(seed).apply(xs);
      return List.copyOf(sum.inputs());
    };
  }

  /** One of a dozen small expressions over a and b, chosen by r, covering every op. */
  static Value randomOp(Random r, Value a, Value b) {
    switch (r.nextInt(12)) {
      case 0: return a.plus(b);
      case 1: return a.times(b).tanh();
      case 2: return a.minus(b).sin();
      case 3: return Value.dot(List.of(a, b, a), List.of(b, a, a)).sigmoid();
      case 4: return a.times(0.5).exp().minus(1.0);
      case 5: return Value.sum(List.of(a, b, a)).cos();
      case 6: return a.div(b.abs().plus(0.5));
      case 7: return a.abs().plus(0.1).pow(b.cos());
      case 8: return a.times(a).plus(1.0).log().sqrt();
      case 9: return a.relu().plus(b.unaryMinus());
      case 10: return a.pow(3).times(0.1).minus(b.pow(2));
      default: return Value.of(1.5).minus(a).times(b);
    }
  }

  static double[] point(Random r, int n) {
    double[] x = new double[n];
    for (int i = 0; i < n; i++) x[i] = r.nextDouble() * 4 - 2;
    return x;
  }

  @Test
  void replayEqualsDefineByRunBitwiseAtNewInputs() {
    Random r = new Random(5);
    for (int seed = 0; seed < 200; seed++) {
      Function<List<Value>, Value> f = program(seed);
      Tape tape = Tape.record(point(r, 4), f);
      for (int trial = 0; trial < 5; trial++) {
        double[] x = point(r, 4);
        List<Value> leaves = new ArrayList<>();
        for (double v : x) leaves.add(Value.of(v));
        Value out = f.apply(leaves);
        out.backward();
        double[] g = new double[4];
        double y = tape.gradient(x, g);
        assertEquals(out.data(), y, 0.0, "value, program " + seed);
        assertEquals(out.data(), tape.value(x), 0.0);
        for (int i = 0; i < 4; i++) assertEquals(leaves.get(i).grad(), g[i], 0.0, "d/dx" + i + ", program " + seed);
      }
    }
  }

  @Test
  void jacobianRowsAndTangentsEqualEachOutputsOwnSweepsBitwise() {
    Random r = new Random(8);
    for (int seed = 0; seed < 100; seed++) {
      double[] x = point(r, 4), v = point(r, 4);
      double[][] jac = Derivatives.jacobianReverse(outputs(seed), x);
      double[] jv = Derivatives.jvpVector(outputs(seed), x, v);
      for (int k = 0; k < 5; k++) {
        List<Value> leaves = Derivatives.leaves(x);
        Value out = outputs(seed).apply(leaves).get(k);
        out.backward();
        for (int i = 0; i < 4; i++) assertEquals(leaves.get(i).grad(), jac[k][i], 0.0, "program " + seed + ", row " + k);
        assertEquals(Derivatives.jvp(out, leaves, v), jv[k], 0.0, "program " + seed + ", output " + k);
      }
    }
  }

  @Test
  void outputZerosGradientIgnoresTheOtherOutputs() {
    Value a = Value.of(2), b = Value.of(Double.POSITIVE_INFINITY);
    Value s = a.times(3.0), t = s.times(b); // t's adjoint is 0 in output 0's sweep, and 0 · ∞ is NaN
    Tape tape = Tape.record(List.of(a, b), List.of(s, t));
    double[] g = new double[2];
    tape.gradient(new double[] {2, Double.POSITIVE_INFINITY}, g);
    assertArrayEquals(new double[] {3, 0}, g, 0.0);
  }

  @Test
  void readmeExample() {
    // readme:java-tape
    Tape tape = Tape.record(new double[] {1.0, 2.0}, x -> x.get(0).times(x.get(1)).sin());
    double[] grad = new double[2];
    double y = tape.gradient(new double[] {0.5, -1.5}, grad);   // replays with new inputs
    double[] hv = new double[2];
    tape.hvp(new double[] {0.5, -1.5}, new double[] {1.0, 0.0}, hv, null);  // Hessian · (1, 0)
    // readme:end
    assertEquals(Math.sin(-0.75), y, 0.0);
    assertEquals(-1.5 * Math.cos(-0.75), grad[0], 1e-15);
    assertEquals(-1.5 * -1.5 * -Math.sin(-0.75), hv[0], 1e-15);
    assertEquals(Math.cos(-0.75) - (0.5 * -1.5) * Math.sin(-0.75), hv[1], 1e-15); // cos(xy) - xy sin(xy)
  }

  @Test
  void backwardAddsToTheRecordedLeavesLikeValueBackward() {
    List<Value> xs = List.of(Value.of(0.3), Value.of(-1.2), Value.of(2.0));
    Value out = program(11).apply(xs);
    Tape tape = Tape.record(xs, out);
    xs.get(0).setData(0.7);
    xs.get(2).setData(-0.4);
    double y = tape.backward();
    double y2 = tape.backward();
    List<Value> fresh = List.of(Value.of(0.7), Value.of(-1.2), Value.of(-0.4));
    Value ref = program(11).apply(fresh);
    ref.backward();
    ref.backward();
    assertEquals(ref.data(), y, 0.0);
    assertEquals(y, y2, 0.0);
    for (int i = 0; i < 3; i++) assertEquals(fresh.get(i).grad(), xs.get(i).grad(), 0.0, "input " + i);
  }

  @Test
  void severalOutputsConstantsAndUnusedInputs() {
    Value a = Value.of(2), b = Value.of(3), unused = Value.of(9), c = Value.of(10);
    Value s = a.times(b).plus(c); // c is a constant of the tape
    Value t = a.sin();
    Tape tape = Tape.record(List.of(a, b, unused), List.of(s, t, a));
    assertEquals(3, tape.outputs());
    assertEquals(3, tape.inputs());
    double[] g = new double[3];
    assertEquals(4 * 5 + 10, tape.gradient(new double[] {4, 5, 1}, g), 0.0);
    assertArrayEquals(new double[] {5, 4, 0}, g, 0.0);
    assertEquals(Math.sin(4), tape.output(1), 0.0);
    assertEquals(4.0, tape.output(2), 0.0, "an input can be an output");
    assertEquals(3, tape.operations(), "*, + and sin: the joint root of several outputs is not recorded");
    Tape other = tape.copy();
    other.value(new double[] {1, 1, 1});
    assertEquals(Math.sin(4), tape.output(1), 0.0, "a copy has its own working arrays");
    assertThrows(IndexOutOfBoundsException.class, () -> tape.output(3));
  }

  @Test
  void badInputIsNamed() {
    Value a = Value.of(1), b = a.times(2.0);
    assertEquals("record: input 1 is a '*' node, not a leaf",
        assertThrows(IllegalArgumentException.class, () -> Tape.record(List.of(a, b), b)).getMessage());
    assertEquals("record: input 1 appears twice",
        assertThrows(IllegalArgumentException.class, () -> Tape.record(List.of(a, a), b)).getMessage());
    assertEquals("record: no outputs",
        assertThrows(IllegalArgumentException.class, () -> Tape.record(List.of(a), List.of())).getMessage());
    Tape t = Tape.record(List.of(a), b);
    assertEquals("value: expected 1 inputs, got 2",
        assertThrows(IllegalArgumentException.class, () -> t.value(new double[2])).getMessage());
    assertEquals("gradient: gradOut has size 3, the tape has 1 inputs",
        assertThrows(IllegalArgumentException.class, () -> t.gradient(new double[1], new double[3])).getMessage());
  }

  @Test
  void twentyFourBytesPerBinaryOp() {
    int n = 100_000;
    Tape tape = Tape.record(new double[] {1.0, 2.0}, xs -> {
      Value v = xs.get(0);
      for (int i = 0; i < n; i++) v = v.times(xs.get(1));
      return v;
    });
    assertEquals(n, tape.operations());
    double perOp = (double) tape.bytes() / tape.operations();
    assertTrue(perOp <= 24.01, perOp + " bytes per binary op");
  }

  @Test
  void replaysAllocateNothing() {
    Tape tape = Tape.record(new double[] {0.1, 0.2, 0.3, 0.4}, program(3));
    double[] x = {0.5, -0.5, 1.5, 0.25}, g = new double[4];
    for (int i = 0; i < 20_000; i++) tape.gradient(x, g); // warm up: compile the loops
    var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long id = Thread.currentThread().getId();
    long before = mx.getThreadAllocatedBytes(id);
    for (int i = 0; i < 10_000; i++) tape.gradient(x, g);
    long after = mx.getThreadAllocatedBytes(id);
    assertTrue(after - before < 10_000, "10,000 replays allocated " + (after - before) + " bytes");
  }
}
