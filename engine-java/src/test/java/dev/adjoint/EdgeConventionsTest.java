package dev.adjoint;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Values and derivatives at edges, kinks and ties, each against the number PyTorch 1.13 float64
 * gives (printed by torch.autograd.grad at the same point), on the graph and on a recorded tape.
 */
class EdgeConventionsTest {
  static final double NAN = Double.NaN, INF = Double.POSITIVE_INFINITY;

  /** f at x on a graph and on a tape: its value and gradient are PyTorch's. */
  static void check(Function<List<Value>, Value> f, double[] x, double value, double... grads) {
    List<Value> leaves = Derivatives.leaves(x);
    Value y = f.apply(leaves);
    y.backward();
    assertEquals(value, y.data(), "value at " + List.of(x));
    for (int i = 0; i < x.length; i++) assertEquals(grads[i], leaves.get(i).grad(), "d/dx" + i + " at " + java.util.Arrays.toString(x));
    double[] tg = new double[x.length];
    assertEquals(value, Tape.record(x, f).gradient(x, tg), "tape value");
    for (int i = 0; i < x.length; i++) assertEquals(grads[i], tg[i], "tape d/dx" + i + " at " + java.util.Arrays.toString(x));
  }

  static double[] at(double... x) {
    return x;
  }

  @Test
  void powerAndAbsAtEdgesAreCs() {
    // Java's Math.pow gives NaN for these; C's pow (and so PyTorch) gives 1
    check(x -> x.get(0).pow(x.get(1)), at(1, NAN), 1, NAN, 0);
    check(x -> x.get(0).pow(x.get(1)), at(1, INF), 1, INF, 0);
    check(x -> x.get(0).pow(x.get(1)), at(1, -INF), 1, -INF, 0);
    check(x -> x.get(0).pow(x.get(1)), at(-1, INF), 1, INF, NAN);
    check(x -> x.get(0).pow(x.get(1)), at(-1, -INF), 1, -INF, NAN);
    check(x -> x.get(0).pow(NAN), at(1), 1, NAN);
    // PyTorch's sign(NaN) is 0
    check(x -> x.get(0).abs(), at(NAN), NAN, 0);
  }

  @Test
  void secondDerivativesOfPowersAreDoubleBackwards() {
    // d²/dx² x^1 at 0: PyTorch 0 (not 1·0·∞)
    assertEquals(0.0, Derivatives.hessian(x -> x.get(0).pow(1.0), at(0))[0][0]);
    assertEquals(0.0, Tape.record(at(0), x -> x.get(0).pow(1.0)).hvp(at(0), at(1), new double[1], null));
    double[] hv = new double[1];
    Tape.record(at(0), x -> x.get(0).pow(1.0)).hvp(at(0), at(1), hv, null);
    assertEquals(0.0, hv[0]);
    // x^e at (0, 1): d/dx is 1; its derivatives: 0 along x, 1 along e
    double[][] h = Derivatives.hessian(x -> x.get(0).pow(x.get(1)), at(0, 1));
    assertEquals(0.0, h[0][0]);
    assertEquals(1.0, h[0][1]);
    // x^e at (2, 0): d/dx is 0 wherever e = 0, so its derivatives are 0
    h = Derivatives.hessian(x -> x.get(0).pow(x.get(1)), at(2, 0));
    assertEquals(0.0, h[0][0]);
    assertEquals(0.0, h[0][1]);
  }

  @Test
  void maxAndMinSplitTiesAndPassNaN() {
    check(x -> Value.max(x.get(0), x.get(1)), at(1, 1), 1, 0.5, 0.5);
    check(x -> Value.min(x.get(0), x.get(1)), at(1, 1), 1, 0.5, 0.5);
    check(x -> Value.max(x.get(0), x.get(1)), at(2, 1), 2, 1, 0);
    check(x -> Value.min(x.get(0), x.get(1)), at(2, 1), 1, 0, 1);
    check(x -> Value.max(x.get(0), x.get(1)), at(NAN, 1), NAN, 1, 1);
    check(x -> Value.min(x.get(0), x.get(1)), at(1, NAN), NAN, 1, 1);
    assertEquals(Double.doubleToLongBits(-0.0), Double.doubleToLongBits(Value.max(Value.of(-0.0), Value.of(0.0)).data()));
  }

  @Test
  void clampPassesTheGradientOnItsClosedInterval() {
    Function<List<Value>, Value> c = x -> x.get(0).clamp(-1.0, 2.0);
    check(c, at(-1), -1, 1);
    check(c, at(2), 2, 1);
    check(c, at(-1.5), -1, 0);
    check(c, at(3), 2, 0);
    check(c, at(NAN), NAN, 0);
    check(x -> x.get(0).clamp(2.0, -1.0), at(0.5), -1, 0);
  }

  @Test
  void softplusIsTheIdentityAboveTwenty() {
    check(x -> x.get(0).softplus(), at(20), 20.000000002061153, 0.9999999979388464);
    check(x -> x.get(0).softplus(), at(20.000001), 20.000001, 1);
    check(x -> x.get(0).softplus(), at(-800), 0, 0);
    check(x -> x.get(0).softplus(), at(800), 800, 1);
    check(x -> x.get(0).softplus(), at(19.9), 19.900000002277924, 0.9999999977220729);
  }

  @Test
  void inverseFunctionsAtTheirEdges() {
    check(x -> Value.atan2(x.get(0), x.get(1)), at(0, 0), 0, NAN, NAN);
    check(x -> x.get(0).asin(), at(1), 1.5707963267948966, INF);
    check(x -> x.get(0).acos(), at(1), 0, -INF);
    check(x -> x.get(0).log1p(), at(-1), -INF, INF);
  }

  @Test
  void erfIsTorchsWithinAFewUlps() {
    // Java has no erf: ours is within 5 ulps of the C library's (PyTorch's) over the whole line
    double[][] torch = {{0, 0, 1.1283791670955126}, {0.5, 0.5204998778130465, 0.8787825789354448},
        {-1.2, -0.9103139782296354, 0.26734434700353915}, {3, 0.9999779095030014, 0.00013925305194674786},
        {6, 1, 2.6173012392492645e-16}};
    for (double[] t : torch) {
      Value x = Value.of(t[0]);
      Value y = x.erf();
      y.backward();
      assertEquals(t[1], y.data(), 5 * Math.ulp(t[1]), "erf(" + t[0] + ")");
      assertEquals(t[2], x.grad(), 5 * Math.ulp(t[2]), "erf'(" + t[0] + ")");
    }
    assertEquals(-1.0, Value.of(-INF).erf().data());
    assertEquals(Double.doubleToLongBits(-0.0), Double.doubleToLongBits(Value.of(-0.0).erf().data()));
  }

  @Test
  void detachStopsTheGradientButNotTheValue() {
    check(x -> x.get(0).detach().times(x.get(0)), at(3), 9, 3);
    Function<List<Value>, Value> f = x -> x.get(0).minus(x.get(0).detach()).exp();
    Tape tape = Tape.record(at(5), f);
    double[] g = new double[1];
    // the detached value is recomputed on replay: e^(x - x) = 1 at any x, with gradient e^0 = 1
    assertEquals(1.0, tape.gradient(at(-7), g));
    assertEquals(1.0, g[0]);
    assertEquals(0.0, Derivatives.hessian(x -> x.get(0).detach().times(x.get(0).detach()), at(2))[0][0]);
  }
}
