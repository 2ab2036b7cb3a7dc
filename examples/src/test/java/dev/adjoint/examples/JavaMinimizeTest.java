package dev.adjoint.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.nn.Minimize;
import org.junit.jupiter.api.Test;

class JavaMinimizeTest {
  @Test
  void findsTheSampleMeanAndDeviation() {
    double[] xs = {4.1, 5.3, 3.8, 6.0, 4.9, 5.5, 4.4};
    double mean = 0, var = 0;
    for (double x : xs) mean += x / xs.length;
    for (double x : xs) var += (x - mean) * (x - mean) / xs.length;
    Minimize.Result r = JavaMinimize.fit(xs);
    assertTrue(r.converged(), r.toString());
    assertEquals(mean, r.x()[0], 1e-8 * mean);
    assertEquals(Math.sqrt(var), Math.exp(r.x()[1]), 1e-8 * Math.sqrt(var));
  }
}
