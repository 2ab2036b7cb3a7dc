package dev.adjoint.nn;

import dev.adjoint.Value;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Random;

/**
 * One neuron: activation(Σ wᵢ·xᵢ + b), the weighted sum being one fused {@code dot} node. Its
 * parameters are its weights, then its bias.
 */
public final class Neuron implements Module {
  private final List<Value> w;
  private final Value b;
  private final Activation activation;
  private final List<Value> parameters;

  private Neuron(List<Value> w, Value b, Activation activation) {
    this.w = List.copyOf(w);
    this.b = b;
    this.activation = Objects.requireNonNull(activation, "Neuron: activation is null");
    List<Value> ps = new ArrayList<>(this.w);
    ps.add(b);
    this.parameters = List.copyOf(ps);
  }

  /** micrograd's initialisation: weights uniform in [-1, 1) from rng, bias 0. */
  public static Neuron random(int nin, Activation activation, Random rng) {
    if (nin < 1) throw new IllegalArgumentException("Neuron: nin must be at least 1, was " + nin);
    List<Value> w = new ArrayList<>(nin);
    for (int i = 0; i < nin; i++) w.add(Value.of(rng.nextDouble() * 2 - 1));
    return new Neuron(w, Value.of(0.0), activation);
  }

  /** A neuron with the given weights and bias. */
  public static Neuron of(double[] weights, double bias, Activation activation) {
    if (weights.length < 1) throw new IllegalArgumentException("Neuron: no weights");
    List<Value> w = new ArrayList<>(weights.length);
    for (double x : weights) w.add(Value.of(x));
    return new Neuron(w, Value.of(bias), activation);
  }

  /** activation(w · x + b). */
  public Value apply(List<Value> x) {
    if (x.size() != w.size()) {
      throw new IllegalArgumentException("Neuron: expected " + w.size() + " inputs, got " + x.size());
    }
    return activation.apply(Value.dot(w, x).plus(b));
  }

  /** The number of inputs. */
  public int inputs() {
    return w.size();
  }

  /** The weights. */
  public List<Value> weights() {
    return w;
  }

  /** The bias. */
  public Value bias() {
    return b;
  }

  /** The activation. */
  public Activation activation() {
    return activation;
  }

  @Override
  public List<Value> parameters() {
    return parameters;
  }

  @Override
  public String toString() {
    return activation + "Neuron(" + w.size() + ")";
  }
}
