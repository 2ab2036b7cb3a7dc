package dev.adjoint.nn;

import dev.adjoint.Internal;
import dev.adjoint.Value;
import java.util.List;

/**
 * Stochastic gradient descent, optionally with momentum (PyTorch's form): v ← μ·v + g;
 * p ← p - lr(k)·v, where k counts the steps taken so far. With μ = 0 it is p ← p - lr(k)·g.
 */
public final class SGD implements Optimizer {
  private final Value[] params;
  private final List<Value> parameters;
  private final LearningRate lr;
  private final double momentum;
  private final double[] velocity;
  private int k;

  private SGD(List<Value> params, LearningRate lr, double momentum) {
    Adam.checkParameters("SGD", params);
    java.util.Objects.requireNonNull(lr, "SGD: the learning rate is null");
    this.params = params.toArray(new Value[0]);
    this.parameters = List.copyOf(params);
    this.lr = lr;
    if (!(momentum >= 0 && momentum < 1)) throw new IllegalArgumentException("SGD: momentum must be in [0, 1), was " + momentum);
    this.momentum = momentum;
    this.velocity = momentum == 0 ? null : new double[this.params.length];
  }

  /** Plain SGD with a constant learning rate. */
  public static SGD of(List<Value> params, double lr) {
    return new SGD(params, LearningRate.constant(lr), 0.0);
  }

  /** Plain SGD with a schedule. */
  public static SGD of(List<Value> params, LearningRate lr) {
    return new SGD(params, lr, 0.0);
  }

  /** SGD with momentum μ in [0, 1). */
  public static SGD withMomentum(List<Value> params, LearningRate lr, double momentum) {
    return new SGD(params, lr, momentum);
  }

  @Override
  public void step() {
    step(1.0);
  }

  @Override
  public void step(double gradScale) {
    double rate = lr.at(k++);
    for (int i = 0; i < params.length; i++) {
      Value p = params[i];
      double g = gradScale == 1.0 ? p.grad() : p.grad() * gradScale;
      if (velocity != null) g = velocity[i] = momentum * velocity[i] + g;
      p.setData(Internal.data(p) - rate * g);
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
