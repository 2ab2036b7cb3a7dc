package dev.adjoint.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.Value;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class MinimizeTest {
  /** The extended Rosenbrock function Σ 100(xᵢ₊₁ - xᵢ²)² + (1 - xᵢ)², minimum 0 at (1, ..., 1). */
  static Value rosenbrock(List<Value> x) {
    List<Value> terms = new ArrayList<>();
    for (int i = 0; i + 1 < x.size(); i++) {
      Value a = x.get(i + 1).minus(x.get(i).pow(2));
      Value b = Value.of(1).minus(x.get(i));
      terms.add(a.pow(2).times(100).plus(b.pow(2)));
    }
    return Value.sum(terms);
  }

  /** The standard start (-1.2, 1, -1.2, 1, ...). */
  static double[] standardStart(int n) {
    double[] x = new double[n];
    for (int i = 0; i < n; i++) x[i] = i % 2 == 0 ? -1.2 : 1.0;
    return x;
  }

  private static void assertClose(double[] want, double[] got, double relative) {
    for (int i = 0; i < want.length; i++) {
      assertTrue(Math.abs(got[i] - want[i]) <= relative * Math.max(1, Math.abs(want[i])),
          "x[" + i + "] = " + got[i] + ", want " + want[i]);
    }
  }

  @Test
  void lbfgsFindsRosenbrocksMinimumIn2And10And100Dimensions() {
    for (int n : new int[] {2, 10, 100}) {
      Minimize.Result r = Minimize.lbfgs(MinimizeTest::rosenbrock, standardStart(n));
      assertTrue(r.converged(), n + ": " + r);
      double[] ones = new double[n];
      java.util.Arrays.fill(ones, 1.0);
      assertClose(ones, r.x(), 1e-8);
      assertTrue(r.value() < 1e-16, n + ": " + r);
    }
  }

  @Test
  void theIterationCountsReadmeStates() {
    int[] dims = {2, 10, 100}, iterations = {39, 83, 536};
    for (int i = 0; i < dims.length; i++) {
      assertEquals(iterations[i], Minimize.lbfgs(MinimizeTest::rosenbrock, standardStart(dims[i])).iterations(), dims[i] + " dimensions");
    }
    Minimize.Result gd = Minimize.run(Minimize.Method.GRADIENT_DESCENT, MinimizeTest::rosenbrock, standardStart(2), Minimize.Options.defaults());
    assertFalse(gd.converged());
    assertEquals(10_000, gd.iterations());
    assertEquals(7.7e-11, gd.value(), 0.05e-11);
  }

  @Test
  void lbfgsNeedsFewerIterationsThanGradientDescentOrAdam() {
    Minimize.Options o = Minimize.Options.defaults().maxIterations(3000);
    Minimize.Result l = Minimize.run(Minimize.Method.LBFGS, MinimizeTest::rosenbrock, standardStart(2), o);
    Minimize.Result gd = Minimize.run(Minimize.Method.GRADIENT_DESCENT, MinimizeTest::rosenbrock, standardStart(2), o);
    Minimize.Result adam = Minimize.run(Minimize.Method.ADAM, MinimizeTest::rosenbrock, standardStart(2), o.learningRate(0.01));
    assertTrue(l.converged() && l.iterations() < 100, l.toString());
    assertFalse(gd.converged(), "gradient descent does not reach 1e-9 in 3000 iterations: " + gd);
    assertFalse(adam.converged(), adam.toString());
    assertTrue(gd.value() < 1.0 && gd.value() > l.value(), "gradient descent moves downhill, slowly: " + gd);
    // on a well-conditioned quadratic gradient descent converges too, still in more iterations
    // Σ (i+1)·(xᵢ - i)², condition number 10, minimum at (0, 1, ..., 9)
    Function<List<Value>, Value> bowl = x -> {
      List<Value> terms = new ArrayList<>();
      for (int i = 0; i < x.size(); i++) terms.add(x.get(i).minus(i).pow(2).times(i + 1));
      return Value.sum(terms);
    };
    double[] centre = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    Minimize.Result lq = Minimize.lbfgs(bowl, new double[10]);
    Minimize.Result gq = Minimize.run(Minimize.Method.GRADIENT_DESCENT, bowl, new double[10], Minimize.Options.defaults());
    assertTrue(lq.converged() && gq.converged(), lq + " " + gq);
    assertClose(centre, lq.x(), 1e-8);
    assertClose(centre, gq.x(), 1e-8);
    assertTrue(lq.iterations() < gq.iterations(), lq + " vs " + gq);
  }

  @Test
  void recordedAndDynamicGiveTheSameIterates() {
    Minimize.Result a = Minimize.lbfgs(MinimizeTest::rosenbrock, standardStart(10));
    Minimize.Result b = Minimize.lbfgs(MinimizeTest::rosenbrock, standardStart(10), Minimize.Options.defaults().recorded(false));
    assertArrayEquals(a.x(), b.x(), 0.0);
    assertEquals(a.iterations(), b.iterations());
  }

  @Test
  void aRunLongEnoughToCompileItsTapeGivesTheDynamicIterates() {
    // 500 squared residuals over 4 weights, 9 op nodes each: the recorded tape passes
    // Internal.COMPILE_AFTER node replays after about 2200 of Adam's 3500 steps and is compiled from there
    Random rng = new Random(11);
    double[][] x = new double[500][4];
    double[] y = new double[500];
    for (int i = 0; i < x.length; i++) {
      for (int j = 0; j < 4; j++) x[i][j] = rng.nextGaussian();
      y[i] = x[i][0] - 0.5 * x[i][2] + 0.1 * rng.nextGaussian();
    }
    Function<List<Value>, Value> f = w -> {
      List<Value> terms = new ArrayList<>();
      for (int i = 0; i < x.length; i++) {
        Value r = w.get(0).times(x[i][0]).plus(w.get(1).times(x[i][1])).plus(w.get(2).times(x[i][2])).plus(w.get(3).times(x[i][3])).minus(y[i]);
        terms.add(r.pow(2));
      }
      return Value.sum(terms).div(x.length);
    };
    Minimize.Options o = Minimize.Options.defaults().maxIterations(3500).learningRate(1e-3).gradientTolerance(0).stepTolerance(0);
    Minimize.Result recorded = Minimize.run(Minimize.Method.ADAM, f, new double[4], o);
    Minimize.Result dynamic = Minimize.run(Minimize.Method.ADAM, f, new double[4], o.recorded(false));
    assertEquals(3500, recorded.iterations());
    assertTrue(3500L * 9 * 500 > dev.adjoint.Internal.COMPILE_AFTER, "the run passes the point where the tape is compiled");
    assertArrayEquals(dynamic.x(), recorded.x(), 0.0);
    assertEquals(dynamic.value(), recorded.value(), 0.0);
  }

  @Test
  void aFunctionThatBranchesOnAValueGivesTheDynamicIterates() {
    // (x - 2)² to the right of 2, 3(x - 2)² to the left, plus (y + 1)²: a frozen branch would mislead
    java.util.function.Function<List<Value>, Value> f = v -> {
      Value d = v.get(0).minus(2);
      Value a = d.data() > 0 ? d.pow(2) : d.pow(2).times(3);
      return a.plus(v.get(1).plus(1).pow(2));
    };
    Minimize.Result recorded = Minimize.lbfgs(f, new double[] {5, 3});
    Minimize.Result dynamic = Minimize.lbfgs(f, new double[] {5, 3}, Minimize.Options.defaults().recorded(false));
    assertArrayEquals(dynamic.x(), recorded.x(), 0.0);
    assertClose(new double[] {2, -1}, recorded.x(), 1e-8);
  }

  @Test
  void leastSquaresMatchesTheNormalEquations() {
    Random rng = new Random(3);
    int m = 40, p = 4;
    double[][] x = new double[m][p];
    double[] y = new double[m];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < p; j++) x[i][j] = rng.nextGaussian();
      y[i] = 1.5 * x[i][0] - 2 * x[i][1] + 0.25 * x[i][3] + 0.1 * rng.nextGaussian();
    }
    double[][] xtx = new double[p][p];
    double[] xty = new double[p];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < p; j++) {
        xty[j] += x[i][j] * y[i];
        for (int k = 0; k < p; k++) xtx[j][k] += x[i][j] * x[i][k];
      }
    }
    double[] beta = solve(xtx, xty);
    Minimize.Result r = Minimize.lbfgs(b -> {
      List<Value> residuals = new ArrayList<>();
      for (int i = 0; i < m; i++) {
        List<Value> row = new ArrayList<>();
        for (double v : x[i]) row.add(Value.of(v));
        residuals.add(Value.dot(row, b).minus(y[i]).pow(2));
      }
      return Value.sum(residuals).times(0.5);
    }, new double[p]);
    assertTrue(r.converged(), r.toString());
    assertClose(beta, r.x(), 1e-8);
  }

  @Test
  void logisticRegressionMatchesNewtonsOptimum() {
    Random rng = new Random(11);
    int m = 60;
    double[][] x = new double[m][];
    double[] y = new double[m];
    for (int i = 0; i < m; i++) {
      x[i] = new double[] {1, rng.nextGaussian(), rng.nextGaussian()};
      y[i] = rng.nextDouble() < 1 / (1 + Math.exp(-(0.5 + 2 * x[i][1] - x[i][2]))) ? 1 : 0;
    }
    double lambda = 0.1;
    // Newton's method on the plain-double negative log-likelihood + λ/2·|w|²: the known optimum
    double[] w = new double[3];
    for (int it = 0; it < 50; it++) {
      double[] g = new double[3];
      double[][] h = new double[3][3];
      for (int i = 0; i < m; i++) {
        double z = 0;
        for (int j = 0; j < 3; j++) z += w[j] * x[i][j];
        double p = 1 / (1 + Math.exp(-z));
        for (int j = 0; j < 3; j++) {
          g[j] += (p - y[i]) * x[i][j];
          for (int k = 0; k < 3; k++) h[j][k] += p * (1 - p) * x[i][j] * x[i][k];
        }
      }
      for (int j = 0; j < 3; j++) {
        g[j] += lambda * w[j];
        h[j][j] += lambda;
      }
      double[] step = solve(h, g);
      for (int j = 0; j < 3; j++) w[j] -= step[j];
    }
    Minimize.Result r = Minimize.lbfgs(v -> {
      List<Value> terms = new ArrayList<>();
      for (int i = 0; i < m; i++) {
        List<Value> row = new ArrayList<>();
        for (double c : x[i]) row.add(Value.of(c));
        Value z = Value.dot(row, v);
        // -[y ln σ(z) + (1-y) ln(1-σ(z))] = softplus(z) - y·z, stably
        terms.add(z.relu().plus(z.abs().unaryMinus().exp().plus(1).log()).minus(z.times(y[i])));
      }
      return Value.sum(terms).plus(Value.dot(v, v).times(lambda / 2));
    }, new double[3]);
    assertTrue(r.converged(), r.toString());
    assertClose(w, r.x(), 1e-8);
  }

  @Test
  void badArgumentsAreNamed() {
    assertEquals("Minimize: x0 is empty",
        assertThrows(IllegalArgumentException.class, () -> Minimize.lbfgs(MinimizeTest::rosenbrock, new double[0])).getMessage());
    assertEquals("Minimize: x0[1] is NaN",
        assertThrows(IllegalArgumentException.class, () -> Minimize.lbfgs(MinimizeTest::rosenbrock, new double[] {0, Double.NaN})).getMessage());
    assertEquals("Minimize: f(x0) is Infinity",
        assertThrows(IllegalArgumentException.class, () -> Minimize.lbfgs(x -> x.get(0).log().unaryMinus(), new double[] {0})).getMessage());
    assertEquals("Minimize: memory must be at least 1, was 0",
        assertThrows(IllegalArgumentException.class, () -> Minimize.Options.defaults().memory(0)).getMessage());
  }

  @Test
  void maximumIterationsIsNotConvergence() {
    Minimize.Result r = Minimize.lbfgs(MinimizeTest::rosenbrock, standardStart(2), Minimize.Options.defaults().maxIterations(5));
    assertFalse(r.converged());
    assertEquals(5, r.iterations());
    assertEquals("maximum iterations", r.reason());
  }

  /** Gaussian elimination with partial pivoting. */
  static double[] solve(double[][] a0, double[] b0) {
    int n = b0.length;
    double[][] a = new double[n][];
    for (int i = 0; i < n; i++) a[i] = a0[i].clone();
    double[] b = b0.clone();
    for (int c = 0; c < n; c++) {
      int p = c;
      for (int r = c + 1; r < n; r++) if (Math.abs(a[r][c]) > Math.abs(a[p][c])) p = r;
      double[] t = a[c]; a[c] = a[p]; a[p] = t;
      double tb = b[c]; b[c] = b[p]; b[p] = tb;
      for (int r = c + 1; r < n; r++) {
        double f = a[r][c] / a[c][c];
        for (int k = c; k < n; k++) a[r][k] -= f * a[c][k];
        b[r] -= f * b[c];
      }
    }
    double[] x = new double[n];
    for (int r = n - 1; r >= 0; r--) {
      double s = b[r];
      for (int k = r + 1; k < n; k++) s -= a[r][k] * x[k];
      x[r] = s / a[r][r];
    }
    return x;
  }
}
