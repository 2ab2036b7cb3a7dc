package dev.adjoint.verify

import dev.adjoint.Value
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.util.function.Function
import kotlin.random.Random

/**
 * Traps: wrong gradients hidden by large offsets, noise, kinks near the point, tiny and huge
 * scales. None may be reported PASSED; where the differences can decide, FAILED.
 */
class GradCheckTrapTest {
    /** x's value as a constant leaf: the engine sees no dependency through it, so gradients through it are wrong. */
    private fun detached(x: Value) = Value.of(x.data())

    private class Trap(val name: String, val at: DoubleArray, val mustFail: Boolean = false, val f: (List<Value>) -> Value)

    private val traps: List<Trap> = buildList {
        // x·c(x) + offset: analytic x, true 2x
        for (offset in doubleArrayOf(0.0, 1e3, 1e9, 1e12, 1e16, 1e20, -1e300)) {
            add(Trap("x * c(x) + $offset", doubleArrayOf(1.0), mustFail = offset <= 1e9 && offset >= 0) { (x) -> x.times(detached(x)).plus(offset) })
        }
        // the offset added and taken away again: f's magnitude is small, its intermediate rounding is not
        for (offset in doubleArrayOf(1e9, 1e15)) add(Trap("(x * c(x) + $offset) - $offset", doubleArrayOf(1.0)) { (x) -> x.times(detached(x)).plus(offset).minus(offset) })
        add(Trap("sum(1e10, x * c(x), -1e10)", doubleArrayOf(0.7)) { (x) -> Value.sum(listOf(Value.of(1e10), x.times(detached(x)), Value.of(-1e10))) })
        // a small wrong part: analytic misses 1e-3 · x
        add(Trap("x^2 + 1e-3 · c(x)", doubleArrayOf(0.5), mustFail = true) { (x) -> x.pow(2.0).plus(detached(x).times(1e-3)) })
        add(Trap("exp(x) · (1 + 1e-4 c)", doubleArrayOf(0.3), mustFail = true) { (x) -> x.exp().plus(detached(x).exp().times(1e-4)) })
        // noise: random, and deterministic high-frequency (analytic sees neither)
        val random = Random(7)
        for (amplitude in doubleArrayOf(1e-12, 1e-8, 1e-4)) {
            add(Trap("x * c(x) + random noise $amplitude", doubleArrayOf(1.0)) { (x) -> x.times(detached(x)).plus(amplitude * random.nextDouble()) })
            add(Trap("x^2 + 1e-3 c(x) + random noise $amplitude", doubleArrayOf(1.0)) { (x) -> x.pow(2.0).plus(detached(x).times(1e-3)).plus(amplitude * random.nextDouble()) })
        }
        for (frequency in doubleArrayOf(1e4, 1e8, 1e12)) {
            add(Trap("x^2 + sin($frequency c(x)) / $frequency", doubleArrayOf(0.4)) { (x) -> x.pow(2.0).plus(Math.sin(frequency * x.data()) / frequency) })
        }
        // kinks near the point, the analytic gradient ignoring them
        for (d in doubleArrayOf(1e-14, 1e-10, 1e-6, 1e-3, 0.05)) {
            add(Trap("|x - $d| without its gradient", doubleArrayOf(0.0)) { (x) -> Value.of(Math.abs(x.data() - d)).plus(x.times(0.0)) })
            // analytic slope +1, true slope -1 left of the kink at d
            add(Trap("|x - $d| with the slope of the wrong side", doubleArrayOf(0.0)) { (x) -> x.plus(Value.of(Math.abs(x.data() - d) - x.data())) })
            // analytic 0, true 1e-3, a jump at d
            add(Trap("x^2 + step at $d + 1e-3 c(x)", doubleArrayOf(0.0)) { (x) -> x.pow(2.0).plus(if (x.data() > d) 1.0 else 0.0).plus(detached(x).times(1e-3)) })
        }
        // tiny and huge scales of f and of x
        for (scale in doubleArrayOf(1e-300, 1e-30, 1e-12, 1e12, 1e30, 1e300)) {
            add(Trap("$scale · x · c(x)", doubleArrayOf(1.0), mustFail = true) { (x) -> x.times(detached(x)).times(scale) })
        }
        for (x in doubleArrayOf(1e-150, 1e-10, 1e10, 1e150)) {
            add(Trap("x · c(x) at $x", doubleArrayOf(x), mustFail = true) { (v) -> v.times(detached(v)) })
            add(Trap("1 + x · c(x) at $x", doubleArrayOf(x)) { (v) -> v.times(detached(v)).plus(1.0) })
        }
        // two inputs, one right and one wrong
        add(Trap("1e9 x0 + x1 c(x1)", doubleArrayOf(0.5, 1.0)) { (a, b) -> a.times(1e9).plus(b.times(detached(b))) })
    }

    @Test
    fun noTrapPasses() {
        val passed = ArrayList<String>()
        val notFailed = ArrayList<String>()
        for (t in traps) {
            val r = GradCheck.check(Function(t.f), *t.at)
            if (r.passed || r.outcome == GradCheck.Outcome.PASSED) passed += "${t.name}:\n$r"
            if (t.mustFail && r.outcome != GradCheck.Outcome.FAILED) notFailed += "${t.name}:\n$r"
        }
        assertTrue(passed.isEmpty(), "traps reported PASSED:\n" + passed.joinToString("\n"))
        assertTrue(notFailed.isEmpty(), "traps the differences can decide, not FAILED:\n" + notFailed.joinToString("\n"))
    }

    @Test
    fun theIssuesExamples() {
        val f9 = Function<List<Value>, Value> { (x) -> x.times(detached(x)).plus(1e9) }
        val r9 = GradCheck.check(f9, 1.0)
        assertEquals(GradCheck.Outcome.FAILED, r9.outcome, r9.toString())
        assertEquals(2.0, r9.entries[0].numeric, 1e-6, r9.toString())
        val f12 = Function<List<Value>, Value> { (x) -> x.times(detached(x)).plus(1e12) }
        val r12 = GradCheck.check(f12, 1.0)
        assertNotEquals(GradCheck.Outcome.PASSED, r12.outcome, r12.toString())
        assertTrue(!r12.passed, r12.toString())
    }

    @Test
    fun correctGradientsPassAtEveryScale() {
        val cases = listOf<Pair<DoubleArray, (List<Value>) -> Value>>(
            doubleArrayOf(0.5, -1.5) to { (a, b) -> a.times(b).sin().plus(a.tanh()) },
            doubleArrayOf(0.3, -1.2) to { (x, w) -> x.exp().plus(1.0).log().times(w) },
            doubleArrayOf(1.7, 0.6) to { (x, y) -> x.pow(y) },
            doubleArrayOf(1.0) to { (x) -> x.times(10.0).exp() },
            doubleArrayOf(2.0) to { (x) -> x.times(1e9) },
            doubleArrayOf(2.0) to { (x) -> x.pow(2.0).times(1e-30) },
            doubleArrayOf(3e-9) to { (x) -> x.pow(2.0) },
            doubleArrayOf(1e8) to { (x) -> x.sqrt() },
            doubleArrayOf(-1.0) to { (x) -> x.relu() },
            doubleArrayOf(0.7, 0.0) to { (x, y) -> x.times(y) },
            doubleArrayOf(0.1, -2.0, 1.5, 0.7) to { xs -> Value.sum(xs.map { it.exp() }).log() },
            doubleArrayOf(1.0) to { (x) -> x.times(x).plus(1e6) },
        )
        for ((at, f) in cases) {
            val r = GradCheck.check(Function(f), *at)
            assertEquals(GradCheck.Outcome.PASSED, r.outcome, r.toString())
        }
    }
}
