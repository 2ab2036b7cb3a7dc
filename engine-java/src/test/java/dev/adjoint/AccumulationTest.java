package dev.adjoint;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Gradients accumulate with +=: shared nodes, repeated backward, zeroGrad. */
class AccumulationTest {
  @Test
  void sameOperandTwice() {
    Value x = Value.of(3.0);
    x.plus(x).backward();
    assertEquals(2.0, x.grad());
    Value y = Value.of(3.0);
    y.times(y).backward();
    assertEquals(6.0, y.grad());
  }

  @Test
  void nodeUsedByThreeOps() {
    Value x = Value.of(0.5);
    Value u = x.times(3.0); // shared inner node
    Value out = u.exp().plus(u.sin()).plus(u.pow(2));
    out.backward();
    double u0 = 1.5;
    double du = Math.exp(u0) + Math.cos(u0) + 2 * u0;
    assertEquals(du, u.grad(), 1e-13);
    assertEquals(3 * du, x.grad(), 1e-13);
  }

  @Test
  void diamond() {
    Value x = Value.of(2.0);
    Value left = x.times(x), right = x.plus(1.0);
    Value top = left.times(right); // x^3 + x^2
    top.backward();
    assertEquals(12.0, top.data());
    assertEquals(3 * 4 + 2 * 2, x.grad());
    assertEquals(3.0, left.grad());
    assertEquals(4.0, right.grad());
  }

  @Test
  void repeatedBackwardAddsExactlyTwiceToLeavesAndRecomputesInnerNodes() {
    Value x = Value.of(0.3), y = Value.of(-1.7);
    Value s = x.times(y).sin();
    Value out = Value.sum(List.of(s, s.times(x), x.tanh(), y.pow(3).times(x)));
    out.backward();
    double gx = x.grad(), gy = y.grad(), gs = s.grad();
    out.backward();
    assertEquals(2 * gx, x.grad(), 0.0, "leaf gradient doubles exactly");
    assertEquals(2 * gy, y.grad(), 0.0, "leaf gradient doubles exactly");
    assertEquals(gs, s.grad(), 0.0, "inner gradient is recomputed, not accumulated");
    assertEquals(1.0, out.grad());
    out.backward();
    assertEquals(gx + gx + gx, x.grad(), 0.0);
  }

  @Test
  void backwardFromAnInnerNodeThenTheOutput() {
    Value x = Value.of(2.0);
    Value u = x.times(x);
    Value out = u.times(3.0);
    u.backward();
    assertEquals(4.0, x.grad());
    out.backward();
    assertEquals(3.0, u.grad(), "inner node recomputed for the new output");
    assertEquals(4.0 + 12.0, x.grad());
  }

  @Test
  void zeroGrad() {
    Value x = Value.of(2.0);
    Value y = x.times(5.0);
    y.backward();
    assertEquals(5.0, x.grad());
    x.zeroGrad();
    assertEquals(0.0, x.grad());
    y.backward();
    assertEquals(5.0, x.grad());
  }

  @Test
  void backwardOfALeafSeedsIt() {
    Value x = Value.of(7.0);
    x.backward();
    x.backward();
    assertEquals(2.0, x.grad());
  }

  @Test
  void setDataChangesLeavesForTheNextGraph() {
    Value x = Value.of(1.0);
    Value y = x.times(2.0);
    x.setData(5.0);
    assertEquals(5.0, x.data());
    assertEquals(2.0, y.data(), "nodes keep the value they were made with");
    assertEquals(10.0, x.times(2.0).data());
  }

  @Test
  void unusedLeafGetsNothing() {
    Value x = Value.of(1.0), unused = Value.of(4.0);
    Value y = x.times(x);
    unused.times(Value.of(3.0));
    y.backward();
    assertEquals(0.0, unused.grad());
  }
}
