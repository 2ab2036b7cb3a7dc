package dev.adjoint.nn;

import dev.adjoint.Value;
import java.util.List;

/** Updates parameters from their gradients, as PyTorch's optimizers do. */
public interface Optimizer {
  /** Applies one update to every parameter from its current gradient. */
  void step();

  /** The parameters this optimizer updates, in order. */
  List<Value> parameters();

  /** Sets every parameter's gradient to 0. */
  default void zeroGrad() {
    for (Value p : parameters()) p.zeroGrad();
  }

  /** How many steps have been taken. */
  int steps();
}
