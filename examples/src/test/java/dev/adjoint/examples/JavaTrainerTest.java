package dev.adjoint.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class JavaTrainerTest {
  @Test
  void reachesTheAccuracyItsCommentSays() {
    assertEquals(1.0, JavaTrainer.train().validationMetric(), 0.0);
  }
}
