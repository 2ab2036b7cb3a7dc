package dev.adjoint.nn;

import dev.adjoint.Internal;
import dev.adjoint.Value;
import java.util.List;

/**
 * Adam (Kingma and Ba), as PyTorch implements it: m ← β₁m + (1-β₁)g; v ← β₂v + (1-β₂)g²;
 * p ← p - lr(k)·(m / (1-β₁ᵗ)) / (√(v / (1-β₂ᵗ)) + ε), t = k + 1. AdamW ({@link #adamW}) first
 * decays every parameter, decoupled from the gradient: p ← p·(1 - lr(k)·λ), as PyTorch's
 * {@code AdamW}. The moments persist across steps: reuse one instance to keep them. Not
 * thread-safe.
 */
public final class Adam implements Optimizer {
  private final Value[] params;
  private final List<Value> parameters;
  private final LearningRate lr;
  private final double beta1, beta2, eps, weightDecay;
  private final double[] m, v;
  private int k;

  private Adam(List<Value> params, LearningRate lr, double beta1, double beta2, double eps, double weightDecay) {
    checkParameters("Adam", params);
    java.util.Objects.requireNonNull(lr, "Adam: the learning rate is null");
    if (!(weightDecay >= 0) || !Double.isFinite(weightDecay)) {
      throw new IllegalArgumentException("AdamW: weightDecay must be non-negative and finite, was " + weightDecay);
    }
    this.weightDecay = weightDecay;
    if (!(beta1 >= 0 && beta1 < 1)) throw new IllegalArgumentException("Adam: beta1 must be in [0, 1), was " + beta1);
    if (!(beta2 >= 0 && beta2 < 1)) throw new IllegalArgumentException("Adam: beta2 must be in [0, 1), was " + beta2);
    if (!(eps > 0)) throw new IllegalArgumentException("Adam: eps must be positive, was " + eps);
    this.params = params.toArray(new Value[0]);
    this.parameters = List.copyOf(params);
    this.lr = lr;
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
    this.m = new double[this.params.length];
    this.v = new double[this.params.length];
  }

  /** Throws unless params is a list of leaves (an optimizer sets their values). */
  static void checkParameters(String what, List<Value> params) {
    if (params == null) throw new NullPointerException(what + ": the parameters are null");
    for (int i = 0; i < params.size(); i++) {
      Value p = params.get(i);
      if (p == null) throw new NullPointerException(what + ": parameter " + i + " is null");
      if (!p.isLeaf()) {
        throw new IllegalArgumentException(what + ": parameter " + i + " is a '" + p.op() + "' node, not a leaf; only a leaf's value can be set");
      }
    }
  }

  /** Adam with PyTorch's defaults: β₁ = 0.9, β₂ = 0.999, ε = 1e-8. */
  public static Adam of(List<Value> params, double lr) {
    return new Adam(params, LearningRate.constant(lr), 0.9, 0.999, 1e-8, 0.0);
  }

  /** AdamW with PyTorch's defaults (β₁ = 0.9, β₂ = 0.999, ε = 1e-8) and decoupled weight decay λ. */
  public static Adam adamW(List<Value> params, LearningRate lr, double weightDecay) {
    return new Adam(params, lr, 0.9, 0.999, 1e-8, weightDecay);
  }

  /** AdamW with every setting given. */
  public static Adam adamW(List<Value> params, LearningRate lr, double beta1, double beta2, double eps, double weightDecay) {
    return new Adam(params, lr, beta1, beta2, eps, weightDecay);
  }

  /** Adam with every setting given. */
  public static Adam of(List<Value> params, LearningRate lr, double beta1, double beta2, double eps) {
    return new Adam(params, lr, beta1, beta2, eps, 0.0);
  }

  @Override
  public void step() {
    step(1.0);
  }

  @Override
  public void step(double gradScale) {
    double rate = lr.at(k);
    int t = ++k;
    double c1 = 1 - Math.pow(beta1, t), c2 = 1 - Math.pow(beta2, t);
    for (int i = 0; i < params.length; i++) {
      Value p = params[i];
      double g = gradScale == 1.0 ? p.grad() : p.grad() * gradScale;
      if (weightDecay != 0.0) p.setData(Internal.data(p) * (1 - rate * weightDecay));
      m[i] = beta1 * m[i] + (1 - beta1) * g;
      v[i] = beta2 * v[i] + (1 - beta2) * g * g;
      p.setData(Internal.data(p) - rate * (m[i] / c1) / (Math.sqrt(v[i] / c2) + eps));
    }
  }

  @Override
  public List<Value> parameters() {
    return parameters;
  }

  @Override
  public int steps() {
    return k;
  }
}
