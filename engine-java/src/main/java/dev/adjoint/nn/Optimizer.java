package dev.adjoint.nn;

import dev.adjoint.Value;
import java.util.List;

/** Updates parameters from their gradients, as PyTorch's optimizers do. */
public interface Optimizer {
  /** Applies one update to every parameter from its current gradient. */
  void step();

  /**
   * Applies one update as if every gradient were multiplied by gradScale first (gradient
   * clipping); {@code step(1.0)} is {@link #step()}. The default supports only 1.0.
   *
   * @throws UnsupportedOperationException if gradScale is not 1 and this optimizer cannot scale
   */
  default void step(double gradScale) {
    if (gradScale != 1.0) {
      throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot scale gradients (clipping); use SGD or Adam");
    }
    step();
  }

  /** The parameters this optimizer updates, in order. */
  List<Value> parameters();

  /** Sets every parameter's gradient to 0. */
  default void zeroGrad() {
    for (Value p : parameters()) p.zeroGrad();
  }

  /** How many steps have been taken. */
  int steps();
}
