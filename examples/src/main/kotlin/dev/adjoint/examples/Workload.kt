package dev.adjoint.examples

import dev.adjoint.dsl.Execution
import dev.adjoint.dsl.Losses
import dev.adjoint.dsl.Summation
import dev.adjoint.dsl.fit
import dev.adjoint.dsl.sgd
import dev.adjoint.nn.Dataset
import dev.adjoint.nn.MLP
import java.lang.management.ManagementFactory
import java.nio.file.Path

/**
 * The moons workload every system runs (../shared/bench/README.md): full-batch hinge loss plus
 * 1e-4·Σp², SGD with lr = 1.0 - 0.9·k/100 at step k.
 */
object MoonsWorkload {
    /**
     * What one run measured: the loss at step 0 and at the last step, the last accuracy, the wall
     * time and the training thread's CPU time (on a busy machine, what other processes disturb less).
     */
    data class Result(val steps: Int, val loss0: Double, val lossLast: Double, val accLast: Double, val seconds: Double, val cpuSeconds: Double)

    /** Trains [model] on [data] for [steps] steps, summing gradients as [summation] says; [quiet] turns the progress bar off. */
    fun run(
        model: MLP,
        data: Dataset,
        steps: Int,
        execution: Execution = Execution.TAPE,
        quiet: Boolean = true,
        summation: Summation = Summation.EXACT,
    ): Result {
        require(steps >= 1) { "steps must be at least 1, was $steps" }
        val threads = ManagementFactory.getThreadMXBean()
        val cpu = threads.currentThreadCpuTime
        val start = System.nanoTime()
        val history = model.fit(data, epochs = steps, loss = Losses.hinge, optimizer = sgd { k -> 1.0 - 0.9 * k / 100 }, execution = execution) {
            l2 = 1e-4
            this.summation = summation
            if (quiet) progress = false
        }
        val seconds = (System.nanoTime() - start) / 1e9
        val cpuSeconds = (threads.currentThreadCpuTime - cpu) / 1e9
        return Result(steps, history.steps.first().loss, history.last.loss, history.last.accuracy, seconds, cpuSeconds)
    }

    /**
     * Reads initial weights as ../shared/data/mlp-*.json has them (see [MLP.load]): `layers[i].w[j]`
     * are neuron j's weights in layer i, `layers[i].b[j]` its bias; ReLU on hidden layers, linear
     * output. A number outside the double range (`1e400`) is an error naming the file and place.
     */
    fun readMlp(file: Path): MLP = MLP.load(file)
}
