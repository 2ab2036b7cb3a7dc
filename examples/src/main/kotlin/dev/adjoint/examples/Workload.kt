package dev.adjoint.examples

import com.fasterxml.jackson.databind.ObjectMapper
import dev.adjoint.dsl.Execution
import dev.adjoint.dsl.Losses
import dev.adjoint.dsl.fit
import dev.adjoint.dsl.sgd
import dev.adjoint.nn.Dataset
import dev.adjoint.nn.MLP
import java.nio.file.Files
import java.nio.file.Path

/**
 * The moons workload every system runs (../shared/bench/README.md): full-batch hinge loss plus
 * 1e-4·Σp², SGD with lr = 1.0 - 0.9·k/100 at step k.
 */
object MoonsWorkload {
    /** What one run measured: the loss at step 0 and at the last step, the last accuracy, the time. */
    data class Result(val steps: Int, val loss0: Double, val lossLast: Double, val accLast: Double, val seconds: Double)

    /** Trains [model] on [data] for [steps] steps; [quiet] turns the progress bar off. */
    fun run(model: MLP, data: Dataset, steps: Int, execution: Execution = Execution.TAPE, quiet: Boolean = true): Result {
        require(steps >= 1) { "steps must be at least 1, was $steps" }
        val start = System.nanoTime()
        val history = model.fit(data, epochs = steps, loss = Losses.hinge, optimizer = sgd { k -> 1.0 - 0.9 * k / 100 }, execution = execution) {
            l2 = 1e-4
            if (quiet) progress = false
        }
        val seconds = (System.nanoTime() - start) / 1e9
        return Result(steps, history.steps.first().loss, history.last.loss, history.last.accuracy, seconds)
    }

    /**
     * Reads initial weights as ../shared/data/mlp-*.json has them: `layers[i].w[j]` are neuron j's
     * weights in layer i, `layers[i].b[j]` its bias; ReLU on hidden layers, linear output.
     */
    fun readMlp(file: Path): MLP {
        val root = Files.newBufferedReader(file).use { ObjectMapper().readTree(it) }
        val layers = root.path("layers")
        require(layers.isArray && layers.size() > 0) { "$file: expected a non-empty array 'layers'" }
        val weights = Array(layers.size()) { i ->
            val w = layers[i].path("w")
            require(w.isArray && w.size() > 0) { "$file: layers[$i].w must be a non-empty array of rows" }
            Array(w.size()) { j -> DoubleArray(w[j].size()) { k -> number(w[j][k], file, "layers[$i].w[$j][$k]") } }
        }
        val biases = Array(layers.size()) { i ->
            val b = layers[i].path("b")
            require(b.isArray) { "$file: layers[$i].b must be an array" }
            DoubleArray(b.size()) { j -> number(b[j], file, "layers[$i].b[$j]") }
        }
        return MLP.of(weights, biases)
    }

    private fun number(node: com.fasterxml.jackson.databind.JsonNode, file: Path, where: String): Double {
        require(node.isNumber) { "$file: $where is not a number: $node" }
        return node.asDouble()
    }
}
