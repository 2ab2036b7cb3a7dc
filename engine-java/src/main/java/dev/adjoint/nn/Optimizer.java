package dev.adjoint.nn;

/** Updates parameters from their gradients, as PyTorch's optimizers do. */
public interface Optimizer {
  /** Applies one update to every parameter from its current gradient. */
  void step();

  /** Sets every parameter's gradient to 0. */
  void zeroGrad();

  /** How many steps have been taken. */
  int steps();
}
