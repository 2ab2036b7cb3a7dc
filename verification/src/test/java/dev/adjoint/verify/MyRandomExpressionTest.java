package dev.adjoint.verify;

// readme:random-expressions-java
import dev.adjoint.verify.Exprs;
import dev.adjoint.verify.Oracles;
import dev.adjoint.verify.RandomExpressions;
import dev.adjoint.verify.Sample;
import dev.adjoint.verify.Shape;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class MyRandomExpressionTest {
  // 200 seeded random expressions with shared nodes; a failure is shrunk and reported as Kotlin source
  @ParameterizedTest
  @RandomExpressions(seed = 42, count = 200, shape = Shape.DAG)
  void engineOnRandomExpressions(Sample sample) {
    Oracles.assertPasses(sample, 42L);
  }

  // the same generator as a plain stream, for @MethodSource
  static Stream<Sample> trees() {
    return Exprs.stream(7, 100, Shape.TREE);
  }

  @ParameterizedTest
  @MethodSource("trees")
  void engineOnRandomTrees(Sample sample) {
    Oracles.assertPasses(sample);
  }
}
// readme:end
