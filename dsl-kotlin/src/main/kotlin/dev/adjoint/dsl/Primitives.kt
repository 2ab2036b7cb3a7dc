@file:JvmName("Primitives")

package dev.adjoint.dsl

import dev.adjoint.Primitive
import dev.adjoint.Value

/**
 * A user-defined differentiable function as a [Primitive]: [value] computes it from its inputs'
 * values, [gradient] returns ∂y/∂xᵢ given the inputs and the value y, and the optional [hessian]
 * returns the n×n second derivatives row by row (without it, second order through the primitive
 * throws `UnsupportedOperationException` naming it). Apply it like a function: `softsign(x)`.
 * The lambdas must be pure; the primitive is as thread-safe as they are. Make each primitive once.
 */
public fun primitive(
    name: String,
    value: (x: DoubleArray) -> Double,
    gradient: (x: DoubleArray, y: Double) -> DoubleArray,
    hessian: ((x: DoubleArray, y: Double) -> DoubleArray)? = null,
): Primitive = object : Primitive {
    override fun name(): String = name

    override fun value(x: DoubleArray): Double = value(x)

    override fun gradient(x: DoubleArray, y: Double, out: DoubleArray) {
        copy(gradient(x, y), out, "gradient")
    }

    override fun hessian(x: DoubleArray, y: Double, out: DoubleArray) {
        if (hessian == null) super.hessian(x, y, out) else copy(hessian(x, y), out, "hessian")
    }

    private fun copy(from: DoubleArray, out: DoubleArray, what: String) {
        require(from.size == out.size) { "primitive '$name': $what gave ${from.size} entries, expected ${out.size}" }
        from.copyInto(out)
    }

    override fun toString(): String = "primitive '$name'"
}

/** One node computing this primitive of [inputs]: `softsign(x)`, `hypot(x, y)`. */
public operator fun Primitive.invoke(vararg inputs: Value): Value = Value.apply(this, *inputs)
