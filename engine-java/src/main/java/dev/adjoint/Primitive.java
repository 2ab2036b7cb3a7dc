package dev.adjoint;

/**
 * A user-defined differentiable function of n scalars, applied as one node by
 * {@link Value#apply(Primitive, Value...)} (PyTorch's {@code autograd.Function}, JAX's
 * {@code custom_vjp}): a special function, or the result of an external solver whose derivative is
 * known. The engine calls {@link #value} for the node's value and {@link #gradient} for every
 * derivative; second order (Hessian-vector products, Hessians) also needs {@link #hessian}.
 *
 * <p>Implementations must be pure: the same x gives the same results, bitwise, every time (replays
 * of a recorded tape call them again). They are called from whatever thread differentiates, so a
 * primitive used on several threads must be thread-safe (a stateless one is).
 */
public interface Primitive {
  /** The name the node's {@link Value#op()} reports, and that error messages use. */
  String name();

  /** The function's value at x. */
  double value(double[] x);

  /** Writes ∂y/∂xᵢ at x into {@code out[i]}, where y = value(x) is given. */
  void gradient(double[] x, double y, double[] out);

  /**
   * Writes the second derivatives ∂²y/∂xᵢ∂xⱼ at x into {@code out[i·n + j]} (n = x.length), for
   * second order. Optional: by default it throws {@link UnsupportedOperationException} naming the
   * primitive, which is what second order through it then does.
   */
  default void hessian(double[] x, double y, double[] out) {
    throw new UnsupportedOperationException("primitive '" + name()
        + "' gives no second derivatives: implement Primitive.hessian to use it in second order");
  }
}
