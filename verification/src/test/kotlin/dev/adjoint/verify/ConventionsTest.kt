package dev.adjoint.verify

import dev.adjoint.Derivatives
import dev.adjoint.Value
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.util.function.Function

/**
 * The engine's documented conventions at the points the random generator keeps away from (PyTorch's):
 * reverse mode and the engine's forward mode both follow them.
 */
class ConventionsTest {
    private fun both(at: DoubleArray, f: (List<Value>) -> Value): List<Pair<Double, Double>> {
        val leaves = at.map { Value.of(it) }
        f(leaves).backward()
        return at.indices.map { i ->
            leaves[i].grad() to Derivatives.jvp(Function(f), at, DoubleArray(at.size).also { it[i] = 1.0 })
        }
    }

    private fun expect(expected: Double, at: DoubleArray, input: Int = 0, what: String, f: (List<Value>) -> Value) {
        val (reverse, forward) = both(at, f)[input]
        assertEquals(expected, reverse, 0.0, "$what: reverse")
        assertEquals(expected, forward, 0.0, "$what: forward")
    }

    @Test
    fun kinksAndEdges() {
        expect(0.0, doubleArrayOf(0.0), what = "relu'(0)") { (x) -> x.relu() }
        expect(1.0, doubleArrayOf(1e-300), what = "relu'(tiny)") { (x) -> x.relu() }
        expect(0.0, doubleArrayOf(-1e-300), what = "relu'(-tiny)") { (x) -> x.relu() }
        expect(0.0, doubleArrayOf(0.0), what = "abs'(0)") { (x) -> x.abs() }
        expect(-1.0, doubleArrayOf(-1e-300), what = "abs'(-tiny)") { (x) -> x.abs() }
        expect(Double.POSITIVE_INFINITY, doubleArrayOf(0.0), what = "sqrt'(0)") { (x) -> x.sqrt() }
        expect(0.0, doubleArrayOf(0.0), what = "d/dx x^2 at 0") { (x) -> x.pow(2.0) }
        expect(0.0, doubleArrayOf(3.0), what = "d/dx x^0") { (x) -> x.pow(0.0) }
        expect(0.0, doubleArrayOf(0.0), what = "d/dx x^0 at 0") { (x) -> x.pow(0.0) }
        expect(Double.POSITIVE_INFINITY, doubleArrayOf(0.0), what = "d/dx x^0.5 at 0") { (x) -> x.pow(0.5) }
        expect(0.0, doubleArrayOf(0.0, 2.0), input = 1, what = "d/de 0^e, e > 0") { (x, e) -> x.pow(e) }
        expect(0.0, doubleArrayOf(0.0, 0.0), input = 1, what = "d/de 0^e, e = 0") { (x, e) -> x.pow(e) }
        expect(0.0, doubleArrayOf(0.0, 0.0), input = 0, what = "d/dx x^e, e = 0") { (x, e) -> x.pow(e) }
        expect(Double.NEGATIVE_INFINITY, doubleArrayOf(0.0, -1.0), input = 1, what = "d/de 0^e, e < 0") { (x, e) -> x.pow(e) }
        expect(Double.POSITIVE_INFINITY, doubleArrayOf(0.0), what = "log'(0)") { (x) -> x.log() }
    }

    @Test
    fun aZeroTangentContributesNothingEvenThroughAnInfinitePartial() {
        // along z only: the partials of sqrt, log and / at these points are infinite, their tangents 0
        val along = doubleArrayOf(0.0, 0.0, 1.0)
        val cases = listOf<Pair<String, (List<Value>) -> Value>>(
            "sqrt(x) + z at x = 0" to { (x, _, z) -> x.sqrt() + z },
            "ln(x) + z at x = 0" to { (x, _, z) -> x.log() + z },
            "x / y + z at y = 0" to { (x, y, z) -> x.div(y) + z },
            "x^y + z at x = 0, y = -1" to { (x, y, z) -> x.pow(y) + z },
        )
        for ((what, f) in cases) {
            val at = if (what.contains("y = 0")) doubleArrayOf(1.0, 0.0, 2.0) else doubleArrayOf(0.0, -1.0, 2.0)
            assertEquals(1.0, Derivatives.jvp(Function(f), at, along), 0.0, what)
        }
    }

    @Test
    fun nanPropagates() {
        val (reverse, forward) = both(doubleArrayOf(Double.NaN)) { (x) -> x.times(2.0).sin() }[0]
        assertTrue(reverse.isNaN() && forward.isNaN())
        val y = Value.of(-1.0).sqrt()
        assertTrue(y.data().isNaN())
    }
}
