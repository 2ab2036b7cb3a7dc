@file:JvmName("Training")

package dev.adjoint.dsl

import dev.adjoint.BatchTape
import dev.adjoint.Tape
import dev.adjoint.Value
import dev.adjoint.nn.Adam
import dev.adjoint.nn.Dataset
import dev.adjoint.nn.LearningRate
import dev.adjoint.nn.Loss
import dev.adjoint.nn.MLP
import dev.adjoint.nn.Optimizer
import dev.adjoint.nn.SGD
import java.io.PrintStream
import java.util.Locale

/** A loss over a batch: the model's scores and the labels. */
fun interface LossFunction {
    /** The loss of [scores] against [labels]. */
    fun loss(scores: List<Value>, labels: DoubleArray): Value
}

/** The losses of [dev.adjoint.nn.Loss] as [LossFunction]s for [fit]. */
object Losses {
    /** Mean of relu(1 - y·s), labels in {-1, +1}. */
    val hinge = LossFunction { s, y -> Loss.hinge(s, y) }

    /** Mean squared error. */
    val mse = LossFunction { s, y -> Loss.mse(s, y) }

    /** Binary cross-entropy on logits, labels in {0, 1}. */
    val binaryCrossEntropy = LossFunction { s, y -> Loss.binaryCrossEntropy(s, y) }
}

/** Makes an optimizer for a model's parameters; see [sgd] and [adam]. */
fun interface OptimizerFactory {
    /** An optimizer over [parameters]. */
    fun create(parameters: List<Value>): Optimizer
}

/** Plain SGD with learning rate [lr] at step k, for example `sgd { k -> 1.0 - 0.9 * k / 100 }`. */
fun sgd(lr: LearningRate): OptimizerFactory = OptimizerFactory { SGD.of(it, lr) }

/** Plain SGD with a constant learning rate. */
fun sgd(lr: Double): OptimizerFactory = OptimizerFactory { SGD.of(it, lr) }

/** SGD with momentum. */
fun sgd(lr: Double, momentum: Double): OptimizerFactory =
    OptimizerFactory { SGD.withMomentum(it, LearningRate.constant(lr), momentum) }

/** Adam with PyTorch's defaults. */
fun adam(lr: Double): OptimizerFactory = OptimizerFactory { Adam.of(it, lr) }

/** How [fit] evaluates the model each step. */
enum class Execution {
    /** Builds the graph anew every step and calls `backward()` on it (define-by-run). */
    DYNAMIC,

    /**
     * Records the graph once and replays it every step: the same numbers, bitwise, for a model
     * whose graph does not depend on the data (an MLP's does not), faster. The model's graph for
     * one row is recorded on a [BatchTape] and run over all rows together, node by node; a loss
     * that does not allow this exactly is recorded whole, on a [Tape].
     */
    TAPE,
}

/** What one training step saw: its index, the loss and the accuracy before its update. */
data class Step(val step: Int, val loss: Double, val accuracy: Double)

/** Every step of a [fit], in order. */
class History internal constructor(val steps: List<Step>) {
    /** The loss of each step. */
    val loss: DoubleArray get() = DoubleArray(steps.size) { steps[it].loss }

    /** The accuracy of each step. */
    val accuracy: DoubleArray get() = DoubleArray(steps.size) { steps[it].accuracy }

    /** The last step. */
    val last: Step get() = steps.last()
}

/** The receiver of [fit]'s block: regularisation, callbacks, progress display. */
@AdjointDsl
class FitScope internal constructor() {
    internal val callbacks = ArrayList<(Step) -> Unit>()

    /** L2 regularisation strength: λ·Σp² is added to the loss (0 turns it off). */
    var l2: Double = 0.0

    /**
     * Whether to draw a progress bar on standard error; by default only when attached to a
     * terminal, so logs and pipes stay clean.
     */
    var progress: Boolean = System.console() != null

    /** Runs [action] after every step. */
    fun onStep(action: (Step) -> Unit) {
        callbacks += action
    }
}

/**
 * Trains this model on the whole of [data] for [epochs] full-batch steps. Each step: the scores of
 * every row, the loss (plus [FitScope.l2] regularisation), zeroed gradients, backward, and one
 * optimizer step. [execution] chooses define-by-run or a recorded [Tape] (the default); both give
 * bitwise the same history.
 *
 * ```
 * val history = model.fit(data, epochs = 100, loss = Losses.hinge, optimizer = sgd { k -> 1.0 - 0.9 * k / 100 }) {
 *     l2 = 1e-4
 *     onStep { if (it.step % 10 == 0) println(it) }
 * }
 * ```
 */
fun MLP.fit(
    data: Dataset,
    epochs: Int,
    loss: LossFunction = Losses.hinge,
    optimizer: OptimizerFactory,
    execution: Execution = Execution.TAPE,
    block: FitScope.() -> Unit = {},
): History {
    require(epochs >= 0) { "fit: epochs must be non-negative, was $epochs" }
    val scope = FitScope().apply(block)
    val opt = optimizer.create(parameters())
    val labels = data.labels()
    val bar = if (scope.progress) ProgressBar(System.err, epochs) else null
    val steps = ArrayList<Step>(epochs)
    fun lossOf(scores: List<Value>): Value {
        val total = loss.loss(scores, labels)
        return if (scope.l2 != 0.0) total + Loss.l2(parameters(), scope.l2) else total
    }
    fun graph(): Pair<Value, List<Value>> {
        val scores = scores(data)
        return lossOf(scores) to scores
    }
    val taped = execution == Execution.TAPE && epochs > 0
    val batch = if (taped) batchTape(data, ::lossOf) else null
    val tape = if (taped && batch == null) graph().let { (total, scores) -> Tape.record(parameters(), listOf(total) + scores) } else null
    for (k in 0 until epochs) {
        val step: Step
        opt.zeroGrad()
        if (batch != null) {
            step = Step(k, batch.backward(), accuracy(labels) { batch.output(it) })
        } else if (tape != null) {
            step = Step(k, tape.backward(), accuracy(labels) { tape.output(it + 1) })
        } else {
            val (total, scores) = graph()
            step = Step(k, total.data(), Loss.accuracy(scores, labels))
            total.backward()
        }
        opt.step()
        steps += step
        scope.callbacks.forEach { it(step) }
        bar?.update(step)
    }
    bar?.finish()
    return History(steps)
}

/**
 * The row-parallel tape of this model's loss on [data]: one row's graph recorded once and run over
 * every row together. Null when the loss cannot be replayed that way exactly (a custom loss that
 * takes a parameter's gradient before some row's); [fit] then records the whole graph instead.
 */
private fun MLP.batchTape(data: Dataset, lossOf: (List<Value>) -> Value): BatchTape? {
    if (outputs() != 1) return null
    val row = List(inputs()) { Value.of(0.0) }
    val rows = Array(data.size()) { data.x(it) }
    return try {
        BatchTape.record(parameters(), row, apply(row)[0], rows) { lossOf(it) }
    } catch (e: IllegalArgumentException) {
        null
    }
}

/** The fraction of rows whose score (by row index) has the sign of its label in {-1, +1}. */
private inline fun accuracy(labels: DoubleArray, score: (Int) -> Double): Double {
    var right = 0
    for (i in labels.indices) if ((labels[i] > 0) == (score(i) > 0)) right++
    return right.toDouble() / labels.size
}

/** A one-line progress bar redrawn in place with a carriage return. */
internal class ProgressBar(private val out: PrintStream, private val total: Int) {
    fun update(s: Step) {
        val width = 30
        val done = if (total == 0) width else (s.step + 1) * width / total
        out.print(String.format(Locale.ROOT, "\r[%s%s] %d/%d  loss %.4f  accuracy %.0f%%",
            "#".repeat(done), ".".repeat(width - done), s.step + 1, total, s.loss, 100 * s.accuracy))
        out.flush()
    }

    fun finish() {
        out.println()
    }
}
