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
  SIGMOID,
  /**
   * x for x &gt; 0, else 0.01·x (PyTorch's default slope), as relu(x) - 0.01·relu(-x): the same
   * values as PyTorch's {@code leaky_relu}; its gradient at 0 is 0, as relu's.
   */
  LEAKY_RELU,
  /** PyTorch's exact GELU: x·Φ(x), computed as x·0.5·(1 + erf(x/√2)). */
  GELU,
  /** ln(1 + eˣ), PyTorch's {@code softplus} (x itself above 20). */
  SOFTPLUS;

  /** Applies this activation to x (LINEAR returns x itself). */
  public Value apply(Value x) {
    switch (this) {
      case RELU: return x.relu();
      case TANH: return x.tanh();
      case SIGMOID: return x.sigmoid();
      case LEAKY_RELU: return x.relu().minus(x.unaryMinus().relu().times(0.01));
      case GELU: return x.times(0.5).times(x.times(0.7071067811865476).erf().plus(1.0));
      case SOFTPLUS: return x.softplus();
      default: return x;
    }
  }
}
