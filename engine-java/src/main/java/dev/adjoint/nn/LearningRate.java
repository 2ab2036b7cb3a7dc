package dev.adjoint.nn;

/** A learning-rate schedule: the rate for step k = 0, 1, 2, ... */
@FunctionalInterface
public interface LearningRate {
  /** The learning rate at step k. */
  double at(int step);

  /** The same rate at every step. */
  static LearningRate constant(double rate) {
    return k -> rate;
  }

  /**
   * From start at step 0 to end at step steps, linearly, then end: start - (start - end)·k/steps.
   * micrograd's moons demo is {@code k -> 1.0 - 0.9 * k / 100}.
   */
  static LearningRate linear(double start, double end, int steps) {
    if (steps < 1) throw new IllegalArgumentException("LearningRate.linear: steps must be at least 1, was " + steps);
    return k -> k >= steps ? end : start - (start - end) * k / steps;
  }
}
