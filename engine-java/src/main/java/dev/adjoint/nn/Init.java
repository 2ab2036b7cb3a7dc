package dev.adjoint.nn;

import java.util.Random;

/**
 * How {@link Layer#random(int, int, Activation, Init, Random)} draws a layer's initial weights and
 * biases from a seeded generator (weights neuron by neuron, each neuron's bias after its weights).
 */
public enum Init {
  /** micrograd's: weights uniform in [-1, 1), biases 0. */
  UNIFORM,
  /** PyTorch's {@code nn.Linear} default: weights and biases uniform in [-1/√fan_in, 1/√fan_in). */
  PYTORCH,
  /** Xavier/Glorot uniform: weights uniform in [-a, a), a = √(6/(fan_in + fan_out)); biases 0. */
  XAVIER,
  /** He/Kaiming normal, for ReLU layers: weights normal with standard deviation √(2/fan_in); biases 0. */
  HE;

  /** One weight of a layer reading fanIn inputs and giving fanOut outputs. */
  double weight(int fanIn, int fanOut, Random rng) {
    switch (this) {
      case PYTORCH: return (rng.nextDouble() * 2 - 1) / Math.sqrt(fanIn);
      case XAVIER: return (rng.nextDouble() * 2 - 1) * Math.sqrt(6.0 / (fanIn + fanOut));
      case HE: return rng.nextGaussian() * Math.sqrt(2.0 / fanIn);
      default: return rng.nextDouble() * 2 - 1;
    }
  }

  /** One bias of a layer reading fanIn inputs. */
  double bias(int fanIn, Random rng) {
    return this == PYTORCH ? (rng.nextDouble() * 2 - 1) / Math.sqrt(fanIn) : 0.0;
  }
}
