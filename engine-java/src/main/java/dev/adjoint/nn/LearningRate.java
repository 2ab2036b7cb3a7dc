package dev.adjoint.nn;

/** A learning-rate schedule: the rate for step k = 0, 1, 2, ... */
@FunctionalInterface
public interface LearningRate {
  /** The learning rate at step k. */
  double at(int step);

  /** The same rate at every step. */
  static LearningRate constant(double rate) {
    if (!(rate >= 0)) throw new IllegalArgumentException("LearningRate: the rate must be non-negative, was " + rate);
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

  /**
   * PyTorch's {@code StepLR}: rate·γ^⌊k / every⌋, the rate multiplied by γ every {@code every}
   * steps.
   */
  static LearningRate step(double rate, int every, double gamma) {
    if (every < 1) throw new IllegalArgumentException("LearningRate.step: every must be at least 1, was " + every);
    return k -> rate * Math.pow(gamma, k / every);
  }

  /**
   * PyTorch's {@code CosineAnnealingLR} over one period: min + (max - min)·(1 + cos(π·k/steps))/2
   * for k ≤ steps, then min.
   */
  static LearningRate cosine(double max, double min, int steps) {
    if (steps < 1) throw new IllegalArgumentException("LearningRate.cosine: steps must be at least 1, was " + steps);
    return k -> k >= steps ? min : min + (max - min) * (1 + Math.cos(Math.PI * k / steps)) / 2;
  }

  /**
   * A linear warm-up of {@code steps} steps before then: then.at(0)·(k + 1)/(steps + 1) for
   * k &lt; steps, then then.at(k - steps).
   */
  static LearningRate warmup(int steps, LearningRate then) {
    if (steps < 0) throw new IllegalArgumentException("LearningRate.warmup: steps must be non-negative, was " + steps);
    java.util.Objects.requireNonNull(then, "LearningRate.warmup: then is null");
    return k -> k < steps ? then.at(0) * (k + 1) / (steps + 1) : then.at(k - steps);
  }
}
