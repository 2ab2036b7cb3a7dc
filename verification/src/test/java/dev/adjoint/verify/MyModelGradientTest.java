package dev.adjoint.verify;

// readme:gradcheck-java
import dev.adjoint.Value;
import dev.adjoint.verify.GradCheck;
import org.junit.jupiter.api.Test;

class MyModelGradientTest {
  @Test
  void softplusTimesWeight() {
    // f(x, w) = ln(1 + e^x) · w, checked at (0.3, -1.2); throws with a per-input report if wrong
    GradCheck.assertGradients(v -> v.get(0).exp().plus(1.0).log().times(v.get(1)), 0.3, -1.2);
  }
}
// readme:end
