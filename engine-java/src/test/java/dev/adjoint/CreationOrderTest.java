package dev.adjoint;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The sweep's order is creation order where node numbers give one and a walk's post-order where
 * they do not (op nodes made on other threads); either way backward() takes the fast path or the
 * walk, and a recorded tape sums every adjoint in the same order, bitwise.
 */
class CreationOrderTest {
  /** A graph with shared op nodes: two products used twice each, summed in a chain. */
  static Value shared(List<Value> x, Value extra) {
    Value p = x.get(0).times(x.get(1)), q = x.get(1).times(x.get(2)).sin();
    Value s = p.plus(q).times(p).minus(q.times(extra));
    return Value.sum(List.of(s, p, q, s.tanh()));
  }

  static void sameAsTape(List<Value> inputs, Value y) {
    Tape tape = Tape.record(inputs, y);
    double[] at = new double[inputs.size()], g = new double[inputs.size()];
    for (int i = 0; i < at.length; i++) at[i] = inputs.get(i).data;
    for (Value v : inputs) v.zeroGrad();
    y.backward();
    assertEquals(y.data, tape.gradient(at, g));
    for (int i = 0; i < at.length; i++) {
      assertEquals(Double.doubleToRawLongBits(inputs.get(i).grad()), Double.doubleToRawLongBits(g[i]), "input " + i);
    }
  }

  @Test
  void aGraphMadeInOneGoTakesTheFastPathAndTheTapeAgrees() {
    List<Value> x = List.of(Value.of(0.3), Value.of(-1.2), Value.of(2.5));
    sameAsTape(x, shared(x, Value.of(0.7)));
  }

  @Test
  void opNodesMadeOnAnotherThreadAreWalkedAndTheTapeAgrees() throws Exception {
    List<Value> x = List.of(Value.of(0.3), Value.of(-1.2), Value.of(2.5));
    AtomicReference<Value> made = new AtomicReference<>();
    Thread t = new Thread(() -> made.set(x.get(0).times(x.get(2)).exp()));
    t.start();
    t.join();
    Value y = shared(x, made.get()).plus(made.get().times(x.get(1)));
    sameAsTape(x, y);
    // and against the same graph built on one thread
    List<Value> z = List.of(Value.of(0.3), Value.of(-1.2), Value.of(2.5));
    Value e = z.get(0).times(z.get(2)).exp();
    Value w = shared(z, e).plus(e.times(z.get(1)));
    w.backward();
    for (int i = 0; i < 3; i++) assertEquals(z.get(i).grad(), x.get(i).grad(), 1e-12 * Math.abs(z.get(i).grad()), "input " + i);
  }

  @Test
  void parametersMadeLongBeforeGoToTheFarTable() {
    List<Value> w = new ArrayList<>();
    for (int i = 0; i < 50; i++) w.add(Value.of(0.01 * i - 0.2));
    for (int i = 0; i < 100_000; i++) Value.of(i); // nodes made in between: the parameters are far
    List<Value> x = new ArrayList<>();
    for (int i = 0; i < 50; i++) x.add(Value.of(Math.sin(i)));
    Value y = Value.dot(x, w).tanh().times(Value.sum(w));
    List<Value> all = new ArrayList<>(w);
    all.addAll(x);
    sameAsTape(all, y);
  }
}
