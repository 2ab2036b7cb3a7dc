package dev.adjoint;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The tangent column of the rule table: forward mode agrees with reverse mode and with calculus. */
class TangentRulesTest {
  @Test
  void eachOpsTangentIsItsDerivative() {
    double x0 = 0.6, y0 = 1.7;
    Value x = Value.of(x0), y = Value.of(y0);
    // d/dx along x only
    assertTangent(x.plus(y), x, 1);
    assertTangent(x.minus(y), y, -1);
    assertTangent(x.times(y), x, y0);
    assertTangent(x.div(y), y, -x0 / (y0 * y0));
    assertTangent(x.unaryMinus(), x, -1);
    assertTangent(x.pow(y), y, Math.pow(x0, y0) * Math.log(x0));
    assertTangent(x.pow(y), x, y0 * Math.pow(x0, y0 - 1));
    assertTangent(x.pow(3), x, 3 * x0 * x0);
    assertTangent(x.exp(), x, Math.exp(x0));
    assertTangent(x.log(), x, 1 / x0);
    assertTangent(x.sqrt(), x, 0.5 / Math.sqrt(x0));
    assertTangent(x.tanh(), x, 1 - Math.tanh(x0) * Math.tanh(x0));
    double s = 1 / (1 + Math.exp(-x0));
    assertTangent(x.sigmoid(), x, s * (1 - s));
    assertTangent(x.relu(), x, 1);
    assertTangent(x.unaryMinus().relu(), x, 0);
    assertTangent(x.sin(), x, Math.cos(x0));
    assertTangent(x.cos(), x, -Math.sin(x0));
    assertTangent(x.unaryMinus().abs(), x, 1);
    assertTangent(Value.sum(List.of(x, y, x)), x, 2);
    assertTangent(Value.dot(List.of(x, y), List.of(y, x)), x, 2 * y0);
  }

  static void assertTangent(Value out, Value along, double expected) {
    double t = Derivatives.jvp(out, List.of(along), new double[] {1.0});
    assertEquals(expected, t, 1e-13 * Math.max(1, Math.abs(expected)), out.op());
  }

  @Test
  void forwardModeEqualsReverseModeOnRandomGraphs() {
    Random r = new Random(42);
    for (int trial = 0; trial < 200; trial++) {
      Value[] leaves = new Value[4];
      for (int i = 0; i < 4; i++) leaves[i] = Value.of(0.2 + r.nextDouble());
      Value[] pool = new Value[40];
      System.arraycopy(leaves, 0, pool, 0, 4);
      for (int i = 4; i < pool.length; i++) {
        Value a = pool[r.nextInt(i)], b = pool[r.nextInt(i)];
        switch (r.nextInt(8)) {
          case 0: pool[i] = a.plus(b); break;
          case 1: pool[i] = a.times(b); break;
          case 2: pool[i] = a.div(b.abs().plus(0.5)); break;
          case 3: pool[i] = a.tanh().minus(b.sin()); break;
          case 4: pool[i] = a.abs().plus(0.1).pow(b.cos()); break;
          case 5: pool[i] = Value.dot(List.of(a, b), List.of(b, a)).sigmoid(); break;
          case 6: pool[i] = a.times(a).plus(1.0).log().sqrt(); break;
          default: pool[i] = Value.sum(List.of(a, b, a)).times(0.3).exp(); break;
        }
      }
      Value out = pool[pool.length - 1];
      out.backward();
      for (Value along : leaves) {
        double t = Derivatives.jvp(out, List.of(along), new double[] {1.0});
        assertEquals(along.grad(), t, 1e-12 * Math.max(1, Math.abs(t)), "trial " + trial);
      }
    }
  }
}
