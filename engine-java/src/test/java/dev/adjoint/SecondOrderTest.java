package dev.adjoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class SecondOrderTest {
  /** Extended Rosenbrock: Σ 100 (xᵢ₊₁ - xᵢ²)² + (1 - xᵢ)². */
  static final Function<List<Value>, Value> ROSENBROCK = x -> {
    List<Value> terms = new ArrayList<>();
    for (int i = 0; i + 1 < x.size(); i++) {
      terms.add(x.get(i + 1).minus(x.get(i).pow(2)).pow(2).times(100.0));
      terms.add(Value.of(1.0).minus(x.get(i)).pow(2));
    }
    return Value.sum(terms);
  };
  static final double[] AT = {-1.2, 1, 0.5, -0.3};

  @Test
  void rosenbrockGradientAndHessian() {
    assertArrayEquals(new double[] {-215.6, 112, 9, -110}, Derivatives.gradient(ROSENBROCK, AT), 1e-12);
    double[][] expected = {{1330, 480, 0, 0}, {480, 1202, -400, 0}, {0, -400, 622, -200}, {0, 0, -200, 200}};
    double[][] h = Derivatives.hessian(ROSENBROCK, AT);
    for (int i = 0; i < 4; i++) assertArrayEquals(expected[i], h[i], 1e-12, "row " + i);
    Tape tape = Tape.record(AT, ROSENBROCK);
    double[] hv = new double[4], g = new double[4];
    for (int j = 0; j < 4; j++) {
      double[] e = new double[4];
      e[j] = 1;
      tape.hvp(AT, e, hv, g);
      for (int i = 0; i < 4; i++) assertEquals(expected[i][j], hv[i], 1e-12);
      assertArrayEquals(new double[] {-215.6, 112, 9, -110}, g, 1e-12);
    }
  }

  @Test
  void newtonStepOnRosenbrockSolvesTheQuadraticModel() {
    double[] x = {-1.2, 1.0};
    double[] g = Derivatives.gradient(ROSENBROCK, x);
    double[][] h = Derivatives.hessian(ROSENBROCK, x);
    double det = h[0][0] * h[1][1] - h[0][1] * h[1][0];
    double[] step = {-(h[1][1] * g[0] - h[0][1] * g[1]) / det, -(-h[1][0] * g[0] + h[0][0] * g[1]) / det};
    // H · step = -g
    assertEquals(-g[0], h[0][0] * step[0] + h[0][1] * step[1], 1e-9);
    assertEquals(-g[1], h[1][0] * step[0] + h[1][1] * step[1], 1e-9);
  }

  @Test
  void sumOfThreeBothWays() {
    Function<List<Value>, Value> f = v -> v.get(0).plus(v.get(1)).plus(v.get(2));
    double[] x = {1, 2, 3};
    assertArrayEquals(new double[] {1, 1, 1}, Derivatives.gradient(f, x), 0.0);
    for (int i = 0; i < 3; i++) {
      double[] e = new double[3];
      e[i] = 1;
      assertEquals(1.0, Derivatives.jvp(f, x, e), 0.0);
    }
    assertEquals(6.0, Derivatives.jvp(f, x, new double[] {1, 2, 3}), 0.0);
  }

  @Test
  void jacobiansAgreeBothWays() {
    Function<List<Value>, List<Value>> f = v -> List.of(
        v.get(0).times(v.get(1)).sin(), v.get(1).exp().plus(v.get(2)), v.get(0).div(v.get(2)).tanh(), v.get(2).pow(3));
    double[] x = {0.4, -0.7, 1.3};
    double[][] fw = Derivatives.jacobianForward(f, x), rv = Derivatives.jacobianReverse(f, x), auto = Derivatives.jacobian(f, x);
    assertEquals(4, fw.length);
    for (int i = 0; i < 4; i++) {
      assertArrayEquals(rv[i], fw[i], 1e-15, "row " + i);
      assertArrayEquals(fw[i], auto[i], 0.0, "n <= m picks forward mode");
    }
    assertEquals(Math.cos(-0.28) * -0.7, fw[0][0], 1e-15);
    double[] jv = Derivatives.jvpVector(f, x, new double[] {1, 0, 0});
    for (int i = 0; i < 4; i++) assertEquals(fw[i][0], jv[i], 0.0);
  }

  @Test
  void graphAndTapeGiveBitwiseTheSameSecondOrder() {
    Random r = new Random(17);
    for (int seed = 0; seed < 100; seed++) {
      Function<List<Value>, Value> f = TapeTest.program(seed);
      double[] x = TapeTest.point(r, 4), v = TapeTest.point(r, 4);
      double[] hv = Derivatives.hvp(f, x, v);
      double[] tapeHv = new double[4];
      Tape tape = Tape.record(TapeTest.point(r, 4), f);
      tape.hvp(x, v, tapeHv, null);
      assertArrayEquals(hv, tapeHv, 0.0, "program " + seed);
      assertEquals(Derivatives.jvp(f, x, v), tape.jvp(x, v), 0.0, "program " + seed);
    }
  }

  @Test
  void callersGradientsAreLeftAlone() {
    Value w = Value.of(3.0);
    Derivatives.hessian(v -> v.get(0).times(v.get(0)).times(w), new double[] {2.0});
    Derivatives.jacobianReverse(v -> List.of(v.get(0).times(w)), new double[] {2.0});
    Derivatives.gradient(v -> v.get(0).times(w), new double[] {2.0});
    Derivatives.jvp(v -> v.get(0).times(w), new double[] {2.0}, new double[] {1.0});
    assertEquals(0.0, w.grad(), "no gradient leaks onto values the function closes over");
  }

  @Test
  void badSizesAreNamed() {
    assertEquals("hvp: a point of size 2 but a direction of size 3",
        assertThrows(IllegalArgumentException.class, () -> Derivatives.hvp(ROSENBROCK, new double[2], new double[3])).getMessage());
    assertEquals("jvp: 1 inputs but a direction of size 2",
        assertThrows(IllegalArgumentException.class, () -> Derivatives.jvp(Value.of(1), List.of(Value.of(2)), new double[2])).getMessage());
    Tape t = Tape.record(AT, ROSENBROCK);
    assertEquals("hvp: a direction of size 1 for 4 inputs",
        assertThrows(IllegalArgumentException.class, () -> t.hvp(AT, new double[1], new double[4], null)).getMessage());
  }
}
