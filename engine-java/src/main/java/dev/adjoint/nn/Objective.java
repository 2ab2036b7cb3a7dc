package dev.adjoint.nn;

import dev.adjoint.Value;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.BiFunction;

/**
 * A training loss as {@link Trainer} uses it: the mean over a batch's rows of a per-row term built
 * from the row's model outputs and its <em>target</em> (leaves holding the row's encoded label),
 * the label set it accepts, and the metric that fits the task. A built-in objective's graph never
 * depends on the values it reads (no branch on {@code data()}), so one recording per batch shape
 * replays exactly whatever the rows and labels.
 *
 * <p>Built-ins: {@link #hinge()}, {@link #binaryCrossEntropy()} (one output, accuracy by sign),
 * {@link #mse()}, {@link #huber(double)} (one output, no metric), {@link #softmaxCrossEntropy()}
 * (k ≥ 2 outputs, integer class labels 0..k-1, accuracy by argmax). {@link #of} wraps any other
 * loss of one output per row.
 *
 * <p>Immutable and thread-safe.
 */
public final class Objective {
  /** What a step's metric measures. */
  public enum Metric {
    /** No metric (regression): reported as NaN. */
    NONE,
    /** The fraction of rows whose output has the label's sign (label &gt; 0 vs output &gt; 0). */
    SIGN,
    /** The fraction of rows whose largest output (the first, at a tie) is the label's class. */
    ARGMAX
  }

  /**
   * Which loss this is: a built-in's per-row term and label set, or a loss given to {@link #of}.
   * Written as switches rather than lambdas: each lambda's first call costs a cold JVM about 0.1 to
   * 0.3 ms to link, and the built-ins were about 2 ms of a 30 ms moons-100 training (README's
   * Performance section).
   */
  private enum Kind {
    HINGE, MSE, HUBER, BINARY_CROSS_ENTROPY, SOFTMAX_CROSS_ENTROPY, CUSTOM;

    /** A built-in's term for one row's outputs and target leaves; delta is Huber's threshold. */
    Value term(List<Value> s, List<Value> y, double delta) {
      switch (this) {
        case HINGE: return Value.of(1.0).minus(s.get(0).times(y.get(0))).relu();
        case MSE: return s.get(0).minus(y.get(0)).pow(2);
        case HUBER: return Loss.huberTerm(s.get(0).minus(y.get(0)), delta);
        case BINARY_CROSS_ENTROPY: return Loss.bceTerm(s.get(0), y.get(0));
        case SOFTMAX_CROSS_ENTROPY: return Loss.softmaxCrossEntropyOneHot(s, y);
        default: throw new IllegalStateException(name() + " has no per-row term");
      }
    }

    /** Throws a message naming the row and the label when label is outside this loss's label set (k: the model's outputs). */
    void check(String name, double y, int row, int k) {
      switch (this) {
        case HINGE:
          if (y != 1.0 && y != -1.0) throw new IllegalArgumentException("hinge: label of row " + row + " is " + y + ", not -1 or +1");
          return;
        case BINARY_CROSS_ENTROPY:
          if (y != 0.0 && y != 1.0) throw new IllegalArgumentException("binaryCrossEntropy: label of row " + row + " is " + y + ", not 0 or 1");
          return;
        case MSE:
        case HUBER:
          if (!Double.isFinite(y)) throw new IllegalArgumentException(name + ": label of row " + row + " is " + y + ", not a finite number");
          return;
        case SOFTMAX_CROSS_ENTROPY:
          if (!(y >= 0 && y < k) || y != Math.rint(y)) {
            throw new IllegalArgumentException("softmaxCrossEntropy: label of row " + row + " is " + y + ", not a class in 0.." + (k - 1));
          }
          return;
        default: // a loss of one's own takes any label
      }
    }
  }

  private final String name;
  /** The number of outputs the model must have; 0 means two or more (one per class). */
  private final int outputs;
  private final Metric metric;
  private final Kind kind;
  /** Huber's threshold (unused by the other kinds). */
  private final double delta;
  /** An opaque loss over the batch's single outputs and plain labels (null for built-ins). */
  private final BiFunction<List<Value>, double[], Value> batch;

  private Objective(String name, int outputs, Metric metric, Kind kind, double delta,
      BiFunction<List<Value>, double[], Value> batch) {
    this.name = name;
    this.outputs = outputs;
    this.metric = metric;
    this.kind = kind;
    this.delta = delta;
    this.batch = batch;
  }

  /** Hinge loss, labels in {-1, +1}: mean of relu(1 - y·s), as {@link Loss#hinge}; accuracy by sign. */
  public static Objective hinge() {
    return new Objective("hinge", 1, Metric.SIGN, Kind.HINGE, 0.0, null);
  }

  /** Mean squared error, any finite label: mean of (s - y)², as {@link Loss#mse}; no metric. */
  public static Objective mse() {
    return new Objective("mse", 1, Metric.NONE, Kind.MSE, 0.0, null);
  }

  /**
   * Huber loss with threshold δ &gt; 0, any finite label: r²/2 where |r| ≤ δ, else δ(|r| - δ/2),
   * r = s - y (PyTorch's {@code HuberLoss}); built from ops with no branch on a value, so recorded
   * replays follow the data. No metric.
   */
  public static Objective huber(double delta) {
    if (!(delta > 0) || !Double.isFinite(delta)) throw new IllegalArgumentException("huber: delta must be positive and finite, was " + delta);
    return new Objective("huber", 1, Metric.NONE, Kind.HUBER, delta, null);
  }

  /** Binary cross-entropy on logits, labels in {0, 1}, as {@link Loss#binaryCrossEntropy}; accuracy by sign. */
  public static Objective binaryCrossEntropy() {
    return new Objective("binaryCrossEntropy", 1, Metric.SIGN, Kind.BINARY_CROSS_ENTROPY, 0.0, null);
  }

  /**
   * Softmax cross-entropy over k ≥ 2 outputs (the logits), labels the class indices 0..k-1: mean
   * of ln Σ e^zⱼ - z_label, with the label held as a one-hot target so the graph is the same for
   * every label; accuracy by argmax.
   */
  public static Objective softmaxCrossEntropy() {
    return new Objective("softmaxCrossEntropy", 0, Metric.ARGMAX, Kind.SOFTMAX_CROSS_ENTROPY, 0.0, null);
  }

  /**
   * Any loss of a model with one output: {@code loss} receives the batch's outputs (one per row)
   * and labels. Recorded execution replays it only for the labels it was recorded with (it may
   * read them as constants), recording again when a batch's labels differ.
   */
  public static Objective of(String name, BiFunction<List<Value>, double[], Value> loss, Metric metric) {
    Objects.requireNonNull(name, "Objective.of: name is null");
    Objects.requireNonNull(loss, "Objective.of: loss is null");
    Objects.requireNonNull(metric, "Objective.of: metric is null");
    return new Objective(name, 1, metric, Kind.CUSTOM, 0.0, loss);
  }

  /** The name, as in error messages. */
  public String name() {
    return name;
  }

  /** The metric. */
  public Metric metric() {
    return metric;
  }

  @Override
  public String toString() {
    return name;
  }

  /**
   * The loss of a batch given as flat outputs: {@code outputs} holds k values per row, row after
   * row, for {@code labels.length} rows.
   *
   * @throws IllegalArgumentException naming the value if the sizes do not agree or a label is
   *     outside this objective's label set
   */
  public Value loss(List<Value> outputs, double[] labels) {
    int n = labels.length;
    if (n == 0) throw new IllegalArgumentException(name + ": no samples");
    if (outputs.size() % n != 0) throw new IllegalArgumentException(name + ": " + outputs.size() + " outputs for " + n + " labels");
    int k = outputs.size() / n;
    checkOutputs(k);
    for (int r = 0; r < n; r++) kind.check(name, labels[r], r, k);
    List<List<Value>> rows = new ArrayList<>(n), targets = new ArrayList<>(n);
    for (int r = 0; r < n; r++) {
      rows.add(outputs.subList(r * k, r * k + k));
      targets.add(target(labels[r], k));
    }
    return loss(rows, targets, labels);
  }

  // ------------------------------------------------------------------- used by Trainer

  /** True for a loss whose recordings hold its labels as constants (see {@link #of}). */
  boolean readsLabels() {
    return batch != null;
  }

  /** Throws naming the objective and the model's outputs when the model cannot feed this loss. */
  void checkOutputs(int modelOutputs) {
    if (outputs == 0 ? modelOutputs < 2 : modelOutputs != outputs) {
      throw new IllegalArgumentException(name + ": needs a model with " + (outputs == 0 ? "2 or more outputs (one per class)" : outputs + " output")
          + ", the model has " + modelOutputs);
    }
  }

  /** Checks every label of data, naming the first bad one. */
  void checkLabels(Dataset data, int modelOutputs) {
    for (int r = 0; r < data.size(); r++) kind.check(name, data.y(r), r, modelOutputs);
  }

  /** The number of target values per row. */
  int targetWidth(int modelOutputs) {
    return outputs == 0 ? modelOutputs : 1;
  }

  /** Fresh leaves holding the target of a (checked) label. */
  List<Value> target(double label, int modelOutputs) {
    int w = targetWidth(modelOutputs);
    double[] t = new double[w];
    encode(label, modelOutputs, t, 0);
    List<Value> leaves = new ArrayList<>(w);
    for (double v : t) leaves.add(Value.of(v));
    return leaves;
  }

  /** Writes the target of a (checked) label into out[at ..]. */
  void encode(double label, int modelOutputs, double[] out, int at) {
    if (outputs == 0) {
      for (int j = 0; j < modelOutputs; j++) out[at + j] = j == (int) label ? 1.0 : 0.0;
    } else {
      out[at] = label;
    }
  }

  /**
   * The loss of a batch: its rows' outputs, and either target leaves (built-ins; labels ignored)
   * or the plain labels (a loss given to {@link #of}; targets ignored).
   */
  Value loss(List<List<Value>> outputs, List<List<Value>> targets, double[] labels) {
    if (batch != null) {
      List<Value> single = new ArrayList<>(outputs.size());
      for (List<Value> o : outputs) single.add(o.get(0));
      final Value loss = batch.apply(single, labels);
      if (loss == null) throw new NullPointerException(name + ": the loss returned null");
      return loss;
    }
    List<Value> terms = new ArrayList<>(outputs.size());
    for (int r = 0; r < outputs.size(); r++) terms.add(kind.term(outputs.get(r), targets.get(r), delta));
    return Loss.mean(terms);
  }

  /** The metric of a batch from its rows' outputs (row r's output j at outs[r·k + j]). */
  double metric(double[] outs, int k, double[] labels, int rows) {
    if (metric == Metric.NONE) return Double.NaN;
    int right = 0;
    for (int r = 0; r < rows; r++) {
      if (metric == Metric.SIGN) {
        if ((labels[r] > 0) == (outs[r * k] > 0)) right++;
      } else {
        int best = 0;
        for (int j = 1; j < k; j++) if (outs[r * k + j] > outs[r * k + best]) best = j;
        if (best == (int) labels[r]) right++;
      }
    }
    return (double) right / rows;
  }
}
