package dev.adjoint.nn;

import dev.adjoint.Value;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A multi-layer perceptron with micrograd's semantics: layers applied in order, ReLU on every
 * hidden layer and a linear output layer (other activations through {@link #of(List)}).
 */
public final class MLP implements Model {
  /** The seed of {@link #MLP(int, int...)}'s initialisation, so that runs repeat. */
  public static final long DEFAULT_SEED = 1337L;

  private final List<Layer> layers;
  private final List<Value> parameters;

  /**
   * An MLP reading nin inputs, with one layer per entry of nouts; weights uniform in [-1, 1) from
   * a {@code Random} seeded with {@link #DEFAULT_SEED}, biases 0.
   */
  public MLP(int nin, int... nouts) {
    this(randomLayers(new Random(DEFAULT_SEED), nin, nouts));
  }

  private MLP(List<Layer> layers) {
    if (layers.isEmpty()) throw new IllegalArgumentException("MLP: no layers");
    for (int i = 1; i < layers.size(); i++) {
      if (layers.get(i).inputs() != layers.get(i - 1).outputs()) {
        throw new IllegalArgumentException("MLP: layer " + i + " reads " + layers.get(i).inputs()
            + " inputs but layer " + (i - 1) + " gives " + layers.get(i - 1).outputs());
      }
    }
    this.layers = List.copyOf(layers);
    List<Value> ps = new ArrayList<>();
    for (Layer l : this.layers) ps.addAll(l.parameters());
    this.parameters = List.copyOf(ps);
  }

  /** Like {@link #MLP(int, int...)}, initialised from rng. */
  public static MLP random(Random rng, int nin, int... nouts) {
    return new MLP(randomLayers(rng, nin, nouts));
  }

  /** An MLP of the given layers, each reading what the previous one gives. */
  public static MLP of(List<Layer> layers) {
    return new MLP(layers);
  }

  /**
   * An MLP with the given weights ({@code weights[i][j]} are neuron j's weights in layer i) and
   * biases ({@code biases[i][j]}), ReLU on hidden layers and a linear output.
   */
  public static MLP of(double[][][] weights, double[][] biases) {
    if (weights.length != biases.length) {
      throw new IllegalArgumentException("MLP: " + weights.length + " weight layers but " + biases.length + " bias layers");
    }
    List<Layer> ls = new ArrayList<>(weights.length);
    for (int i = 0; i < weights.length; i++) {
      ls.add(Layer.of(weights[i], biases[i], i < weights.length - 1 ? Activation.RELU : Activation.LINEAR));
    }
    return new MLP(ls);
  }

  private static List<Layer> randomLayers(Random rng, int nin, int... nouts) {
    if (nouts.length == 0) throw new IllegalArgumentException("MLP: no layer sizes");
    List<Layer> ls = new ArrayList<>(nouts.length);
    int in = nin;
    for (int i = 0; i < nouts.length; i++) {
      ls.add(Layer.random(in, nouts[i], i < nouts.length - 1 ? Activation.RELU : Activation.LINEAR, rng));
      in = nouts[i];
    }
    return ls;
  }

  @Override
  public List<Value> apply(List<Value> x) {
    List<Value> h = x;
    for (Layer l : layers) h = l.apply(h);
    return h;
  }

  /** The single output for plain inputs x (held in new leaves). */
  public Value score(double... x) {
    if (outputs() != 1) throw new IllegalStateException("MLP.score: the MLP has " + outputs() + " outputs, not 1");
    List<Value> in = new ArrayList<>(x.length);
    for (double v : x) in.add(Value.of(v));
    return apply(in).get(0);
  }

  /** The single output for every row of the data set. */
  public List<Value> scores(Dataset data) {
    List<Value> out = new ArrayList<>(data.size());
    for (int i = 0; i < data.size(); i++) out.add(score(data.x(i)));
    return out;
  }

  /** The layers. */
  public List<Layer> layers() {
    return layers;
  }

  @Override
  public int inputs() {
    return layers.get(0).inputs();
  }

  @Override
  public int outputs() {
    return layers.get(layers.size() - 1).outputs();
  }

  @Override
  public List<Value> parameters() {
    return parameters;
  }

  @Override
  public String toString() {
    return "MLP" + layers;
  }
}
