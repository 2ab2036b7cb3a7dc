package dev.adjoint.verify

import dev.adjoint.Primitive
import kotlin.math.abs
import kotlin.math.sign
import kotlin.math.sqrt

/**
 * Two users' functions as [Primitive]s, with their second derivatives, so that random expressions
 * check custom primitives three ways on graphs, tapes and batch tapes: softsign (one input) and
 * hypot (two). Stateless and thread-safe.
 */
public object UserPrimitives {
    /** softsign(x) = x / (1 + |x|). */
    @JvmField
    public val SOFTSIGN: Primitive = object : Primitive {
        override fun name() = "softsign"

        override fun value(x: DoubleArray) = x[0] / (1 + abs(x[0]))

        override fun gradient(x: DoubleArray, y: Double, out: DoubleArray) {
            val d = 1 + abs(x[0])
            out[0] = 1 / (d * d)
        }

        override fun hessian(x: DoubleArray, y: Double, out: DoubleArray) {
            val d = 1 + abs(x[0])
            out[0] = -2 * sign(x[0]) / (d * d * d)
        }
    }

    /** hypot(a, b) = √(a² + b²). */
    @JvmField
    public val HYPOT: Primitive = object : Primitive {
        override fun name() = "hypot"

        override fun value(x: DoubleArray) = sqrt(x[0] * x[0] + x[1] * x[1])

        override fun gradient(x: DoubleArray, y: Double, out: DoubleArray) {
            out[0] = x[0] / y
            out[1] = x[1] / y
        }

        override fun hessian(x: DoubleArray, y: Double, out: DoubleArray) {
            val y3 = y * y * y
            out[0] = x[1] * x[1] / y3
            out[1] = -x[0] * x[1] / y3
            out[2] = out[1]
            out[3] = x[0] * x[0] / y3
        }
    }
}
