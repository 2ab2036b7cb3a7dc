@file:JvmName("Training")

package dev.adjoint.dsl

import dev.adjoint.Value
import dev.adjoint.nn.Adam
import dev.adjoint.nn.Dataset
import dev.adjoint.nn.LearningRate
import dev.adjoint.nn.Model
import dev.adjoint.nn.Objective
import dev.adjoint.nn.Optimizer
import dev.adjoint.nn.SGD
import dev.adjoint.nn.Trainer
import java.io.PrintStream
import java.lang.ref.SoftReference
import java.util.Collections
import java.util.Locale
import java.util.WeakHashMap

/** A loss over a batch: the model's scores and the labels. */
public fun interface LossFunction {
    /** The loss of [scores] against [labels]. */
    public fun loss(scores: List<Value>, labels: DoubleArray): Value
}

/**
 * A built-in loss of [Losses]: the [LossFunction] of an [Objective], which [fit] trains with its
 * own label checks, metric and recordings (one per batch shape, whatever the labels).
 */
public class ObjectiveLoss internal constructor(
    /** The objective [fit] uses. */
    public val objective: Objective,
) : LossFunction {
    /** The loss of [scores] (k per row, row after row) against [labels]. */
    override fun loss(scores: List<Value>, labels: DoubleArray): Value = objective.loss(scores, labels)

    override fun toString(): String = objective.name()
}

/** The losses [fit] knows, with the metric that fits each (accuracy by sign or by argmax; none for regression). */
public object Losses {
    /** Mean of relu(1 - y·s), labels in {-1, +1}; accuracy by sign. */
    public val hinge: LossFunction = ObjectiveLoss(Objective.hinge())

    /** Mean squared error; no metric (accuracy NaN). */
    public val mse: LossFunction = ObjectiveLoss(Objective.mse())

    /** Binary cross-entropy on logits, labels in {0, 1}; accuracy by sign. */
    public val binaryCrossEntropy: LossFunction = ObjectiveLoss(Objective.binaryCrossEntropy())

    /** Softmax cross-entropy over a model with k ≥ 2 outputs, labels the classes 0..k-1; accuracy by argmax. */
    public val softmaxCrossEntropy: LossFunction = ObjectiveLoss(Objective.softmaxCrossEntropy())

    /** Huber loss with threshold [delta] (PyTorch's `HuberLoss`), built without a branch on a value; no metric. */
    public fun huber(delta: Double = 1.0): LossFunction = ObjectiveLoss(Objective.huber(delta))
}

/** Makes an optimizer for a model's parameters; see [sgd] and [adam]. */
public fun interface OptimizerFactory {
    /** An optimizer over [parameters]. */
    public fun create(parameters: List<Value>): Optimizer
}

/** Plain SGD with learning rate [lr] at step k, for example `sgd { k -> 1.0 - 0.9 * k / 100 }`. */
public fun sgd(lr: LearningRate): OptimizerFactory = OptimizerFactory { SGD.of(it, lr) }

/** Plain SGD with a constant learning rate. */
public fun sgd(lr: Double): OptimizerFactory = OptimizerFactory { SGD.of(it, lr) }

/** SGD with momentum. */
public fun sgd(lr: Double, momentum: Double): OptimizerFactory =
    OptimizerFactory { SGD.withMomentum(it, LearningRate.constant(lr), momentum) }

/** Adam with PyTorch's defaults. */
public fun adam(lr: Double): OptimizerFactory = OptimizerFactory { Adam.of(it, lr) }

/** Adam with a learning-rate schedule, for example `adam(LearningRate.cosine(0.01, 0.0, 1000))`. */
public fun adam(lr: LearningRate): OptimizerFactory = OptimizerFactory { Adam.of(it, lr, 0.9, 0.999, 1e-8) }

/** AdamW: Adam with decoupled weight decay [weightDecay] (PyTorch's `AdamW`; its default decay is 0.01). */
public fun adamW(lr: Double, weightDecay: Double = 0.01): OptimizerFactory =
    OptimizerFactory { Adam.adamW(it, LearningRate.constant(lr), weightDecay) }

/** How [fit] evaluates the model each step. */
public enum class Execution {
    /** Builds the graph anew every step and calls `backward()` on it (define-by-run). */
    DYNAMIC,

    /**
     * Records the graph once per batch shape and replays it every step: the same numbers, bitwise,
     * faster. A full batch of a one-output model is recorded on a [dev.adjoint.BatchTape] (one
     * row's graph run over all rows together), other batches whole on a [dev.adjoint.Tape].
     */
    TAPE,
}

/**
 * How [fit] sums a full batch's gradients over the rows ([FitScope.summation]): `EXACT`, bitwise
 * define-by-run, or `REASSOCIATED`, deterministic and within rounding of it (see [dev.adjoint.BatchTape.Summation]).
 */
public typealias Summation = dev.adjoint.BatchTape.Summation

/** What one training step saw: its index, the loss and the accuracy before its update (NaN for regression). */
public data class Step(val step: Int, val loss: Double, val accuracy: Double)

/**
 * What one epoch saw: the training loss and accuracy (means over its rows, each step's before its
 * update) and the validation loss and accuracy after it (NaN without validation).
 */
public data class Epoch(val epoch: Int, val loss: Double, val accuracy: Double, val validationLoss: Double, val validationAccuracy: Double)

/** Every step and epoch of a [fit], in order. */
public class History internal constructor(private val h: Trainer.History) {
    /** Every step. */
    public val steps: List<Step> = object : AbstractList<Step>() {
        override val size: Int get() = h.steps().size
        override fun get(index: Int): Step = h.steps()[index].let { Step(it.step(), it.loss(), it.metric()) }
    }

    /** Every epoch. */
    public val epochs: List<Epoch> = object : AbstractList<Epoch>() {
        override val size: Int get() = h.epochs().size
        override fun get(index: Int): Epoch =
            h.epochs()[index].let { Epoch(it.epoch(), it.loss(), it.metric(), it.validationLoss(), it.validationMetric()) }
    }

    /** The loss of each step. */
    public val loss: DoubleArray get() = h.loss()

    /** The accuracy of each step. */
    public val accuracy: DoubleArray get() = h.metric()

    /** The last step; throws [IllegalStateException] when no step was taken (zero epochs). */
    public val last: Step get() = h.last().let { Step(it.step(), it.loss(), it.metric()) }

    /** Whether training stopped before its last epoch (early stopping or [FitScope.stop]). */
    public val stopped: Boolean get() = h.stopped()

    /** The epoch whose weights early stopping kept (-1 without early stopping). */
    public val bestEpoch: Int get() = h.bestEpoch()
}

/** The receiver of [fit]'s block: regularisation, shuffling, early stopping, callbacks, progress display. */
@AdjointDsl
public class FitScope internal constructor() {
    internal val callbacks = ArrayList<(Step) -> Unit>()
    internal val epochCallbacks = ArrayList<(Epoch) -> Unit>()
    internal var trainer: Trainer? = null

    /** L2 regularisation strength: λ·Σp² is added to the loss (0 turns it off). */
    public var l2: Double = 0.0

    /** The seed of the shuffling of mini-batches (each epoch draws a new order from it). */
    public var seed: Long = 0

    /** Whether mini-batches are shuffled each epoch (a full batch never is). */
    public var shuffle: Boolean = true

    /** Clips the gradient's norm to this value, as PyTorch's `clip_grad_norm_` (null: no clipping). */
    public var clipGradNorm: Double? = null

    /** Early stopping: stop after this many epochs without a better validation loss and restore the best weights (0: off). */
    public var patience: Int = 0

    /**
     * How a full batch replayed on a [dev.adjoint.BatchTape] sums the gradients over the rows:
     * [dev.adjoint.BatchTape.Summation.EXACT] (the default: bitwise what [Execution.DYNAMIC] gives) or, opt-in,
     * [dev.adjoint.BatchTape.Summation.REASSOCIATED]: deterministic (the same bits on every run), within rounding of the
     * exact sums, faster where a parameter is a scalar operand of many rows' nodes. Mini-batches
     * and define-by-run steps always sum exactly.
     */
    public var summation: Summation = Summation.EXACT

    /**
     * Whether to draw a progress bar on standard error; by default only when attached to a
     * terminal, so logs and pipes stay clean.
     */
    public var progress: Boolean = System.console() != null

    /** Runs [action] after every step. */
    public fun onStep(action: (Step) -> Unit) {
        callbacks += action
    }

    /** Runs [action] after every epoch. */
    public fun onEpoch(action: (Epoch) -> Unit) {
        epochCallbacks += action
    }

    /** Stops training after the current step (call it from a callback). */
    public fun stop() {
        trainer?.stop()
    }
}

/**
 * Trains this model on [data] for [epochs] epochs. Each epoch visits every row once, in batches of
 * [batchSize] rows (all rows by default: then an epoch is one step), shuffled each epoch with
 * [FitScope.seed]; each step computes the batch's loss (plus [FitScope.l2] regularisation), zeroes
 * the gradients, back-propagates and takes one optimizer step. [validation] is evaluated after
 * every epoch. [execution] chooses define-by-run or recorded replays (the default); both give
 * bitwise the same history. A new optimizer is made from [optimizer] on each call; pass an
 * [Optimizer] to keep its state (Adam's moments) across calls: then calling `fit` again with the
 * same model, loss, optimizer and execution (once per batch or per epoch) also reuses the
 * recordings instead of recording again. Each call restarts the shuffling from [FitScope.seed].
 *
 * ```
 * val history = model.fit(data, epochs = 100, loss = Losses.hinge, optimizer = sgd { k -> 1.0 - 0.9 * k / 100 }) {
 *     l2 = 1e-4
 *     onStep { if (it.step % 10 == 0) println(it) }
 * }
 * ```
 */
public fun Model.fit(
    data: Dataset,
    epochs: Int,
    loss: LossFunction = Losses.hinge,
    optimizer: OptimizerFactory,
    execution: Execution = Execution.TAPE,
    batchSize: Int? = null,
    validation: Dataset? = null,
    block: FitScope.() -> Unit = {},
): History = fit(data, epochs, loss, optimizer.create(parameters()), execution, batchSize, validation, block)

/**
 * [fit] with an optimizer that persists: calling it again continues the same optimization, and
 * with the same model, loss and execution replays the recordings of the earlier calls.
 */
public fun Model.fit(
    data: Dataset,
    epochs: Int,
    loss: LossFunction = Losses.hinge,
    optimizer: Optimizer,
    execution: Execution = Execution.TAPE,
    batchSize: Int? = null,
    validation: Dataset? = null,
    block: FitScope.() -> Unit = {},
): History {
    require(epochs >= 0) { "fit: epochs must be non-negative, was $epochs" }
    val scope = FitScope().apply(block)
    val fitter = fitterOf(this, loss, optimizer, execution)
    val trainer = fitter.trainer
        .seed(scope.seed)
        .shuffle(scope.shuffle)
        .l2(scope.l2)
        .earlyStopping(scope.patience)
        .validation(validation)
        .batchSize(batchSize ?: Int.MAX_VALUE)
        .clipGradNorm(scope.clipGradNorm ?: Double.POSITIVE_INFINITY)
        .summation(scope.summation)
    scope.trainer = trainer
    val perEpoch = if (batchSize == null) 1 else (data.size() + batchSize - 1) / batchSize
    val bar = if (scope.progress) ProgressBar(System.err, epochs.toLong() * perEpoch) else null
    fitter.scope = scope
    fitter.bar = bar
    try {
        val history = History(trainer.fit(data, epochs))
        bar?.finish()
        return history
    } finally {
        fitter.scope = null
        fitter.bar = null
    }
}

/**
 * The [Trainer] [fit] keeps for one model, loss, optimizer and execution, so calling [fit] again
 * (once per batch or per epoch) replays its recordings instead of recording again. Its callbacks
 * forward to the scope of the running call.
 */
internal class Fitter(
    val loss: LossFunction,
    val optimizer: Optimizer,
    val execution: Execution,
    val trainer: Trainer,
) {
    var scope: FitScope? = null
    var bar: ProgressBar? = null

    init {
        trainer.onStep { s ->
            val step = Step(s.step(), s.loss(), s.metric())
            scope?.callbacks?.forEach { it(step) }
            bar?.update(step)
        }
        trainer.onEpoch { e ->
            val epoch = Epoch(e.epoch(), e.loss(), e.metric(), e.validationLoss(), e.validationMetric())
            scope?.epochCallbacks?.forEach { it(epoch) }
        }
    }
}

/**
 * The last [Fitter] of each model, weakly keyed by the model; softly held, since a fitter's
 * trainer refers to its model (a cache: losing an entry costs only recording again, as every
 * [fit] call restarts the shuffling from its seed and the optimizer keeps its own state).
 */
private val fitters = Collections.synchronizedMap(WeakHashMap<Model, SoftReference<Fitter>>())

/** The cached fitter of [model] for this loss, optimizer and execution, or a new one replacing it. */
internal fun fitterOf(model: Model, loss: LossFunction, optimizer: Optimizer, execution: Execution): Fitter {
    val cached = fitters[model]?.get()
    if (cached != null && cached.loss === loss && cached.optimizer === optimizer && cached.execution == execution && cached.scope == null) {
        return cached
    }
    val objective = (loss as? ObjectiveLoss)?.objective
        ?: Objective.of("loss", { s, y -> loss.loss(s, y) }, Objective.Metric.SIGN)
    val trainer = Trainer.of(model, objective, optimizer)
        .execution(if (execution == Execution.TAPE) Trainer.Execution.TAPE else Trainer.Execution.DYNAMIC)
    val fitter = Fitter(loss, optimizer, execution, trainer)
    fitters[model] = SoftReference(fitter)
    return fitter
}

/** The trainer [fit] keeps for [model], if any (for tests). */
internal fun cachedTrainer(model: Model): Trainer? = fitters[model]?.get()?.trainer

/** A one-line progress bar redrawn in place with a carriage return. */
internal class ProgressBar(private val out: PrintStream, private val total: Long) {
    fun update(s: Step) {
        val width = 30
        val done = if (total == 0L) width else ((s.step + 1) * width.toLong() / total).toInt()
        val accuracy = if (s.accuracy.isNaN()) "" else String.format(Locale.ROOT, "  accuracy %.0f%%", 100 * s.accuracy)
        out.print(String.format(Locale.ROOT, "\r[%s%s] %d/%d  loss %.4f%s",
            "#".repeat(done), ".".repeat(width - done), s.step + 1, total, s.loss, accuracy))
        out.flush()
    }

    fun finish() {
        out.println()
    }
}
