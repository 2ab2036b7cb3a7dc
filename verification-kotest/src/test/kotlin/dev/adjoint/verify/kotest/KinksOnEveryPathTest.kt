package dev.adjoint.verify.kotest

import dev.adjoint.BatchTape
import dev.adjoint.Derivatives
import dev.adjoint.Tape
import dev.adjoint.Value
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.TestFactory
import java.util.function.Function

/**
 * The conventions at the points random expressions keep away from (kinks, ties, thresholds, the
 * edges of powers), PyTorch 1.13's, on every path: the graph's `backward()`, a recorded tape's
 * gradient and its replay at the same point after one elsewhere, forward mode on the graph and on
 * the tape (one direction per input), a batch tape whose shared leaves are the inputs, and second
 * order (a tape's `hvp` and the Hessian by `Derivatives`) where the expected Hessian is given.
 */
class KinksOnEveryPathTest {
    /** [forward]: whether forward mode gives [grad] too (reverse mode never multiplies by a zero adjoint's partials, forward mode may). */
    private class Case(val what: String, val at: DoubleArray, val grad: DoubleArray, val hessian: Array<DoubleArray>?, val forward: Boolean, val f: (List<Value>) -> Value)

    private fun case(what: String, at: DoubleArray, grad: DoubleArray, hessian: Array<DoubleArray>? = null, forward: Boolean = true, f: (List<Value>) -> Value) =
        Case(what, at, grad, hessian, forward, f)

    private fun d(vararg x: Double) = x

    private val cases = listOf(
        case("relu'(0) = 0", d(0.0), d(0.0), arrayOf(d(0.0))) { (x) -> x.relu() },
        case("relu'(x) = 1 above 0", d(0.5), d(1.0), arrayOf(d(0.0))) { (x) -> x.relu() },
        case("abs'(0) = 0", d(0.0), d(0.0), arrayOf(d(0.0))) { (x) -> x.abs() },
        case("abs'(NaN) = 0", d(Double.NaN), d(0.0)) { (x) -> x.abs() },
        case("clamp_min at its bound: 1", d(0.25), d(1.0), arrayOf(d(0.0))) { (x) -> x.clamp(0.25, Double.POSITIVE_INFINITY) },
        case("clamp_min below its bound: 0", d(0.0), d(0.0), arrayOf(d(0.0))) { (x) -> x.clamp(0.25, Double.POSITIVE_INFINITY) },
        case("clamp_max at its bound: 1", d(0.25), d(1.0), arrayOf(d(0.0))) { (x) -> x.clamp(Double.NEGATIVE_INFINITY, 0.25) },
        case("clamp_max above its bound: 0", d(0.5), d(0.0), arrayOf(d(0.0))) { (x) -> x.clamp(Double.NEGATIVE_INFINITY, 0.25) },
        case("clamp on [lo, hi] at hi", d(1.0), d(1.0)) { (x) -> x.clamp(-1.0, 1.0) },
        case("max at a tie: half each", d(0.5, 0.5), d(0.5, 0.5), arrayOf(d(0.0, 0.0), d(0.0, 0.0))) { (x, y) -> Value.max(x, y) },
        case("min at a tie: half each", d(0.5, 0.5), d(0.5, 0.5), arrayOf(d(0.0, 0.0), d(0.0, 0.0))) { (x, y) -> Value.min(x, y) },
        case("max: all to the larger", d(0.75, 0.5), d(1.0, 0.0)) { (x, y) -> Value.max(x, y) },
        case("max: all to the larger, second", d(0.25, 0.5), d(0.0, 1.0)) { (x, y) -> Value.max(x, y) },
        case("min: all to the smaller", d(0.75, 0.5), d(0.0, 1.0)) { (x, y) -> Value.min(x, y) },
        case("min: all to the smaller, first", d(0.25, 0.5), d(1.0, 0.0)) { (x, y) -> Value.min(x, y) },
        case("max at a tie scaled: (3·x, y)", d(1.0, 3.0), d(1.5, 0.5)) { (x, y) -> Value.max(x.times(3.0), y) },
        case("min at a tie of products", d(2.0, 1.0), d(0.5, 1.5), arrayOf(d(0.0, 0.5), d(0.5, 0.0))) { (x, y) -> Value.min(x.times(y), y.plus(1.0)) },
        case("softplus at the threshold 20", d(20.0), d(Math.exp(20.0) / (Math.exp(20.0) + 1.0))) { (x) -> x.softplus() },
        case("softplus above the threshold: the identity", d(25.0), d(1.0), arrayOf(d(0.0))) { (x) -> x.softplus() },
        case("softplus at 0", d(0.0), d(0.5), arrayOf(d(0.25))) { (x) -> x.softplus() },
        case("d/dx x^2 at 0", d(0.0), d(0.0), arrayOf(d(2.0))) { (x) -> x.pow(2.0) },
        case("d/dx x^1 at 0", d(0.0), d(1.0), arrayOf(d(0.0))) { (x) -> x.pow(1.0) },
        case("d/dx x^0", d(3.0), d(0.0), arrayOf(d(0.0))) { (x) -> x.pow(0.0) },
        case("x^e at x = 0, e = 2", d(0.0, 2.0), d(0.0, 0.0)) { (x, e) -> x.pow(e) },
        case("x^e at x = 0, e = 0", d(0.0, 0.0), d(0.0, 0.0)) { (x, e) -> x.pow(e) },
        case("x^e at x = 0, e = 1", d(0.0, 1.0), d(1.0, 0.0)) { (x, e) -> x.pow(e) },
        case("x^e at x = 1, e = 3", d(1.0, 3.0), d(3.0, 0.0), arrayOf(d(6.0, 1.0), d(1.0, 0.0))) { (x, e) -> x.pow(e) },
        case("x^e at x = 2, e = 1", d(2.0, 1.0), d(1.0, 2.0 * Math.log(2.0)), arrayOf(d(0.0, 1.0 + Math.log(2.0)), d(1.0 + Math.log(2.0), 2.0 * Math.log(2.0) * Math.log(2.0)))) { (x, e) -> x.pow(e) },
        case("x^e at x = 2, e = 0", d(2.0, 0.0), d(0.0, Math.log(2.0))) { (x, e) -> x.pow(e) },
        case("1^e at e = NaN is 1", d(1.0, Double.NaN), d(Double.NaN, 0.0)) { (x, e) -> x.pow(e) },
        case("(-1)^∞ is 1 (Math.pow gives NaN)", d(-1.0, 2.0), d(Double.POSITIVE_INFINITY, 1.0)) { (x, y) -> x.pow(Double.POSITIVE_INFINITY).times(y) },
        case("sqrt'(0) = +∞", d(0.0), d(Double.POSITIVE_INFINITY), arrayOf(d(Double.NEGATIVE_INFINITY))) { (x) -> x.sqrt() },
        case("log'(0) = +∞", d(0.0), d(Double.POSITIVE_INFINITY)) { (x) -> x.log() },
        case("atan2 at (1, 0)", d(1.0, 0.0), d(0.0, -1.0), arrayOf(d(0.0, 1.0), d(1.0, 0.0))) { (y, x) -> Value.atan2(y, x) },
        case("atan2 at (0, 1)", d(0.0, 1.0), d(1.0, 0.0), arrayOf(d(0.0, -1.0), d(-1.0, 0.0))) { (y, x) -> Value.atan2(y, x) },
        case("erf at 0", d(0.0), d(2.0 / Math.sqrt(Math.PI)), arrayOf(d(0.0))) { (x) -> x.erf() },
        case("x / y at x = 0", d(0.0, 2.0), d(0.5, 0.0), arrayOf(d(0.0, -0.25), d(-0.25, 0.0))) { (x, y) -> x.div(y) },
        case("x / y at y = 0", d(1.0, 0.0), d(Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY),
            arrayOf(d(0.0, Double.NEGATIVE_INFINITY), d(Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY))) { (x, y) -> x.div(y) },
        case("asin at 0", d(0.0), d(1.0), arrayOf(d(0.0))) { (x) -> x.asin() },
        case("acos at 0", d(0.0), d(-1.0), arrayOf(d(0.0))) { (x) -> x.acos() },
        case("atan at 0", d(0.0), d(1.0), arrayOf(d(0.0))) { (x) -> x.atan() },
        case("log1p at 0", d(0.0), d(1.0), arrayOf(d(-1.0))) { (x) -> x.log1p() },
        case("tan at 0", d(0.0), d(1.0), arrayOf(d(0.0))) { (x) -> x.tan() },
        case("sinh at 0", d(0.0), d(1.0), arrayOf(d(0.0))) { (x) -> x.sinh() },
        case("cosh at 0", d(0.0), d(0.0), arrayOf(d(1.0))) { (x) -> x.cosh() },
        case("expm1 at 0", d(0.0), d(1.0), arrayOf(d(1.0))) { (x) -> x.expm1() },
        case("x·x at 0 (one node on both sides)", d(0.0), d(0.0), arrayOf(d(2.0))) { (x) -> x.times(x) },
        case("a dot product at zero adjoint: 0 · dot", d(1.5, -2.0), d(0.0, 0.0)) { (x, y) -> Value.dot(listOf(x), listOf(y)).times(0.0) },
        case("a zero tangent through an infinite partial: x^0.5 + y at x = 0", d(0.0, 2.0), d(Double.POSITIVE_INFINITY, 1.0)) { (x, y) -> x.pow(0.5).plus(y) },
        // dot(x, w) = ∞ with a zero adjoint: not skipped, w̄ = 0·∞ = NaN (forward mode: ẏ = ∞·0 = NaN along x too)
        case("an infinite dot product at zero adjoint", d(Double.POSITIVE_INFINITY, 1.0), d(0.0, Double.NaN), forward = false) { (x, w) -> Value.dot(listOf(x), listOf(w)).times(0.0) },
        case("a sum at zero adjoint: 0 · sum", d(1.5, -2.0), d(0.0, 0.0)) { (x, y) -> Value.sum(listOf(x, y)).times(0.0) },
    )

    private fun same(a: Double, b: Double) = a.toRawBits() == b.toRawBits() || (a.isNaN() && b.isNaN()) || a == b

    private fun check(expected: Double, got: Double, what: String) {
        if (!same(expected, got)) assertEquals(expected, got, 1e-15 * (1 + Math.abs(expected)), what)
    }

    @TestFactory
    fun everyPath(): List<DynamicTest> = cases.map { c ->
        DynamicTest.dynamicTest(c.what) {
            val n = c.at.size
            val f = Function<List<Value>, Value> { c.f(it) }
            // the graph
            val leaves = c.at.map { Value.of(it) }
            f.apply(leaves).backward()
            for (i in 0 until n) check(c.grad[i], leaves[i].grad(), "${c.what}: backward, ∂/∂x$i")
            // a tape, replayed at the point, elsewhere, and at the point again
            val tape = Tape.record(c.at, f)
            val g = DoubleArray(n)
            for (p in listOf(c.at, DoubleArray(n) { c.at[it] + 0.375 }, c.at)) {
                tape.gradient(p, g)
                if (p !== c.at) continue
                for (i in 0 until n) check(c.grad[i], g[i], "${c.what}: Tape.gradient, ∂/∂x$i")
            }
            // forward mode, one direction per input, on the graph and on the tape
            for (i in 0 until if (c.forward) n else 0) {
                val e = DoubleArray(n).also { it[i] = 1.0 }
                check(c.grad[i], Derivatives.jvp(f, c.at, e), "${c.what}: Derivatives.jvp along x$i")
                check(c.grad[i], tape.jvp(c.at, e), "${c.what}: Tape.jvp along x$i")
            }
            // a batch tape: the inputs shared, one row with no features
            val shared = c.at.map { Value.of(it) }
            val batch = try {
                BatchTape.record(shared, listOf(), f.apply(shared), arrayOf(DoubleArray(0)), { outs -> outs[0].times(1.0) })
            } catch (e: IllegalArgumentException) {
                null // a shared leaf used twice in the row graph, or an output that is a leaf: not a batch row function
            }
            if (batch != null) {
                batch.backward()
                for (i in 0 until n) check(c.grad[i], shared[i].grad(), "${c.what}: BatchTape.backward, ∂/∂x$i")
            }
            // second order
            val h = c.hessian ?: return@dynamicTest
            val hess = Derivatives.hessian(f, c.at)
            val hv = DoubleArray(n)
            val hg = DoubleArray(n)
            for (j in 0 until n) {
                val e = DoubleArray(n).also { it[j] = 1.0 }
                tape.hvp(c.at, e, hv, hg)
                for (i in 0 until n) {
                    check(h[i][j], hess[i][j], "${c.what}: Derivatives.hessian [$i][$j]")
                    check(h[i][j], hv[i], "${c.what}: Tape.hvp along x$j, [$i]")
                    check(c.grad[i], hg[i], "${c.what}: Tape.hvp's gradient, ∂/∂x$i")
                }
            }
        }
    }
}
