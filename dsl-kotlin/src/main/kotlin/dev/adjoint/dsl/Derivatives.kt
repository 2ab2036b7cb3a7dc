@file:JvmName("DerivativesDsl")

package dev.adjoint.dsl

import dev.adjoint.Derivatives
import dev.adjoint.Value
import java.util.function.Function

/**
 * Forward mode: the derivative of [f] at [at] along [direction], by one tangent sweep.
 *
 * ```
 * jvp(1.0, 2.0, 3.0, direction = doubleArrayOf(1.0, 1.0, 1.0)) { (x, y, z) -> x + y + z }   // 3.0
 * ```
 */
public fun jvp(vararg at: Double, direction: DoubleArray, f: (List<Value>) -> Value): Double =
    Derivatives.jvp(Function(f), at, direction)

/** The Hessian of [f] at [at] times [direction], by forward over reverse. */
public fun hvp(vararg at: Double, direction: DoubleArray, f: (List<Value>) -> Value): DoubleArray =
    Derivatives.hvp(Function(f), at, direction)

/**
 * The Hessian of [f] at [at] (for small n: n Hessian-vector products).
 *
 * ```
 * val h = hessian(-1.2, 1.0) { (x, y) -> 100.0 * (y - x.pow(2)).pow(2) + (1.0 - x).pow(2) }
 * ```
 */
public fun hessian(vararg at: Double, f: (List<Value>) -> Value): Array<DoubleArray> =
    Derivatives.hessian(Function(f), at)

/** The gradient of [f] at [at] by reverse mode, as an array (see [grad] for value and gradient together). */
public fun gradientAt(vararg at: Double, f: (List<Value>) -> Value): DoubleArray =
    Derivatives.gradient(Function(f), at)

/** The Jacobian of a vector function (row i: ∇fᵢ), by forward mode when n ≤ m, else reverse mode. */
public fun jacobian(vararg at: Double, f: (List<Value>) -> List<Value>): Array<DoubleArray> =
    Derivatives.jacobian(Function(f), at)
