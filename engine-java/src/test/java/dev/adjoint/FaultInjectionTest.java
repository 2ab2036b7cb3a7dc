package dev.adjoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.nn.Loss;
import dev.adjoint.nn.MLP;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Fault safety on every sweep: an {@link OutOfMemoryError} injected at each of a sweep's fault
 * points ({@link Faults}) leaves every graph and tape as it was (no gradient changed, outputs as
 * before) and the next call gives bitwise the results of a fresh one. On the first-round engine an
 * error in backward() left marks set and every later backward() gave zeros; on the previous main a
 * tape whose replay threw refused to give its outputs, and a batch tape's outputs were those of the
 * replay that failed half-way.
 */
class FaultInjectionTest {
  /** Runs body with an OutOfMemoryError thrown at the first pass (on this thread) through the named point; checks it was. */
  static void inject(String point, Executable body) {
    final Thread me = Thread.currentThread();
    final boolean[] fired = {false};
    Faults.hook = where -> {
      if (Thread.currentThread() == me && where.equals(point) && !fired[0]) {
        fired[0] = true;
        throw new OutOfMemoryError("injected at " + where);
      }
    };
    try {
      OutOfMemoryError e = assertThrows(OutOfMemoryError.class, body, point);
      assertEquals("injected at " + point, e.getMessage());
    } finally {
      Faults.hook = null;
    }
  }

  @Test
  void anErrorInsideValueBackwardLeavesEveryGradientAsItWas() {
    Value x = Value.of(2.0), w = Value.of(3.0);
    Value y = x.times(w).plus(x);
    y.backward();
    assertEquals(4.0, x.grad());
    inject("Value.backward", y::backward);
    assertEquals(4.0, x.grad(), "leaf gradients as they were");
    assertEquals(2.0, w.grad());
    assertEquals(1.0, y.grad());
    y.backward();
    assertEquals(8.0, x.grad(), "the graph works again");
    assertEquals(4.0, w.grad());
  }

  /** A replay of a tape at x, returning everything it gives (outputs, gradients) for bitwise comparison. */
  private interface Replay {
    double[] run(Tape t, double[] x);
  }

  private static final double[] V = {0.5, -1.5};
  private static final List<Object[]> REPLAYS = List.of(
      new Object[] {"value", new String[] {"Tape.forward"}, (Replay) (t, x) -> new double[] {t.value(x)}},
      new Object[] {"gradient", new String[] {"Tape.forward", "Tape.reverse"}, (Replay) (t, x) -> {
        double[] g = new double[2];
        return new double[] {t.gradient(x, g), g[0], g[1]};
      }},
      new Object[] {"jvp", new String[] {"Tape.forward", "Tape.tangents"}, (Replay) (t, x) -> new double[] {t.jvp(x, V), t.output(0)}},
      new Object[] {"hvp", new String[] {"Tape.forward", "Tape.tangents", "Tape.secondOrder"}, (Replay) (t, x) -> {
        double[] hv = new double[2], g = new double[2];
        return new double[] {t.hvp(x, V, hv, g), hv[0], hv[1], g[0], g[1]};
      }});

  private static Value f(List<Value> v) {
    Value a = v.get(0), b = v.get(1);
    return a.times(b).plus(a.sin()).plus(Value.sum(List.of(a, b, a.times(a))).tanh()).relu();
  }

  @Test
  void anErrorInsideAnyTapeReplayChangesNothingAndTheNextReplayIsExact() {
    double[] before = {0.7, 1.3}, after = {1.1, 0.4};
    for (boolean compiled : new boolean[] {false, true}) {
      for (Object[] r : REPLAYS) {
        Replay replay = (Replay) r[2];
        for (String point : (String[]) r[1]) {
          Tape tape = Tape.record(before, FaultInjectionTest::f);
          if (compiled) tape = tape.compile();
          Tape t = tape;
          double out = t.value(before);
          inject(point, () -> replay.run(t, after));
          String what = (compiled ? "compiled " : "") + r[0] + " at " + point;
          assertEquals(out, t.output(0), what + ": outputs as they were");
          assertArrayEquals(replay.run(Tape.record(before, FaultInjectionTest::f), after), replay.run(t, after), what);
        }
      }
    }
  }

  @Test
  void anErrorInsideTapeBackwardChangesNoGradient() {
    for (String point : new String[] {"Tape.forward", "Tape.reverse"}) {
      Value a = Value.of(0.7), b = Value.of(1.3);
      Tape tape = Tape.record(List.of(a, b), f(List.of(a, b)));
      tape.backward();
      double ga = a.grad(), gb = b.grad(), out = tape.output(0);
      a.setData(1.1);
      inject(point, tape::backward);
      assertEquals(ga, a.grad(), point);
      assertEquals(gb, b.grad(), point);
      assertEquals(out, tape.output(0), point);
      a.zeroGrad();
      b.zeroGrad();
      Value c = Value.of(1.1), d = Value.of(1.3);
      f(List.of(c, d)).backward();
      assertEquals(c.data() == 0 ? 0 : f(List.of(c, d)).data(), tape.backward(), point);
      assertEquals(c.grad(), a.grad(), point);
      assertEquals(d.grad(), b.grad(), point);
    }
  }

  @Test
  void anErrorInsideBatchTapeReplaysChangesNothingAndTheNextIsExact() {
    String[] points = {"BatchTape.forward", "Tape.forward", "Tape.reverse", "BatchTape.reverse"};
    double[][] rows = new double[12][];
    Random random = new Random(3);
    double[] labels = new double[rows.length];
    for (int r = 0; r < rows.length; r++) {
      rows[r] = new double[] {random.nextGaussian(), random.nextGaussian()};
      labels[r] = r % 2 == 0 ? 1 : -1;
    }
    for (int shards : new int[] {1, 3}) {
      for (String point : points) {
        MLP model = MLP.random(new Random(5), 2, 6, 6, 1), fresh = MLP.random(new Random(5), 2, 6, 6, 1);
        BatchTape tape = record(model, rows, labels, shards), reference = record(fresh, rows, labels, shards);
        List<Value> p = model.parameters(), q = fresh.parameters();
        tape.backward();
        double[] grads = grads(p), outputs = outputs(tape);
        for (int i = 0; i < p.size(); i++) {
          p.get(i).setData(p.get(i).data() * 0.9);
          q.get(i).setData(p.get(i).data());
        }
        String what = shards + " shards, " + point;
        inject(point, tape::backward);
        assertArrayEquals(grads, grads(p), what + ": no gradient changed");
        assertArrayEquals(outputs, outputs(tape), what + ": outputs as they were");
        if (!point.equals("Tape.reverse") && !point.equals("BatchTape.reverse")) {
          inject(point, tape::value);
          assertArrayEquals(outputs, outputs(tape), what + ": value() left the outputs as they were");
        }
        for (Value w : p) w.zeroGrad();
        assertEquals(reference.backward(), tape.backward(), what);
        assertArrayEquals(grads(q), grads(p), what + ": the next backward is exact");
        assertArrayEquals(outputs(reference), outputs(tape), what);
      }
    }
  }

  private static BatchTape record(MLP model, double[][] rows, double[] labels, int shards) {
    List<Value> x = List.of(Value.of(0), Value.of(0));
    return BatchTape.record(model.parameters(), x, model.apply(x).get(0), rows,
        s -> Loss.hinge(s, labels).plus(Loss.l2(model.parameters(), 1e-3)), shards);
  }

  private static double[] grads(List<Value> p) {
    double[] g = new double[p.size()];
    for (int i = 0; i < g.length; i++) g[i] = p.get(i).grad();
    return g;
  }

  private static double[] outputs(BatchTape t) {
    double[] o = new double[t.rows()];
    for (int r = 0; r < o.length; r++) o[r] = t.output(r);
    return o;
  }

  @Test
  void anErrorInsideDerivativesLeavesNoTraceAndTheNextCallIsExact() {
    Value c = Value.of(0.25);
    Function<List<Value>, Value> g = v -> f(v).times(c);
    double[] x = {0.7, 1.3};
    double[] grad = Derivatives.gradient(g, x), hv = Derivatives.hvp(g, x, V);
    double jv = Derivatives.jvp(g, x, V);
    double[][] h = Derivatives.hessian(g, x);
    inject("Tape.reverse", () -> Derivatives.gradient(g, x));
    inject("Tape.tangents", () -> Derivatives.jvp(g, x, V));
    inject("Tape.secondOrder", () -> Derivatives.hvp(g, x, V));
    inject("Tape.secondOrder", () -> Derivatives.hessian(g, x));
    assertEquals(0.0, c.grad(), "no gradient on the caller's values");
    assertArrayEquals(grad, Derivatives.gradient(g, x));
    assertEquals(jv, Derivatives.jvp(g, x, V));
    assertArrayEquals(hv, Derivatives.hvp(g, x, V));
    for (int i = 0; i < h.length; i++) assertArrayEquals(h[i], Derivatives.hessian(g, x)[i]);
  }

  @Test
  void everySweepHasAFaultPoint() {
    List<String> seen = new ArrayList<>();
    final Thread me = Thread.currentThread();
    Faults.hook = where -> {
      if (Thread.currentThread() == me) seen.add(where);
    };
    try {
      Tape t = Tape.record(new double[] {1, 2}, FaultInjectionTest::f);
      t.hvp(new double[] {1, 2}, V, new double[2], null);
      t.gradient(new double[] {1, 2}, new double[2]);
      Value a = Value.of(1);
      a.exp().backward();
      BatchTape.record(List.of(a), List.of(Value.of(0)), a.times(Value.of(0)).exp(), new double[][] {{1}}, Value::sum).backward();
    } finally {
      Faults.hook = null;
    }
    assertTrue(seen.containsAll(List.of("Tape.forward", "Tape.tangents", "Tape.secondOrder", "Tape.reverse", "Value.backward",
        "BatchTape.forward", "BatchTape.reverse")), seen.toString());
  }
}
