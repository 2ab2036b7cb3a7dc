@file:JvmName("Models")

package dev.adjoint.dsl

import dev.adjoint.nn.Activation
import dev.adjoint.nn.Init
import dev.adjoint.nn.Layer
import dev.adjoint.nn.MLP
import java.util.Random

/**
 * Builds an [MLP] layer by layer:
 *
 * ```
 * val model = mlp(inputs = 2) { dense(16, relu); dense(16, relu); dense(1) }
 * ```
 *
 * Weights and biases are drawn by [init] from a `Random(seed)`: by default uniform in [-1, 1) with
 * biases 0, exactly as `MLP(2, 16, 16, 1)` initialises them when the activations are micrograd's
 * (ReLU hidden, linear output); [Init.PYTORCH], [Init.XAVIER] and [Init.HE] as their names say.
 */
public fun mlp(inputs: Int, seed: Long = MLP.DEFAULT_SEED, init: Init = Init.UNIFORM, block: MlpBuilder.() -> Unit): MLP {
    require(inputs >= 1) { "mlp: inputs must be at least 1, was $inputs" }
    val builder = MlpBuilder().apply(block)
    require(builder.layers.isNotEmpty()) { "mlp: no layers; add one with dense(units)" }
    val rng = Random(seed)
    var nin = inputs
    return MLP.of(builder.layers.map { (units, activation) ->
        Layer.random(nin, units, activation, init, rng).also { nin = units }
    })
}

/** The receiver of [mlp]: one [dense] call per layer, in order. */
@AdjointDsl
public class MlpBuilder internal constructor() {
    internal val layers = ArrayList<Pair<Int, Activation>>()

    /** max(x, 0). */
    public val relu: Activation = Activation.RELU

    /** tanh x. */
    public val tanh: Activation = Activation.TANH

    /** 1 / (1 + e^-x). */
    public val sigmoid: Activation = Activation.SIGMOID

    /** x for x > 0, else 0.01·x. */
    public val leakyRelu: Activation = Activation.LEAKY_RELU

    /** PyTorch's exact GELU, x·Φ(x). */
    public val gelu: Activation = Activation.GELU

    /** ln(1 + eˣ). */
    public val softplus: Activation = Activation.SOFTPLUS

    /** The identity. */
    public val linear: Activation = Activation.LINEAR

    /** A fully connected layer of [units] neurons with [activation] (linear unless given). */
    public fun dense(units: Int, activation: Activation = Activation.LINEAR) {
        require(units >= 1) { "dense: units must be at least 1, was $units" }
        layers += units to activation
    }
}
