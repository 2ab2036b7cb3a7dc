package dev.adjoint.nn;

import dev.adjoint.Internal;
import dev.adjoint.Value;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Locale;
import java.util.Map;
import java.util.List;
import java.util.Objects;
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
    this(randomLayers(new Random(DEFAULT_SEED), Init.UNIFORM, nin, nouts));
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
    return new MLP(randomLayers(rng, Init.UNIFORM, nin, nouts));
  }

  /** Like {@link #MLP(int, int...)}, with weights and biases drawn by init from rng. */
  public static MLP random(Random rng, Init init, int nin, int... nouts) {
    return new MLP(randomLayers(rng, init, nin, nouts));
  }

  /** An MLP of the given layers, each reading what the previous one gives. */
  public static MLP of(List<Layer> layers) {
    Objects.requireNonNull(layers, "MLP: layers is null");
    for (int i = 0; i < layers.size(); i++) Objects.requireNonNull(layers.get(i), "MLP: layer " + i + " is null");
    return new MLP(layers);
  }

  /**
   * An MLP with the given weights ({@code weights[i][j]} are neuron j's weights in layer i) and
   * biases ({@code biases[i][j]}), ReLU on hidden layers and a linear output.
   */
  public static MLP of(double[][][] weights, double[][] biases) {
    Objects.requireNonNull(weights, "MLP: weights is null");
    Objects.requireNonNull(biases, "MLP: biases is null");
    if (weights.length != biases.length) {
      throw new IllegalArgumentException("MLP: " + weights.length + " weight layers but " + biases.length + " bias layers");
    }
    List<Layer> ls = new ArrayList<>(weights.length);
    for (int i = 0; i < weights.length; i++) {
      ls.add(Layer.of(weights[i], biases[i], i < weights.length - 1 ? Activation.RELU : Activation.LINEAR));
    }
    return new MLP(ls);
  }

  private static List<Layer> randomLayers(Random rng, Init init, int nin, int... nouts) {
    Objects.requireNonNull(rng, "MLP: rng is null");
    Objects.requireNonNull(init, "MLP: init is null");
    Objects.requireNonNull(nouts, "MLP: the layer sizes are null");
    if (nouts.length == 0) throw new IllegalArgumentException("MLP: no layer sizes");
    List<Layer> ls = new ArrayList<>(nouts.length);
    int in = nin;
    for (int i = 0; i < nouts.length; i++) {
      ls.add(Layer.random(in, nouts[i], i < nouts.length - 1 ? Activation.RELU : Activation.LINEAR, init, rng));
      in = nouts[i];
    }
    return ls;
  }

  @Override
  public List<Value> apply(List<Value> x) {
    Objects.requireNonNull(x, "MLP.apply: the inputs are null");
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

  /**
   * Writes this MLP as JSON in the format of the workload's {@code mlp-*.json} files,
   * {@code {"sizes": [...], "layers": [{"w": [[...], ...], "b": [...], "activation": "relu"}, ...]}},
   * every number written so that it reads back to the same double; {@link #load} gives back a
   * model with bitwise the same weights and outputs.
   *
   * @throws IOException if the file cannot be written
   */
  public void save(Path file) throws IOException {
    StringBuilder b = new StringBuilder("{\"sizes\": [").append(inputs());
    for (Layer l : layers) b.append(", ").append(l.outputs());
    b.append("], \"layers\": [");
    for (int i = 0; i < layers.size(); i++) {
      Layer l = layers.get(i);
      b.append(i == 0 ? "\n  " : ",\n  ").append("{\"w\": [");
      for (int j = 0; j < l.outputs(); j++) {
        b.append(j == 0 ? "[" : ", [");
        List<Value> w = l.neurons().get(j).weights();
        for (int k = 0; k < w.size(); k++) b.append(k == 0 ? "" : ", ").append(number(Internal.data(w.get(k)), file));
        b.append(']');
      }
      b.append("], \"b\": [");
      for (int j = 0; j < l.outputs(); j++) b.append(j == 0 ? "" : ", ").append(number(Internal.data(l.neurons().get(j).bias()), file));
      b.append("], \"activation\": \"").append(activationName(l)).append("\"}");
    }
    b.append("\n]}\n");
    Files.writeString(file, b, StandardCharsets.UTF_8);
  }

  /**
   * Reads an MLP written by {@link #save} or a workload's {@code mlp-*.json} file: {@code layers[i].w[j]}
   * are neuron j's weights in layer i, {@code layers[i].b[j]} its bias, and an optional
   * {@code layers[i].activation} ({@code "relu"}, {@code "tanh"}, {@code "sigmoid"}, {@code "linear"},
   * {@code "leaky_relu"}; default ReLU on hidden layers, linear output). An optional {@code sizes}
   * must agree with the layers.
   *
   * @throws IOException if the file cannot be read
   * @throws IllegalArgumentException naming the file and the place of malformed JSON, a number
   *     outside the double range (such as {@code 1e400}), or shapes that do not agree
   */
  public static MLP load(Path file) throws IOException {
    String text = Files.readString(file, StandardCharsets.UTF_8);
    Object root = Json.parse(file.toString(), text);
    if (!(root instanceof Map)) throw new IllegalArgumentException(file + ": expected a JSON object with \"layers\"");
    Object ls = ((Map<?, ?>) root).get("layers");
    if (!(ls instanceof List) || ((List<?>) ls).isEmpty()) throw new IllegalArgumentException(file + ": expected a non-empty array \"layers\"");
    List<?> list = (List<?>) ls;
    List<Layer> layers = new ArrayList<>(list.size());
    for (int i = 0; i < list.size(); i++) {
      // the places in messages ("layers[0].w[3][1]") are spelled out only when one is thrown: a cold
      // JVM spent tens of milliseconds concatenating them for every weight of a 64-wide layer
      if (!(list.get(i) instanceof Map)) throw new IllegalArgumentException(file + ": " + at(i, "", -1, -1) + " is not an object");
      Map<?, ?> layer = (Map<?, ?>) list.get(i);
      List<?> w = array(layer.get("w"), file, i, ".w", -1);
      List<?> b = array(layer.get("b"), file, i, ".b", -1);
      if (w.isEmpty()) throw new IllegalArgumentException(file + ": " + at(i, ".w", -1, -1) + " has no rows");
      if (w.size() != b.size()) {
        throw new IllegalArgumentException(file + ": " + at(i, "", -1, -1) + " has " + w.size() + " weight rows but " + b.size() + " biases");
      }
      double[][] weights = new double[w.size()][];
      double[] biases = new double[b.size()];
      for (int j = 0; j < w.size(); j++) {
        List<?> row = array(w.get(j), file, i, ".w", j);
        if (row.isEmpty()) throw new IllegalArgumentException(file + ": " + at(i, ".w", j, -1) + " is empty");
        if (j > 0 && row.size() != weights[0].length) {
          throw new IllegalArgumentException(file + ": " + at(i, ".w", j, -1) + " has " + row.size() + " weights, " + at(i, ".w", 0, -1)
              + " has " + weights[0].length);
        }
        weights[j] = new double[row.size()];
        for (int k = 0; k < row.size(); k++) weights[j][k] = number(row.get(k), file, i, ".w", j, k);
        biases[j] = number(b.get(j), file, i, ".b", j, -1);
      }
      Object a = layer.get("activation");
      Activation act = i < list.size() - 1 ? Activation.RELU : Activation.LINEAR;
      if (a != null) act = activationNamed(a, file, at(i, ".activation", -1, -1));
      if (i > 0 && weights[0].length != layers.get(i - 1).outputs()) {
        throw new IllegalArgumentException(file + ": " + at(i, "", -1, -1) + " reads " + weights[0].length + " inputs but layers[" + (i - 1)
            + "] gives " + layers.get(i - 1).outputs());
      }
      layers.add(Layer.of(weights, biases, act));
    }
    MLP model = new MLP(layers);
    Object sizes = ((Map<?, ?>) root).get("sizes");
    if (sizes != null) {
      List<?> sz = array(sizes, file, "sizes");
      List<Double> expected = new ArrayList<>();
      expected.add((double) model.inputs());
      for (Layer l : layers) expected.add((double) l.outputs());
      if (!expected.equals(sz)) throw new IllegalArgumentException(file + ": sizes " + sz + " do not match the layers' " + expected);
    }
    return model;
  }

  /** A place in the file: layers[i], then field, then [j] and [k] when they are not negative. */
  private static String at(int i, String field, int j, int k) {
    return "layers[" + i + "]" + field + (j < 0 ? "" : "[" + j + "]") + (k < 0 ? "" : "[" + k + "]");
  }

  private static List<?> array(Object o, Path file, String at) {
    if (!(o instanceof List)) throw new IllegalArgumentException(file + ": " + at + " is " + (o == null ? "missing" : "not an array"));
    return (List<?>) o;
  }

  private static List<?> array(Object o, Path file, int i, String field, int j) {
    return o instanceof List ? (List<?>) o : array(o, file, at(i, field, j, -1));
  }

  private static double number(Object o, Path file, int i, String field, int j, int k) {
    if (o instanceof Double) return (Double) o;
    throw new IllegalArgumentException(file + ": " + at(i, field, j, k) + " is " + (o == null ? "null" : "not a number: " + o));
  }

  private static String number(double v, Path file) {
    if (!Double.isFinite(v)) throw new IllegalArgumentException("MLP.save: " + file + ": a parameter is " + v + ", which JSON cannot hold");
    return Double.toString(v);
  }

  private static String activationName(Layer l) {
    for (Neuron n : l.neurons()) {
      if (n.activation() != l.neurons().get(0).activation()) {
        throw new IllegalArgumentException("MLP.save: " + l + " mixes activations (" + n.activation() + "), which the format cannot hold");
      }
    }
    return l.neurons().get(0).activation().name().toLowerCase(Locale.ROOT);
  }

  private static Activation activationNamed(Object a, Path file, String at) {
    for (Activation x : Activation.values()) if (x.name().toLowerCase(Locale.ROOT).equals(a)) return x;
    StringBuilder names = new StringBuilder();
    for (Activation x : Activation.values()) names.append(names.length() == 0 ? "" : ", ").append(x.name().toLowerCase(Locale.ROOT));
    throw new IllegalArgumentException(file + ": " + at + " is " + a + ", not one of " + names);
  }

  @Override
  public String toString() {
    return "MLP" + layers;
  }
}
