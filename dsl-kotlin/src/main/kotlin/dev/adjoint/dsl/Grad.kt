@file:JvmName("Grad")

package dev.adjoint.dsl

import dev.adjoint.Value

/** Marks Adjoint's builder receivers, so an inner builder cannot call an outer one by accident. */
@DslMarker
public annotation class AdjointDsl

/**
 * The value of a scalar function at a point and its gradient there: `gradient[i]` is ∂f/∂xᵢ for
 * the i-th variable, in the order the variables were given or declared.
 */
public class Gradient internal constructor(
    /** f at the point. */
    public val value: Double,
    /** ∂f/∂xᵢ, one entry per variable. */
    public val gradient: DoubleArray,
    private val variables: List<Value>,
) {
    /** ∂f/∂xᵢ. */
    public operator fun get(i: Int): Double {
        require(i in gradient.indices) { "gradient index $i is outside 0..${gradient.size - 1}" }
        return gradient[i]
    }

    /** ∂f/∂x for a variable declared with [GradScope.variable]. */
    public operator fun get(variable: Value): Double {
        val i = variables.indexOfFirst { it === variable }
        require(i >= 0) { "$variable is not a variable of this gradient" }
        return gradient[i]
    }

    override fun toString(): String = "Gradient(value=$value, gradient=${gradient.contentToString()})"
}

/**
 * Differentiates [f] at the point [at]: `f` receives one leaf per coordinate.
 *
 * ```
 * val g = grad(2.0, -3.0) { (a, b) -> tanh(a * b + a.pow(2)) }
 * g.value; g.gradient; g[0]
 * ```
 */
public fun grad(vararg at: Double, f: (List<Value>) -> Value): Gradient {
    val xs = at.map(Value::of)
    return differentiate(f(xs), xs)
}

/**
 * Differentiates the value the block returns with respect to every variable it declares:
 *
 * ```
 * val g = gradient { val x = variable(2.0); val y = variable(-3.0); tanh(x * y + (x pow 2)) }
 * g[0]   // ∂/∂x; or g[x] where x is in reach
 * ```
 *
 * (It is not an overload of [grad]: Kotlin could not tell a lambda with a receiver from one with
 * an implicit parameter.)
 */
public fun gradient(block: GradScope.() -> Value): Gradient {
    val scope = GradScope()
    val out = scope.block()
    return differentiate(out, scope.variables)
}

private fun differentiate(out: Value, xs: List<Value>): Gradient {
    out.backward()
    return Gradient(out.data(), DoubleArray(xs.size) { xs[it].grad() }, xs)
}

/** The receiver of `gradient { }`: declares the variables to differentiate with respect to. */
@AdjointDsl
public class GradScope internal constructor() {
    internal val variables = ArrayList<Value>()

    /** A new variable with value [at]; its derivative lands in the result, in declaration order. */
    public fun variable(at: Double): Value = Value.of(at).also { variables += it }
}
