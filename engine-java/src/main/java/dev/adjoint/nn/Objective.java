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

  /** How a built-in turns one row's outputs and target into its term. */
  private interface Term {
    Value of(List<Value> outputs, List<Value> target);
  }

  /** Checks one label, throwing a message naming it. */
  private interface LabelCheck {
    void check(double label, int row, int outputs);
  }

  private final String name;
  /** The number of outputs the model must have; 0 means two or more (one per class). */
  private final int outputs;
  private final Metric metric;
  private final Term term;
  private final LabelCheck labels;
  /** An opaque loss over the batch's single outputs and plain labels (null for built-ins). */
  private final BiFunction<List<Value>, double[], Value> batch;

  private Objective(String name, int outputs, Metric metric, Term term, LabelCheck labels,
      BiFunction<List<Value>, double[], Value> batch) {
    this.name = name;
    this.outputs = outputs;
    this.metric = metric;
    this.term = term;
    this.labels = labels;
    this.batch = batch;
  }

  /** Hinge loss, labels in {-1, +1}: mean of relu(1 - y·s), as {@link Loss#hinge}; accuracy by sign. */
  public static Objective hinge() {
    return new Objective("hinge", 1, Metric.SIGN,
        (s, y) -> Value.of(1.0).minus(s.get(0).times(y.get(0))).relu(), Objective::plusMinusOne, null);
  }

  /** Mean squared error, any finite label: mean of (s - y)², as {@link Loss#mse}; no metric. */
  public static Objective mse() {
    return new Objective("mse", 1, Metric.NONE, (s, y) -> s.get(0).minus(y.get(0)).pow(2), (y, r, k) -> finite("mse", y, r), null);
  }

  /**
   * Huber loss with threshold δ &gt; 0, any finite label: r²/2 where |r| ≤ δ, else δ(|r| - δ/2),
   * r = s - y (PyTorch's {@code HuberLoss}); built from ops with no branch on a value, so recorded
   * replays follow the data. No metric.
   */
  public static Objective huber(double delta) {
    if (!(delta > 0) || !Double.isFinite(delta)) throw new IllegalArgumentException("huber: delta must be positive and finite, was " + delta);
    return new Objective("huber", 1, Metric.NONE, (s, y) -> Loss.huberTerm(s.get(0).minus(y.get(0)), delta), (y, r, k) -> finite("huber", y, r), null);
  }

  /** Binary cross-entropy on logits, labels in {0, 1}, as {@link Loss#binaryCrossEntropy}; accuracy by sign. */
  public static Objective binaryCrossEntropy() {
    return new Objective("binaryCrossEntropy", 1, Metric.SIGN, (s, y) -> Loss.bceTerm(s.get(0), y.get(0)), Objective::zeroOne, null);
  }

  /**
   * Softmax cross-entropy over k ≥ 2 outputs (the logits), labels the class indices 0..k-1: mean
   * of ln Σ e^zⱼ - z_label, with the label held as a one-hot target so the graph is the same for
   * every label; accuracy by argmax.
   */
  public static Objective softmaxCrossEntropy() {
    return new Objective("softmaxCrossEntropy", 0, Metric.ARGMAX, Loss::softmaxCrossEntropyOneHot, Objective::classIndex, null);
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
    return new Objective(name, 1, metric, null, (y, r, k) -> { }, loss);
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
    for (int r = 0; r < n; r++) this.labels.check(labels[r], r, k);
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
    for (int r = 0; r < data.size(); r++) labels.check(data.y(r), r, modelOutputs);
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
      return Objects.requireNonNull(batch.apply(single, labels), () -> name + ": the loss returned null");
    }
    List<Value> terms = new ArrayList<>(outputs.size());
    for (int r = 0; r < outputs.size(); r++) terms.add(term.of(outputs.get(r), targets.get(r)));
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

  // ------------------------------------------------------------------- label sets

  private static void plusMinusOne(double y, int row, int k) {
    if (y != 1.0 && y != -1.0) throw new IllegalArgumentException("hinge: label of row " + row + " is " + y + ", not -1 or +1");
  }

  private static void zeroOne(double y, int row, int k) {
    if (y != 0.0 && y != 1.0) throw new IllegalArgumentException("binaryCrossEntropy: label of row " + row + " is " + y + ", not 0 or 1");
  }

  private static void finite(String name, double y, int row) {
    if (!Double.isFinite(y)) throw new IllegalArgumentException(name + ": label of row " + row + " is " + y + ", not a finite number");
  }

  private static void classIndex(double y, int row, int k) {
    if (!(y >= 0 && y < k) || y != Math.rint(y)) {
      throw new IllegalArgumentException("softmaxCrossEntropy: label of row " + row + " is " + y + ", not a class in 0.." + (k - 1));
    }
  }
}
