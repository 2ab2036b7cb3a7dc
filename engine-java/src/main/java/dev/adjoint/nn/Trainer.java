package dev.adjoint.nn;

import dev.adjoint.BatchTape;
import dev.adjoint.Tape;
import dev.adjoint.TapeGuardException;
import dev.adjoint.Internal;
import dev.adjoint.Value;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Fits a {@link Model} to a {@link Dataset} by minimising an {@link Objective} with an
 * {@link Optimizer}, in mini-batches: each epoch visits every row once, in an order shuffled by a
 * seeded generator (kept in data order when one batch holds every row); each step computes the
 * batch's loss (plus an optional L2 term), zeroes the parameters' gradients, back-propagates,
 * optionally clips the gradient's norm, and takes one optimizer step. The optimizer, the shuffling
 * generator and the recordings persist across {@link #fit} calls, so calling {@code fit} again
 * continues the same training.
 *
 * <p>{@link Execution#TAPE} (the default) records one graph per batch shape (a {@link BatchTape}
 * for a full batch of a one-output model, else a whole-graph {@link Tape} whose inputs are the
 * parameters, the batch's features and its targets) and replays it; {@link Execution#DYNAMIC}
 * builds the graph anew each step. Both give bitwise the same history and weights, whatever the
 * model and the loss (with the default exact {@link #summation}): a replay whose recorded assumptions (a branch on a value) no longer hold
 * throws {@link TapeGuardException} before touching a gradient, and that step runs define-by-run
 * while the next batch of its size records again; after three such steps in a row that size runs
 * define-by-run for good.
 *
 * <pre>{@code
 * Trainer trainer = Trainer.of(model, Objective.softmaxCrossEntropy(), Adam.of(model.parameters(), 0.01))
 *     .batchSize(32).seed(7).validation(heldOut);
 * Trainer.History h = trainer.fit(train, 50);
 * }</pre>
 *
 * <p>Not thread-safe: one trainer trains one model on one thread.
 */
public final class Trainer {
  /** How each step evaluates the model. */
  public enum Execution {
    /** Build the graph anew every step (define-by-run). */
    DYNAMIC,
    /** Record one graph per batch shape and replay it; bitwise the same numbers as DYNAMIC. */
    TAPE
  }

  /** One step: its index in the fit call, its epoch, the batch's loss and metric before the update. */
  public record Step(int step, int epoch, double loss, double metric) {}

  /**
   * One epoch: the training loss and metric (means over its rows, from each step before its
   * update), and the validation loss and metric after its last update (NaN without validation).
   */
  public record Epoch(int epoch, double loss, double metric, double validationLoss, double validationMetric) {}

  /** A loss (without regularisation) and a metric (NaN when the objective has none) on a data set. */
  public record Evaluation(double loss, double metric) {}

  /** Every step and epoch of one {@link #fit} call, in order; grows as training goes, never ahead. */
  public static final class History {
    private double[] loss = new double[16];
    private double[] metric = new double[16];
    private int[] epochOf = new int[16];
    private int size;
    private final List<Epoch> epochs = new ArrayList<>();
    private int bestEpoch = -1;
    private boolean stopped;

    History() {}

    void add(int epoch, double l, double m) {
      if (size == loss.length) {
        int n = size * 2;
        loss = Arrays.copyOf(loss, n);
        metric = Arrays.copyOf(metric, n);
        epochOf = Arrays.copyOf(epochOf, n);
      }
      loss[size] = l;
      metric[size] = m;
      epochOf[size] = epoch;
      size++;
    }

    /** The steps (a read-only view). */
    public List<Step> steps() {
      return new AbstractList<>() {
        @Override
        public Step get(int k) {
          Objects.checkIndex(k, size);
          return new Step(k, epochOf[k], loss[k], metric[k]);
        }

        @Override
        public int size() {
          return size;
        }
      };
    }

    /** The epochs (a read-only view). */
    public List<Epoch> epochs() {
      return java.util.Collections.unmodifiableList(epochs);
    }

    /** Each step's loss. */
    public double[] loss() {
      return Arrays.copyOf(loss, size);
    }

    /** Each step's metric. */
    public double[] metric() {
      return Arrays.copyOf(metric, size);
    }

    /**
     * The last step.
     *
     * @throws IllegalStateException if no step was taken (zero epochs)
     */
    public Step last() {
      if (size == 0) throw new IllegalStateException("History: no steps were taken (fit ran 0 epochs)");
      return steps().get(size - 1);
    }

    /** The epoch whose weights early stopping kept (-1 without early stopping). */
    public int bestEpoch() {
      return bestEpoch;
    }

    /** Whether training stopped before its last epoch (early stopping or {@link Trainer#stop()}). */
    public boolean stopped() {
      return stopped;
    }
  }

  private final Model model;
  private final Objective objective;
  private final Optimizer optimizer;
  private final List<Value> parameters;
  /** Replays in a row that failed their guards before a batch size runs define-by-run for good. */
  private static final int MAX_GUARD_FAILURES = 3;
  /** Guard failures in a row, by batch size. */
  private final Map<Integer, Integer> guardFailures = new HashMap<>();
  private int batchSize = Integer.MAX_VALUE;
  private boolean shuffle = true;
  private Random rng = new Random(0);
  private double l2;
  private double clipNorm = Double.POSITIVE_INFINITY;
  private Execution execution = Execution.TAPE;
  private BatchTape.Summation summation = BatchTape.Summation.EXACT;
  private Dataset validation;
  private int patience;
  private final List<Consumer<Step>> onStep = new ArrayList<>();
  private final List<Consumer<Epoch>> onEpoch = new ArrayList<>();
  private boolean stopRequested;
  /** Whole-graph recordings by batch size. */
  private final Map<Integer, Recording> tapes = new HashMap<>();
  /** The full-batch row-parallel recording, bound to its data set. */
  private Recording fullBatch;
  /** One row's forward graph for {@link #evaluate}, with the parameters and the row as inputs. */
  private Tape evalForward;
  /** Evaluation loss recordings by row count (see {@link #evaluate}). */
  private final Map<Integer, EvalLoss> evalTapes = new HashMap<>();
  /** The number of graphs recorded so far. */
  private int recordings;

  private Trainer(Model model, Objective objective, Optimizer optimizer) {
    this.model = Objects.requireNonNull(model, "Trainer: model is null");
    this.objective = Objects.requireNonNull(objective, "Trainer: objective is null");
    this.optimizer = Objects.requireNonNull(optimizer, "Trainer: optimizer is null");
    objective.checkOutputs(model.outputs());
    this.parameters = model.parameters();
    checkOverlap(parameters, optimizer.parameters());
  }

  /**
   * Refuses an optimizer that updates none of the model's parameters (such a trainer could never
   * change the model). An optimizer over a subset (frozen layers) or a superset is allowed.
   */
  private static void checkOverlap(List<Value> model, List<Value> optimized) {
    java.util.Set<Value> own = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    own.addAll(model);
    for (Value p : optimized) if (own.contains(p)) return;
    throw new IllegalArgumentException("Trainer: the optimizer updates none of the model's " + model.size()
        + " parameters (it holds " + optimized.size() + " other values); build it over model.parameters()");
  }

  /**
   * A trainer of model for objective with optimizer (over the model's parameters); full batches,
   * shuffle seed 0, no regularisation, no clipping, recorded execution.
   *
   * @throws IllegalArgumentException if the model's outputs do not fit the objective, or the
   *     optimizer updates none of the model's parameters (a subset, for frozen layers, or a
   *     superset is allowed)
   */
  public static Trainer of(Model model, Objective objective, Optimizer optimizer) {
    return new Trainer(model, objective, optimizer);
  }

  /** Rows per step (the last batch of an epoch may be smaller); by default every row. */
  public Trainer batchSize(int rows) {
    if (rows < 1) throw new IllegalArgumentException("Trainer: batchSize must be at least 1, was " + rows);
    this.batchSize = rows;
    return this;
  }

  /** Restarts the shuffling generator from seed. */
  public Trainer seed(long seed) {
    this.rng = new Random(seed);
    return this;
  }

  /** Whether to shuffle the rows each epoch (default true; a full batch is never shuffled). */
  public Trainer shuffle(boolean shuffle) {
    this.shuffle = shuffle;
    return this;
  }

  /** Adds λ·Σp² over the model's parameters to each step's loss (0 turns it off). */
  public Trainer l2(double lambda) {
    if (!(lambda >= 0) || !Double.isFinite(lambda)) throw new IllegalArgumentException("Trainer: l2 must be non-negative and finite, was " + lambda);
    if (lambda != l2) {
      tapes.clear(); // the recordings hold the old term
      fullBatch = null;
    }
    this.l2 = lambda;
    return this;
  }

  /**
   * Clips the gradient by its norm as PyTorch's {@code clip_grad_norm_} does: when the norm n of
   * all parameters' gradients exceeds max, every gradient is scaled by max / (n + 1e-6).
   */
  public Trainer clipGradNorm(double max) {
    if (!(max > 0)) throw new IllegalArgumentException("Trainer: clipGradNorm must be positive, was " + max);
    this.clipNorm = max;
    return this;
  }

  /** Recorded (the default) or define-by-run execution. */
  public Trainer execution(Execution execution) {
    this.execution = Objects.requireNonNull(execution, "Trainer: execution is null");
    return this;
  }

  /**
   * How a full batch recorded on a {@link BatchTape} sums the parameters' gradients over the rows:
   * {@link BatchTape.Summation#EXACT} (the default: bitwise what {@link Execution#DYNAMIC} gives) or
   * {@link BatchTape.Summation#REASSOCIATED} (opt-in: deterministic, the same bits on every run,
   * within rounding of the exact sums; see there). Mini-batches, recorded whole on a {@link Tape},
   * and define-by-run steps always sum exactly.
   */
  public Trainer summation(BatchTape.Summation summation) {
    Objects.requireNonNull(summation, "Trainer: summation is null");
    if (summation != this.summation) fullBatch = null; // recorded with the other summation
    this.summation = summation;
    return this;
  }

  /** A data set to evaluate after every epoch (null for none). */
  public Trainer validation(Dataset data) {
    if (data != null) check(data, "validation");
    this.validation = data;
    return this;
  }

  /**
   * Early stopping: training ends when the validation loss has not improved for patience epochs
   * in a row, and the weights of the epoch with the lowest validation loss are restored when the
   * fit ends. Needs a {@link #validation} set; 0 turns it off.
   */
  public Trainer earlyStopping(int patience) {
    if (patience < 0) throw new IllegalArgumentException("Trainer: patience must be non-negative, was " + patience);
    this.patience = patience;
    return this;
  }

  /** Runs action after every step. */
  public Trainer onStep(Consumer<Step> action) {
    onStep.add(Objects.requireNonNull(action, "Trainer: onStep action is null"));
    return this;
  }

  /** Runs action after every epoch. */
  public Trainer onEpoch(Consumer<Epoch> action) {
    onEpoch.add(Objects.requireNonNull(action, "Trainer: onEpoch action is null"));
    return this;
  }

  /** Asks the running {@link #fit} to stop after the current step (from a callback). */
  public void stop() {
    stopRequested = true;
  }

  /** The optimizer. */
  public Optimizer optimizer() {
    return optimizer;
  }

  /**
   * The number of graphs this trainer has recorded so far (training recordings per batch shape,
   * and evaluation recordings); replays do not count. A diagnostic: it stays put while
   * {@link #fit} and {@link #evaluate} only replay.
   */
  public int recordings() {
    return recordings;
  }

  // ------------------------------------------------------------------------ fitting

  /**
   * Trains for the given number of epochs over data.
   *
   * @throws IllegalArgumentException naming the value if epochs is negative, the data's width is
   *     not the model's input count, a label is outside the objective's label set, or early
   *     stopping was asked for without a validation set
   */
  public History fit(Dataset data, int epochs) {
    Objects.requireNonNull(data, "fit: data is null");
    if (epochs < 0) throw new IllegalArgumentException("fit: epochs must be non-negative, was " + epochs);
    check(data, "fit");
    if (patience > 0 && validation == null) throw new IllegalArgumentException("fit: early stopping needs a validation set");
    stopRequested = false;
    History h = new History();
    int n = data.size(), k = model.outputs();
    int bs = Math.min(batchSize, n);
    int[] order = new int[n];
    for (int i = 0; i < n; i++) order[i] = i;
    double[] outs = new double[bs * k];
    double best = Double.POSITIVE_INFINITY;
    double[] bestWeights = null;
    int waited = 0;
    training:
    for (int epoch = 0; epoch < epochs; epoch++) {
      if (shuffle && bs < n) {
        for (int i = 0; i < n; i++) order[i] = i;
        for (int i = n - 1; i > 0; i--) {
          int j = rng.nextInt(i + 1);
          int t = order[i]; order[i] = order[j]; order[j] = t;
        }
      }
      double lossSum = 0, metricSum = 0;
      for (int from = 0; from < n; from += bs) {
        int count = Math.min(bs, n - from);
        double[] labels = new double[count];
        for (int r = 0; r < count; r++) labels[r] = data.y(order[from + r]);
        model.zeroGrad();
        optimizer.zeroGrad();
        double loss = step(data, order, from, count, bs == n, labels, outs);
        double metric = objective.metric(outs, k, labels, count);
        optimizer.step(clipScale());
        lossSum += loss * count;
        metricSum += metric * count;
        h.add(epoch, loss, metric);
        if (!onStep.isEmpty()) {
          Step s = h.last();
          for (Consumer<Step> c : onStep) c.accept(s);
        }
        if (stopRequested) {
          h.stopped = true;
          break training;
        }
      }
      Evaluation v = validation == null ? new Evaluation(Double.NaN, Double.NaN) : evaluate(validation);
      Epoch e = new Epoch(epoch, lossSum / n, metricSum / n, v.loss(), v.metric());
      h.epochs.add(e);
      for (Consumer<Epoch> c : onEpoch) c.accept(e);
      if (patience > 0) {
        if (v.loss() < best) {
          best = v.loss();
          bestWeights = weights();
          h.bestEpoch = epoch;
          waited = 0;
        } else if (++waited >= patience) {
          h.stopped = epoch < epochs - 1;
          break;
        }
      }
      if (stopRequested) {
        h.stopped = epoch < epochs - 1;
        break;
      }
    }
    if (bestWeights != null) {
      for (int i = 0; i < bestWeights.length; i++) parameters.get(i).setData(bestWeights[i]);
    }
    return h;
  }

  /**
   * The loss (no regularisation) and metric of the model on data, building no graph: the outputs
   * from replays of one recording of a row's forward graph (its inputs the parameters and the
   * row), the loss from a replay of one recording of the objective over that many rows' outputs
   * and targets (recorded again when a loss given to {@link Objective#of} sees other labels).
   * Bitwise the numbers of building the model's and the loss's graphs; each recording is made on
   * the first evaluation that needs it, and a replay refused by a guard
   * ({@link TapeGuardException}) is computed define-by-run instead and recorded again next time.
   */
  public Evaluation evaluate(Dataset data) {
    check(data, "evaluate");
    int n = data.size(), k = model.outputs();
    double[] flat = outputs(data);
    double[] labels = data.labels();
    return new Evaluation(evaluationLoss(flat, n, k, labels), objective.metric(flat, k, labels, n));
  }

  /** Every row's outputs, row after row (row r's output j at [r·k + j]), without building a graph. */
  private double[] outputs(Dataset data) {
    int n = data.size(), k = model.outputs(), nin = model.inputs(), np = parameters.size();
    double[] flat = new double[n * k];
    if (n == 0) return flat;
    if (evalForward == null) {
      List<Value> in = new ArrayList<>(np + nin);
      in.addAll(parameters);
      List<Value> row = new ArrayList<>(nin);
      for (int i = 0; i < nin; i++) row.add(Value.of(0.0));
      in.addAll(row);
      List<Value> out = model.apply(row);
      if (out.size() != k) throw new IllegalStateException("evaluate: the model gave " + out.size() + " outputs, it declares " + k);
      evalForward = Tape.record(in, out);
      recordings++;
    }
    double[] x = new double[np + nin];
    for (int i = 0; i < np; i++) x[i] = Internal.data(parameters.get(i));
    try {
      for (int r = 0; r < n; r++) {
        System.arraycopy(data.x(r), 0, x, np, nin);
        evalForward.value(x);
        for (int j = 0; j < k; j++) flat[r * k + j] = evalForward.output(j);
      }
    } catch (TapeGuardException branched) {
      // the model branches on a value differently here: every row by its own graph, and record
      // again next time
      evalForward = null;
      for (int r = 0; r < n; r++) {
        List<Value> row = new ArrayList<>(nin);
        for (double v : data.x(r)) row.add(Value.of(v));
        List<Value> o = model.apply(row);
        for (int j = 0; j < k; j++) flat[r * k + j] = Internal.data(o.get(j));
      }
    }
    return flat;
  }

  /** A recording of the objective over a number of rows' outputs (then targets) as inputs. */
  private static final class EvalLoss {
    final Tape tape;
    /** The labels a label-reading loss was recorded with (null for built-ins). */
    final double[] labels;

    EvalLoss(Tape tape, double[] labels) {
      this.tape = tape;
      this.labels = labels;
    }
  }

  /** The objective's loss over flat outputs, replayed from a recording per row count. */
  private double evaluationLoss(double[] flat, int n, int k, double[] labels) {
    boolean readsLabels = objective.readsLabels();
    int w = readsLabels ? 0 : objective.targetWidth(k);
    EvalLoss e = evalTapes.get(n);
    if (e == null || (readsLabels && !Arrays.equals(e.labels, labels))) {
      List<Value> inputs = new ArrayList<>(n * (k + w));
      List<List<Value>> outputs = new ArrayList<>(n), targets = new ArrayList<>(n);
      for (int r = 0; r < n; r++) {
        List<Value> o = new ArrayList<>(k);
        for (int j = 0; j < k; j++) o.add(Value.of(flat[r * k + j]));
        outputs.add(o);
        inputs.addAll(o);
      }
      if (!readsLabels) {
        for (int r = 0; r < n; r++) {
          List<Value> t = objective.target(labels[r], k);
          targets.add(t);
          inputs.addAll(t);
        }
      }
      e = new EvalLoss(Tape.record(inputs, objective.loss(outputs, targets, labels)), readsLabels ? labels.clone() : null);
      recordings++;
      evalTapes.put(n, e);
    }
    double[] x = new double[n * (k + w)];
    System.arraycopy(flat, 0, x, 0, n * k);
    for (int r = 0; r < n && w > 0; r++) objective.encode(labels[r], k, x, n * k + r * w);
    try {
      return e.tape.value(x);
    } catch (TapeGuardException branched) {
      // the loss branches on a value differently here: this once define-by-run, record again next time
      evalTapes.remove(n);
      List<List<Value>> outputs = new ArrayList<>(n), targets = new ArrayList<>(n);
      for (int r = 0; r < n; r++) {
        List<Value> o = new ArrayList<>(k);
        for (int j = 0; j < k; j++) o.add(Value.of(flat[r * k + j]));
        outputs.add(o);
        targets.add(readsLabels ? List.of() : objective.target(labels[r], k));
      }
      return Internal.data(objective.loss(outputs, targets, labels));
    }
  }

  /**
   * The model's outputs for every row ({@code result[r][j]} is output j of row r): bitwise the
   * values of {@link Model#apply}, from replays of one recording of one row's forward graph
   * (building no graph per row), or from each row's graph when the model branches on a value
   * differently for some row.
   */
  public static double[][] predict(Model model, double[][] rows) {
    java.util.Objects.requireNonNull(model, "predict: model is null");
    java.util.Objects.requireNonNull(rows, "predict: rows is null");
    int nin = model.inputs();
    for (int r = 0; r < rows.length; r++) {
      java.util.Objects.requireNonNull(rows[r], "predict: row " + r + " is null");
      if (rows[r].length != nin) {
        throw new IllegalArgumentException("predict: row " + r + " has " + rows[r].length + " values, the model reads " + nin);
      }
    }
    double[][] out = new double[rows.length][];
    if (rows.length == 0) return out;
    List<Value> in = new ArrayList<>(nin);
    for (int i = 0; i < nin; i++) in.add(Value.of(rows[0][i]));
    Tape forward = Tape.record(in, model.apply(in));
    int k = forward.outputs();
    try {
      for (int r = 0; r < rows.length; r++) {
        forward.value(rows[r]);
        out[r] = new double[k];
        for (int j = 0; j < k; j++) out[r][j] = forward.output(j);
      }
    } catch (TapeGuardException branched) {
      // the model branches on a value differently for some row: every row by its own graph
      for (int r = 0; r < rows.length; r++) {
        List<Value> x = new ArrayList<>(nin);
        for (double v : rows[r]) x.add(Value.of(v));
        List<Value> o = model.apply(x);
        out[r] = new double[o.size()];
        for (int j = 0; j < o.size(); j++) out[r][j] = Internal.data(o.get(j));
      }
    }
    return out;
  }

  private void check(Dataset data, String what) {
    if (data.features() != model.inputs()) {
      throw new IllegalArgumentException(what + ": the data has " + data.features() + " features, the model reads " + model.inputs() + " inputs");
    }
    objective.checkLabels(data, model.outputs());
  }

  private static double[][] rows(Dataset data) {
    double[][] x = new double[data.size()][];
    for (int i = 0; i < x.length; i++) x[i] = data.x(i);
    return x;
  }

  private double[] weights() {
    double[] w = new double[parameters.size()];
    for (int i = 0; i < w.length; i++) w[i] = Internal.data(parameters.get(i));
    return w;
  }

  /** The factor clipping applies to every gradient (1 when the norm is within bounds). */
  private double clipScale() {
    if (clipNorm == Double.POSITIVE_INFINITY) return 1.0;
    double s = 0;
    for (Value p : parameters) s += p.grad() * p.grad();
    double coef = clipNorm / (Math.sqrt(s) + 1e-6);
    return coef < 1.0 ? coef : 1.0;
  }

  // ------------------------------------------------------------------------ one step

  /** A batch's graph built define-by-run: its leaves, outputs and loss. */
  private final class Built {
    final List<Value> features, targets;
    final List<List<Value>> outputs;
    final Value loss;

    Built(Dataset data, int[] order, int from, int count, double[] labels) {
      int nin = model.inputs(), k = model.outputs();
      boolean targeted = !objective.readsLabels();
      features = new ArrayList<>(count * nin);
      targets = new ArrayList<>();
      outputs = new ArrayList<>(count);
      List<List<Value>> rowTargets = new ArrayList<>(count);
      for (int r = 0; r < count; r++) {
        double[] x = data.x(order[from + r]);
        List<Value> in = new ArrayList<>(nin);
        for (double v : x) in.add(Value.of(v));
        features.addAll(in);
        List<Value> o = model.apply(in);
        if (o.size() != k) throw new IllegalStateException("fit: the model gave " + o.size() + " outputs, it declares " + k);
        outputs.add(o);
        if (targeted) {
          List<Value> tr = objective.target(labels[r], k);
          targets.addAll(tr);
          rowTargets.add(tr);
        }
      }
      loss = regularised(objective.loss(outputs, rowTargets, labels));
    }
  }

  private Value regularised(Value loss) {
    return l2 != 0.0 ? loss.plus(Loss.l2(parameters, l2)) : loss;
  }

  /** A recording of one batch shape. */
  private static final class Recording {
    /** The generic tape, compiled once it has replayed enough ({@link Internal#compiledOnceItPays}). */
    Tape tape;
    /** Op nodes the tape has replayed. */
    long replayed;
    final BatchTape batch;
    final List<Value> features, targets;
    final double[] labels;
    final Dataset data;

    Recording(Tape tape, BatchTape batch, List<Value> features, List<Value> targets, double[] labels, Dataset data) {
      this.tape = tape;
      this.batch = batch;
      this.features = features;
      this.targets = targets;
      this.labels = labels;
      this.data = data;
    }
  }

  /** Runs one step's forward and backward; fills outs with the batch's outputs; returns the loss. */
  private double step(Dataset data, int[] order, int from, int count, boolean whole, double[] labels, double[] outs) {
    if (execution == Execution.TAPE && guardFailures.getOrDefault(count, 0) < MAX_GUARD_FAILURES) {
      Recording r = recording(data, order, from, count, whole, labels);
      try {
        double loss = replay(r, data, order, from, count, outs);
        guardFailures.remove(count);
        return loss;
      } catch (TapeGuardException branched) {
        // the recording assumed a branch this batch does not take: record again next time
        guardFailures.merge(count, 1, Integer::sum);
        if (r == fullBatch) fullBatch = null; else tapes.remove(count);
      }
    }
    return dynamic(new Built(data, order, from, count, labels), outs);
  }

  private double dynamic(Built b, double[] outs) {
    b.loss.backward();
    int k = model.outputs();
    for (int r = 0; r < b.outputs.size(); r++) {
      for (int j = 0; j < k; j++) outs[r * k + j] = Internal.data(b.outputs.get(r).get(j));
    }
    return Internal.data(b.loss);
  }

  /** The recording for this batch, made when missing or (for label-reading losses) stale. */
  private Recording recording(Dataset data, int[] order, int from, int count, boolean whole, double[] labels) {
    boolean readsLabels = objective.readsLabels();
    if (whole && model.outputs() == 1) {
      if (fullBatch == null || fullBatch.data != data) fullBatch = recordBatch(data, labels);
      if (fullBatch.batch != null) return fullBatch;
    }
    Recording r = tapes.get(count);
    if (r == null || (readsLabels && !Arrays.equals(r.labels, labels))) {
      Built b = new Built(data, order, from, count, labels);
      List<Value> inputs = new ArrayList<>(parameters.size() + b.features.size() + b.targets.size());
      inputs.addAll(parameters);
      inputs.addAll(b.features);
      inputs.addAll(b.targets);
      List<Value> outputs = new ArrayList<>(1 + count * model.outputs());
      outputs.add(b.loss);
      for (List<Value> o : b.outputs) outputs.addAll(o);
      recordings++;
      r = new Recording(Tape.record(inputs, outputs), null, b.features, b.targets, readsLabels ? labels.clone() : null, null);
      tapes.put(count, r);
    }
    return r;
  }

  /**
   * A row-parallel recording of the whole data set in order (rows never change, so the labels may
   * be constants), or a recording without a batch tape when the loss does not allow one.
   */
  private Recording recordBatch(Dataset data, double[] labels) {
    int nin = model.inputs();
    List<Value> row = new ArrayList<>(nin);
    for (int i = 0; i < nin; i++) row.add(Value.of(0.0));
    BatchTape batch;
    recordings++;
    try {
      batch = BatchTape.record(parameters, row, model.apply(row).get(0), rows(data), outs -> {
        List<List<Value>> outputs = new ArrayList<>(outs.size()), targets = new ArrayList<>(outs.size());
        for (int r = 0; r < outs.size(); r++) {
          outputs.add(List.of(outs.get(r)));
          targets.add(objective.target(labels[r], 1));
        }
        return regularised(objective.loss(outputs, targets, labels));
      }, 1, summation);
    } catch (IllegalArgumentException refused) {
      batch = null;
    }
    return new Recording(null, batch, null, null, labels.clone(), data);
  }

  /** Replays r for this batch; the one place a replay may be refused. */
  private double replay(Recording r, Dataset data, int[] order, int from, int count, double[] outs) {
    int k = model.outputs();
    if (r.batch != null) {
      double loss = r.batch.backward();
      for (int i = 0; i < count; i++) outs[i] = r.batch.output(i);
      return loss;
    }
    int nin = model.inputs(), w = objective.targetWidth(k);
    double[] t = new double[w];
    for (int i = 0; i < count; i++) {
      double[] x = data.x(order[from + i]);
      for (int j = 0; j < nin; j++) r.features.get(i * nin + j).setData(x[j]);
      if (!r.targets.isEmpty()) {
        objective.encode(data.y(order[from + i]), k, t, 0);
        for (int j = 0; j < w; j++) r.targets.get(i * w + j).setData(t[j]);
      }
    }
    double loss = r.tape.backward();
    for (int i = 0; i < count * k; i++) outs[i] = r.tape.output(1 + i);
    r.replayed += r.tape.operations();
    r.tape = Internal.compiledOnceItPays(r.tape, r.replayed);
    return loss;
  }
}
