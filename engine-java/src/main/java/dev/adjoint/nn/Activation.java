package dev.adjoint.nn;

import dev.adjoint.Value;

/** The non-linearity a neuron applies to its weighted sum. */
public enum Activation {
  /** The identity: the output layer of a regression or a score. */
  LINEAR,
  /** max(x, 0). */
  RELU,
  /** tanh x. */
  TANH,
  /** 1 / (1 + e^-x). */
  SIGMOID;

  /** Applies this activation to x (LINEAR returns x itself). */
  public Value apply(Value x) {
    switch (this) {
      case RELU: return x.relu();
      case TANH: return x.tanh();
      case SIGMOID: return x.sigmoid();
      default: return x;
    }
  }
}
