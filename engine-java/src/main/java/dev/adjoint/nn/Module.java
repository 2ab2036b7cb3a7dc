package dev.adjoint.nn;

import dev.adjoint.Value;
import java.util.List;

/** Something with trainable parameters: each is a leaf {@link Value} that an optimizer updates. */
public interface Module {
  /** The parameters, in a fixed order (the same list on every call). */
  List<Value> parameters();

  /** Sets every parameter's gradient to 0. */
  default void zeroGrad() {
    for (Value p : parameters()) p.zeroGrad();
  }
}
