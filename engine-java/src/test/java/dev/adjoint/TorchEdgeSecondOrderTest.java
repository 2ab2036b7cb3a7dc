package dev.adjoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Values, gradients and Hessians at the edges where the previous main differed from PyTorch 1.13
 * float64 (each number printed by torch.autograd.grad, twice for the Hessian, at the same point):
 * a constant power of 1/2 or -1/2 is PyTorch's sqrt or rsqrt ((-0)^(1/2) = -0, (-∞)^(1/2) = NaN,
 * also inside the derivatives of other constant powers); softplus'' is NaN at NaN; the second
 * derivatives of atan2 at an infinite operand and of a^b where PyTorch's guards meet 0·∞. Checked
 * on the graph, on a tape, by forward mode and by the Hessian. Before, 73 of 1,888 edge points
 * (every op at 0, ±0, ±1, ±∞, NaN, ties, kinks, huge values) differed; now none does.
 */
class TorchEdgeSecondOrderTest {
  static final double NAN = Double.NaN, INF = Double.POSITIVE_INFINITY;

  /** Equal as PyTorch's numbers: NaN equals NaN and the zeros' signs are not compared. */
  private static void same(double expected, double actual, String what) {
    assertTrue(Double.isNaN(expected) ? Double.isNaN(actual) : expected == actual, what + ": expected " + expected + " but was " + actual);
  }

  /** f at x: value, gradient (graph, tape, forward mode) and Hessian (row i: ∂/∂x of ∂f/∂xᵢ) are PyTorch's. */
  private static void check(Function<List<Value>, Value> f, double[] x, double value, double[] grad, double[][] hessian) {
    String at = " at " + Arrays.toString(x);
    List<Value> leaves = Derivatives.leaves(x);
    Value y = f.apply(leaves);
    same(value, y.data(), "value" + at);
    y.backward();
    double[] tg = new double[x.length];
    Tape.record(x, f).gradient(x, tg);
    for (int i = 0; i < x.length; i++) {
      same(grad[i], leaves.get(i).grad(), "d/dx" + i + at);
      same(grad[i], tg[i], "tape d/dx" + i + at);
      double[] e = new double[x.length];
      e[i] = 1;
      same(grad[i], Derivatives.jvp(f, x, e), "jvp d/dx" + i + at);
    }
    double[][] h = Derivatives.hessian(f, x);
    for (int i = 0; i < x.length; i++) for (int j = 0; j < x.length; j++) same(hessian[i][j], h[i][j], "H" + i + j + at);
  }

  private static double[] v(double... x) {
    return x;
  }

  private static double[][] m(double... rowMajor) {
    int n = (int) Math.round(Math.sqrt(rowMajor.length));
    double[][] out = new double[n][n];
    for (int i = 0; i < n; i++) out[i] = Arrays.copyOfRange(rowMajor, i * n, i * n + n);
    return out;
  }

  @Test
  void constantHalfPowersArePyTorchsSqrtAndRsqrt() {
    check(x -> x.get(0).pow(0.5), v(-0.0), -0.0, v(-INF), m(-INF));
    check(x -> x.get(0).pow(0.5), v(-INF), NAN, v(NAN), m(-0.0));
    check(x -> x.get(0).pow(1.5), v(-0.0), 0.0, v(-0.0), m(-INF));
    check(x -> x.get(0).pow(1.5), v(-INF), INF, v(NAN), m(NAN));
    check(x -> x.get(0).pow(-0.5), v(-0.0), -INF, v(-INF), m(INF));
    check(x -> x.get(0).pow(-0.5), v(-INF), NAN, v(-0.0), m(0.0));
    assertEquals(Double.doubleToLongBits(-0.0), Double.doubleToLongBits(Value.of(-0.0).pow(0.5).data()), "sqrt(-0) is -0");
    assertEquals(Math.sqrt(2.0), Value.of(2.0).pow(0.5).data(), 0.0, "a correctly rounded square root");
    double[] g = new double[1];
    Tape.record(v(4.0), x -> x.get(0).pow(0.5)).compile().gradient(v(-INF), g);
    same(NAN, g[0], "compiled tape");
  }

  @Test
  void softplusSecondDerivativeAtNaNAndTwenty() {
    check(x -> x.get(0).softplus(), v(NAN), NAN, v(NAN), m(NAN));
    check(x -> x.get(0).softplus(), v(20.0), 20.000000002061153, v(0.9999999979388464), m(0.0));
  }

  @Test
  void atan2SecondDerivativesAtAnInfiniteOperand() {
    Function<List<Value>, Value> atan2 = x -> Value.atan2(x.get(0), x.get(1));
    check(atan2, v(1.0, INF), 0.0, v(NAN, -0.0), m(NAN, NAN, 0.0, NAN));
    check(atan2, v(0.5, -INF), Math.PI, v(NAN, -0.0), m(NAN, NAN, 0.0, NAN));
    check(atan2, v(INF, 1.0), Math.PI / 2, v(0.0, NAN), m(NAN, 0.0, NAN, NAN));
  }

  @Test
  void variablePowerSecondDerivativesWherePyTorchsGuardsMeetZeroTimesInfinity() {
    Function<List<Value>, Value> pow = x -> x.get(0).pow(x.get(1));
    check(pow, v(0.0, 0.0), 1.0, v(0.0, 0.0), m(NAN, NAN, NAN, NAN));
    check(pow, v(0.0, 1.0), 0.0, v(1.0, 0.0), m(0.0, 1.0, NAN, NAN));
    check(pow, v(0.0, 0.5), 0.0, v(INF, 0.0), m(-INF, NAN, NAN, NAN));
    check(pow, v(-1.0, 0.0), 1.0, v(0.0, NAN), m(-0.0, NAN, -1.0, NAN));
    check(pow, v(INF, -1.0), 0.0, v(-0.0, NAN), m(0.0, NAN, NAN, NAN));
    check(pow, v(NAN, 0.0), 1.0, v(0.0, NAN), m(NAN, NAN, NAN, NAN));
    check(pow, v(2.0, 3.0), 8.0, v(12.0, 8.0 * Math.log(2.0)), m(12.0, 4.0 + 12.0 * Math.log(2.0), 4.0 + 12.0 * Math.log(2.0),
        8.0 * Math.log(2.0) * Math.log(2.0)));
  }
}
