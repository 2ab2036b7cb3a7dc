package dev.adjoint.nn;

import dev.adjoint.Value;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** A fully connected layer: nout neurons reading the same nin inputs. */
public final class Layer implements Module {
  private final List<Neuron> neurons;
  private final List<Value> parameters;

  private Layer(List<Neuron> neurons) {
    if (neurons.isEmpty()) throw new IllegalArgumentException("Layer: no neurons");
    int nin = neurons.get(0).inputs();
    for (Neuron n : neurons) {
      if (n.inputs() != nin) {
        throw new IllegalArgumentException("Layer: neurons read different numbers of inputs: " + nin + " vs " + n.inputs());
      }
    }
    this.neurons = List.copyOf(neurons);
    List<Value> ps = new ArrayList<>();
    for (Neuron n : this.neurons) ps.addAll(n.parameters());
    this.parameters = List.copyOf(ps);
  }

  /** nout neurons with micrograd's random initialisation. */
  public static Layer random(int nin, int nout, Activation activation, Random rng) {
    if (nout < 1) throw new IllegalArgumentException("Layer: nout must be at least 1, was " + nout);
    List<Neuron> ns = new ArrayList<>(nout);
    for (int i = 0; i < nout; i++) ns.add(Neuron.random(nin, activation, rng));
    return new Layer(ns);
  }

  /**
   * nout neurons reading nin inputs with weights and biases drawn by init from rng;
   * {@link Init#UNIFORM} gives exactly {@link #random(int, int, Activation, Random)}'s layer.
   */
  public static Layer random(int nin, int nout, Activation activation, Init init, Random rng) {
    if (nin < 1) throw new IllegalArgumentException("Layer: nin must be at least 1, was " + nin);
    if (nout < 1) throw new IllegalArgumentException("Layer: nout must be at least 1, was " + nout);
    double[][] w = new double[nout][nin];
    double[] b = new double[nout];
    for (int j = 0; j < nout; j++) {
      for (int i = 0; i < nin; i++) w[j][i] = init.weight(nin, nout, rng);
      b[j] = init.bias(nin, rng);
    }
    return of(w, b, activation);
  }

  /** A layer of the given neurons, which must all read the same number of inputs. */
  public static Layer of(List<Neuron> neurons) {
    return new Layer(neurons);
  }

  /**
   * A layer from a weight matrix ({@code weights[j]} are neuron j's weights) and biases.
   *
   * @throws IllegalArgumentException if the shapes do not agree
   */
  public static Layer of(double[][] weights, double[] biases, Activation activation) {
    if (weights.length != biases.length) {
      throw new IllegalArgumentException("Layer: " + weights.length + " weight rows but " + biases.length + " biases");
    }
    List<Neuron> ns = new ArrayList<>(weights.length);
    for (int j = 0; j < weights.length; j++) ns.add(Neuron.of(weights[j], biases[j], activation));
    return new Layer(ns);
  }

  /** Each neuron applied to x. */
  public List<Value> apply(List<Value> x) {
    java.util.Objects.requireNonNull(x, "Layer.apply: the inputs are null");
    List<Value> out = new ArrayList<>(neurons.size());
    for (Neuron n : neurons) out.add(n.apply(x));
    return out;
  }

  /** The neurons. */
  public List<Neuron> neurons() {
    return neurons;
  }

  /** The number of inputs each neuron reads. */
  public int inputs() {
    return neurons.get(0).inputs();
  }

  /** The number of outputs. */
  public int outputs() {
    return neurons.size();
  }

  @Override
  public List<Value> parameters() {
    return parameters;
  }

  @Override
  public String toString() {
    return "Layer(" + inputs() + " -> " + outputs() + ", " + neurons.get(0).activation() + ")";
  }
}
