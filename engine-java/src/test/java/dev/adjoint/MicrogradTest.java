package dev.adjoint;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** micrograd's own tests (test_engine.py), and the seed example from the README. */
class MicrogradTest {
  @Test
  void sanityCheck() {
    Value x = Value.of(-4.0);
    Value z = x.times(2.0).plus(2.0).plus(x);
    Value q = z.relu().plus(z.times(x));
    Value h = z.times(z).relu();
    Value y = h.plus(q).plus(q.times(x));
    y.backward();
    assertEquals(-20.0, y.data(), 1e-12);
    assertEquals(46.0, x.grad(), 1e-12);
  }

  @Test
  void moreOps() {
    Value a = Value.of(-4.0);
    Value b = Value.of(2.0);
    Value c = a.plus(b);
    Value d = a.times(b).plus(b.pow(3));
    c = c.plus(c.plus(1));
    c = c.plus(Value.of(1).plus(c).plus(a.unaryMinus()));
    d = d.plus(d.times(2).plus(b.plus(a).relu()));
    d = d.plus(d.times(3).plus(b.minus(a).relu()));
    Value e = c.minus(d);
    Value f = e.pow(2);
    Value g = f.div(2.0);
    g = g.plus(Value.of(10.0).div(f));
    g.backward();
    assertEquals(24.70408163265306, g.data(), 1e-12);
    assertEquals(138.83381924198252, a.grad(), 1e-10);
    assertEquals(645.5772594752187, b.grad(), 1e-10);
  }

  @Test
  void seedExample() {
    Value a = Value.of(2.0), b = Value.of(-3.0);
    Value d = a.times(b).plus(a.pow(2)).tanh();
    d.backward();
    assertEquals(-0.9640275800758169, d.data(), 1e-15);
    assertEquals(0.07065082485316443, a.grad(), 1e-15);
    assertEquals(0.14130164970632886, b.grad(), 1e-15);
  }
}
