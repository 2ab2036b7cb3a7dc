package dev.adjoint.verify;

// readme:primitive-check-java
import dev.adjoint.Primitive;
import dev.adjoint.verify.GradCheck;
import org.junit.jupiter.api.Test;

class MyPrimitiveTest {
  // softsign(x) = x / (1 + |x|), with its derivative 1 / (1 + |x|)^2
  static final Primitive SOFTSIGN = new Primitive() {
    @Override public String name() { return "softsign"; }
    @Override public double value(double[] x) { return x[0] / (1 + Math.abs(x[0])); }
    @Override public void gradient(double[] x, double y, double[] out) {
      double d = 1 + Math.abs(x[0]);
      out[0] = 1 / (d * d);
    }
  };

  @Test
  void softsignAcrossItsDomain() {
    // 100 seeded random points of (-10, 10); throws with the simplest failing point's report
    GradCheck.assertPrimitive(SOFTSIGN, new double[] {-10}, new double[] {10});
  }
}
// readme:end
