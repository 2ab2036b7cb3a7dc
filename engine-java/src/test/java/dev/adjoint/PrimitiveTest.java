package dev.adjoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** A user's primitive on every path, and second order through one that gives no Hessian. */
class PrimitiveTest {
  /** softsign(x) = x / (1 + |x|), with no second derivatives. */
  static final Primitive SOFTSIGN = new Primitive() {
    @Override
    public String name() {
      return "softsign";
    }

    @Override
    public double value(double[] x) {
      return x[0] / (1 + Math.abs(x[0]));
    }

    @Override
    public void gradient(double[] x, double y, double[] out) {
      double d = 1 + Math.abs(x[0]);
      out[0] = 1 / (d * d);
    }
  };

  static Value softsign(Value x) {
    return Value.apply(SOFTSIGN, x);
  }

  static Value composite(Value x) {
    return x.div(x.abs().plus(1.0));
  }

  @Test
  void softsignEqualsItsCompositeOnGraphsTapesAndBatchTapes() {
    Function<List<Value>, Value> f = x -> softsign(x.get(0).times(x.get(1))).plus(x.get(1));
    Function<List<Value>, Value> g = x -> composite(x.get(0).times(x.get(1))).plus(x.get(1));
    Tape tape = Tape.record(new double[] {1, 1}, f);
    for (double[] p : new double[][] {{0.5, -2}, {-3, 0.25}, {1.5, 1.5}}) {
      double[] want = Derivatives.gradient(g, p), got = Derivatives.gradient(f, p), tg = new double[2];
      assertEquals(g.apply(Derivatives.leaves(p)).data(), tape.gradient(p, tg), 1e-15);
      for (int i = 0; i < 2; i++) {
        assertEquals(want[i], got[i], 1e-15);
        assertEquals(got[i], tg[i]);
      }
      double[] v = {0.3, -0.7};
      assertEquals(Derivatives.jvp(g, p, v), Derivatives.jvp(f, p, v), 1e-15);
      assertEquals(Derivatives.jvp(f, p, v), tape.jvp(p, v));
    }
    Value w = Value.of(0.8), r = Value.of(0);
    double[][] rows = {{0.5}, {-1.5}, {3}};
    BatchTape batch = BatchTape.record(List.of(w), List.of(r), softsign(r.times(w)), rows, Value::sum);
    double loss = batch.backward();
    Value w2 = Value.of(0.8);
    Value whole = Value.sum(List.of(softsign(Value.of(0.5).times(w2)), softsign(Value.of(-1.5).times(w2)),
        softsign(Value.of(3).times(w2))));
    whole.backward();
    assertEquals(whole.data(), loss);
    assertEquals(w2.grad(), w.grad());
  }

  @Test
  void itsNameIsItsOpAndItsOperandsItsInputs() {
    Value x = Value.of(2.0, "x");
    Value y = softsign(x);
    assertEquals("softsign", y.op());
    assertEquals(List.of(x), y.inputs());
    String dot = y.toDot();
    assertTrue(dot.contains("label=\"softsign\""), dot);
    assertEquals(2, GraphvizTest.count(dot, "shape=record"), "x and the node; the primitive's number is not drawn:\n" + dot);
  }

  @Test
  void secondOrderWithoutAHessianNamesThePrimitive() {
    UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
        () -> Derivatives.hessian(x -> softsign(x.get(0)), new double[] {0.5}));
    assertTrue(e.getMessage().contains("'softsign'"), e.getMessage());
    Tape tape = Tape.record(new double[] {0.5}, x -> softsign(x.get(0)));
    e = assertThrows(UnsupportedOperationException.class, () -> tape.hvp(new double[] {0.5}, new double[] {1}, new double[1], null));
    assertTrue(e.getMessage().contains("'softsign'"), e.getMessage());
    // first order needs no Hessian, even through the second-order sweep
    assertEquals(1 / 2.25, Derivatives.gradient(x -> softsign(x.get(0)), new double[] {0.5})[0], 1e-16);
  }

  @Test
  void nullsAreNamed() {
    assertEquals("apply: the primitive is null", assertThrows(NullPointerException.class, () -> Value.apply(null, Value.of(1))).getMessage());
    assertEquals("apply softsign: input 1 is null",
        assertThrows(NullPointerException.class, () -> Value.apply(SOFTSIGN, Value.of(1), null)).getMessage());
  }

  @Test
  void noInputsIsRefusedNamingThePrimitive() {
    assertEquals("apply softsign: no inputs (a primitive of no inputs is a constant: use Value.of)",
        assertThrows(IllegalArgumentException.class, () -> Value.apply(SOFTSIGN)).getMessage());
    assertEquals("apply softsign: no inputs (a primitive of no inputs is a constant: use Value.of)",
        assertThrows(IllegalArgumentException.class, () -> Value.apply(SOFTSIGN, new Value[0])).getMessage());
  }
}
