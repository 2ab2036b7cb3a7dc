package dev.adjoint.verify.kotest

import dev.adjoint.Anomaly
import dev.adjoint.AnomalyException
import dev.adjoint.Derivatives
import dev.adjoint.Tape
import dev.adjoint.TapeGuardException
import dev.adjoint.Value
import dev.adjoint.verify.Domains
import dev.adjoint.verify.Evaluate
import dev.adjoint.verify.Exprs
import dev.adjoint.verify.Shape
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.util.function.Function

/**
 * What a [Tape] tells its user, exactly: the guards a recording took from comparisons (of two
 * values and of a value with a constant, after a plain read), each named in the refusal of the
 * replay that breaks it; a compiled tape's forward mode and its reverse sweep under anomaly
 * detection, bitwise the generic tape's, before and after a replay that threw; which node, input,
 * gradient and gradient tangent a second-order anomaly names; the edges of the square-root powers;
 * and the gradient of a node reached only through a sum or dot whose adjoint is zero.
 */
class TapeDiagnosticsTest {
    private val seed = System.getProperty("adjoint.verify.seed")?.toLong() ?: 20261130L

    private fun same(a: Double, b: Double) = a.toRawBits() == b.toRawBits() || (a.isNaN() && b.isNaN())

    private fun caught(body: () -> Unit): AnomalyException {
        val t = runCatching { Anomaly.run(body) }.exceptionOrNull()
        assertTrue(t is AnomalyException, "expected an AnomalyException, got $t")
        return t as AnomalyException
    }

    @Test
    fun comparisonsAreGuardsNamedInTheRefusal() {
        val x = Value.of(1.5, "x")
        val y = Value.of(-0.5, "y")
        val z = Value.of(2.0, "z")
        val p = x.times(y)
        // a read of a node, a comparison of two inputs, a comparison of an input with a constant
        val read = p.data()
        val xAboveY = x > y
        val zAboveOne = z > 1.0
        assertTrue(read == -0.75 && xAboveY && zAboveOne)
        val tape = Tape.record(listOf(x, y, z), p.plus(z))
        val grad = DoubleArray(3)
        // the branches go the same way (and x·y keeps its value): replays pass
        for (at in listOf(doubleArrayOf(1.5, -0.5, 2.0), doubleArrayOf(3.0, -0.25, 1.25), doubleArrayOf(0.75, -1.0, 7.0))) {
            assertEquals(-0.75 + at[2], tape.gradient(at, grad), "at ${at.toList()}")
            assertEquals(listOf(at[1], at[0], 1.0), grad.toList(), "at ${at.toList()}")
        }
        fun refused(at: DoubleArray, vararg parts: String) {
            val e = assertThrows(TapeGuardException::class.java) { tape.gradient(at, grad) }
            for (part in parts) assertTrue(e.message!!.contains(part), "at ${at.toList()}: '$part' not in: ${e.message}")
            assertEquals(listOf(-1.0, 0.75, 1.0), grad.toList(), "a refused replay changed the gradient (the last replay's, at (0.75, -1, 7))")
            assertEquals(-0.75 + 7.0, tape.output(0), "a refused replay changed the output")
        }
        // only z falls below 1
        refused(doubleArrayOf(1.5, -0.5, 0.5), "Tape: replay refused: user code compared input 2 'z' with 1.0 while building",
            "and found it greater; this replay gives 0.5 against 1.0, so the branch may flip")
        // only x falls below y (x·y kept)
        refused(doubleArrayOf(-3.0, 0.25, 2.0), "user code compared input 0 'x' with input 1 'y' while building",
            "found it greater; this replay gives -3.0 against 0.25")
        // only x·y changes
        refused(doubleArrayOf(1.0, -0.5, 2.0), "user code read the value of a '*' node while building", "(-0.75); this replay gives -0.5")
        // a comparison of a node with a constant alone, recorded before any read
        val u = Value.of(0.25, "u")
        val s = u.sin()
        val below = s < 0.5
        val alone = Tape.record(listOf(u), if (below) s.times(u) else s)
        assertEquals(Math.sin(0.125) * 0.125, alone.value(doubleArrayOf(0.125)))
        val e = assertThrows(TapeGuardException::class.java) { alone.value(doubleArrayOf(1.0)) }
        assertTrue(e.message!!.contains("compared a 'sin' node with 0.5 ") && e.message!!.contains("found it less; this replay gives ${Math.sin(1.0)} against 0.5"),
            e.message)
    }

    @Test
    fun twoComparisonsOfTwoValuesAreEachTheirOwnGuard() {
        // x > y and z > w, in whichever order the recording lists them: a replay that breaks either one alone is refused,
        // naming that pair
        val x = Value.of(2.0, "x")
        val y = Value.of(1.0, "y")
        val z = Value.of(4.0, "z")
        val w = Value.of(3.0, "w")
        assertTrue(x > y && z > w)
        val tape = Tape.record(listOf(x, y, z, w), x.times(y).plus(z.times(w)))
        val grad = DoubleArray(4)
        assertEquals(5.0 + 21.0, tape.gradient(doubleArrayOf(5.0, 1.0, 7.0, 3.0), grad))
        assertEquals(listOf(1.0, 5.0, 3.0, 7.0), grad.toList())
        for ((at, pair) in listOf(doubleArrayOf(2.0, 1.0, 1.0, 3.0) to "input 2 'z' with input 3 'w'", doubleArrayOf(0.5, 1.0, 4.0, 3.0) to "input 0 'x' with input 1 'y'")) {
            val e = assertThrows(TapeGuardException::class.java, { tape.gradient(at, grad) }, "at ${at.toList()}")
            assertTrue(e.message!!.contains("user code compared $pair while building"), "at ${at.toList()}: ${e.message}")
        }
    }

    @Test
    fun aCompiledTapeUnderDetectionIgnoresWhatAnEarlierAnomalyLeftInItsLocalsSlots() {
        // Σ √sin(xᵢ) over 40 inputs: the compiled reverse sweep is a loop that carries the running sum's, each square
        // root's and each sine's adjoint in locals, and never clears those slots of the array; the anomaly at x20 = 0 leaves
        // ∞ in sin(x20)'s. Later replays under detection give the generic tape's gradient, bitwise.
        val n = 40
        val at = DoubleArray(n) { 0.5 + 0.01 * it }
        val build = { xs: List<Value> -> (1 until n).fold(xs[0].sin().sqrt()) { s, i -> s.plus(xs[i].sin().sqrt()) } }
        val xs = at.map { Value.of(it) }
        val generic = Tape.record(xs, build(xs))
        val fast = generic.compile()
        assertTrue(fast.isCompiled(), fast.whyNotCompiled())
        val bad = at.clone()
        bad[20] = 0.0
        val grad = DoubleArray(n)
        val e = caught { fast.gradient(bad, grad) }
        assertEquals("sqrt", e.op(), e.message)
        assertEquals(listOf(0.0), e.inputs(), e.message)
        val expected = DoubleArray(n)
        for (p in listOf(at, DoubleArray(n) { 1.5 - 0.01 * it })) {
            val y = Anomaly.detect { fast.gradient(p, grad) }
            assertTrue(same(generic.gradient(p, expected), y), "at ${p.toList()}")
            for (i in 0 until n) assertTrue(same(expected[i], grad[i]), "∂/∂x$i: compiled ${grad[i]}, generic ${expected[i]}")
        }
    }

    @Test
    fun compiledTapesGiveTheGenericTangentsAndGradientsUnderDetection() {
        var compiled = 0
        for (k in 0 until 40L) {
            val s = Exprs.sample(seed + k, Shape.MIXED, 3, 4)
            if (!Domains.valid(s)) continue
            val n = s.inputs.size
            val f = Function<List<Value>, Value> { l -> Evaluate.javaGraph(s.expr, l)[s.expr]!! }
            val tape = Tape.record(s.inputs, f)
            val fast = tape.compile()
            if (fast.isCompiled()) compiled++
            for (p in listOf(s.inputs, DoubleArray(n) { s.inputs[it] + 0.0625 })) {
                val v = DoubleArray(n) { 1.0 - 0.25 * it }
                assertTrue(same(tape.jvp(p, v), fast.jvp(p, v)), "$s at ${p.toList()}: compiled jvp ${fast.jvp(p, v)}, generic ${tape.jvp(p, v)}")
                val g = DoubleArray(n)
                val c = DoubleArray(n)
                // under detection: the same gradient, or the same anomaly (a shifted point may leave a sample's domain)
                val generic = runCatching { Anomaly.detect { tape.gradient(p, g) } }
                val mine = runCatching { Anomaly.detect { fast.gradient(p, c) } }
                assertEquals(generic.exceptionOrNull()?.message, mine.exceptionOrNull()?.message, "$s at ${p.toList()}")
                if (generic.isFailure) continue
                for (i in 0 until n) assertTrue(same(g[i], c[i]), "$s at ${p.toList()}: compiled ∂/∂x$i under detection ${c[i]}, generic ${g[i]}")
            }
        }
        assertTrue(compiled >= 10, "only $compiled compiled tapes")
        // sqrt(x0 - x1)·x1: an infinite gradient where x0 = x1; the compiled tape names it, then replays elsewhere cleanly
        val a = Value.of(2.0)
        val b = Value.of(1.0)
        val fast = Tape.record(listOf(a, b), a.minus(b).sqrt().times(b)).compile()
        assertTrue(fast.isCompiled(), fast.whyNotCompiled())
        val grad = DoubleArray(2)
        val e = caught { fast.gradient(doubleArrayOf(1.0, 1.0), grad) }
        assertEquals("sqrt", e.op(), e.message)
        assertEquals(listOf(0.0), e.inputs(), e.message)
        for (at in listOf(doubleArrayOf(2.0, 1.0), doubleArrayOf(5.0, 1.0))) {
            val y = Anomaly.detect { fast.gradient(at, grad) }
            val r = Math.sqrt(at[0] - 1.0)
            assertEquals(r, y, "at ${at.toList()}")
            assertEquals(listOf(1.0 / (2.0 * r), -1.0 / (2.0 * r) + r), grad.toList(), "at ${at.toList()}")
        }
    }

    @Test
    fun secondOrderAnomaliesNameTheNodeTheInputAndTheTangent() {
        // sin(x) + z^1.5 at z = 0 along z: the gradient 1.5·√z is 0, its tangent 0.75/√z infinite, at input 0 alone
        val x = Value.of(0.3)
        val z = Value.of(0.0)
        val sinX = x.sin()
        val tape = Tape.record(listOf(z, x), sinX.plus(z.pow(1.5)))
        val hv = DoubleArray(2)
        val e = caught { tape.hvp(doubleArrayOf(0.0, 0.3), doubleArrayOf(1.0, 0.0), hv, null) }
        assertEquals("pow", e.op(), e.message)
        assertEquals(listOf(0.0), e.inputs(), e.message)
        assertTrue(e.message!!.startsWith("Tape.hvp: op 'pow' with output gradient 1.0 and its tangent 0.0 produced gradient 0.0 "
            + "and gradient tangent Infinity for input 0 from inputs [0.0] and input tangents [1.0]"), e.message)
        // elsewhere the same tape passes under detection: the gradient (1.5·√z, cos x) and H·v = (0.75/√z, 0) at z = 0.25
        val hvElsewhere = DoubleArray(2)
        val gradElsewhere = DoubleArray(2)
        assertEquals(Math.sin(0.3) + 0.125, Anomaly.detect { tape.hvp(doubleArrayOf(0.25, 0.3), doubleArrayOf(1.0, 0.0), hvElsewhere, gradElsewhere) })
        assertEquals(listOf(0.75, Math.cos(0.3)), gradElsewhere.toList())
        assertEquals(listOf(1.5, 0.0), hvElsewhere.toList())
        // (x·y)·1e300 + sin(w) at x = 1e10, y = 1e-300 along nothing: ∂/∂y = 1e300·x overflows, at the product's second
        // input, which is input 0; every tangent stays 0
        val xx = Value.of(1e10)
        val yy = Value.of(1e-300)
        val w = Value.of(0.3)
        val sinW = w.sin()
        val product = Tape.record(listOf(yy, xx, w), xx.times(yy).times(1e300).plus(sinW))
        val m = caught { product.hvp(doubleArrayOf(1e-300, 1e10, 0.3), DoubleArray(3), DoubleArray(3), null) }
        assertEquals("*", m.op(), m.message)
        assertEquals(listOf(1e10, 1e-300), m.inputs(), m.message)
        assertTrue(m.message!!.startsWith("Tape.hvp: op '*' with output gradient 1.0E300 and its tangent 0.0 produced gradient Infinity "
            + "and gradient tangent 0.0 for input 1 from inputs [1.0E10, 1.0E-300]"), m.message)
        // the same without detection: the infinity, and a Hessian-vector product of zeros
        val plain = DoubleArray(3)
        val g = DoubleArray(3)
        product.hvp(doubleArrayOf(1e-300, 1e10, 0.3), DoubleArray(3), plain, g)
        assertEquals(listOf(Double.POSITIVE_INFINITY, 1.0, Math.cos(0.3)), g.toList())
        // a tape lowered by Derivatives (not recorded) names no recording site
        val j = caught { Derivatives.gradient(Function { l -> l[0].minus(1.0).sqrt().plus(l[1]) }, doubleArrayOf(1.0, 2.0)) }
        assertEquals("sqrt", j.op(), j.message)
        assertFalse(j.message!!.contains("recorded at"), j.message)
    }

    @Test
    fun powersOfOneHalfFollowTheSquareRoot() {
        // PyTorch's pow(x, ±1/2) is the square root and its reciprocal: (-0)^(1/2) = -0, (-∞)^(1/2) = NaN, (-0)^(-1/2) = -∞,
        // (-∞)^(-1/2) = NaN, where Math.pow gives +0, +∞, +∞ and +0
        for ((a, p, expected) in listOf(
            Triple(-0.0, 0.5, -0.0), Triple(Double.NEGATIVE_INFINITY, 0.5, Double.NaN),
            Triple(-0.0, -0.5, Double.NEGATIVE_INFINITY), Triple(Double.NEGATIVE_INFINITY, -0.5, Double.NaN), Triple(4.0, -0.5, 0.5),
        )) {
            val v = Value.of(a)
            assertTrue(same(expected, v.pow(p).data()), "$a^$p = ${v.pow(p).data()}, expected $expected")
            val tape = Tape.record(listOf(v), v.pow(p))
            assertTrue(same(expected, tape.value(doubleArrayOf(a))), "a tape: $a^$p = ${tape.value(doubleArrayOf(a))}")
        }
    }

    @Test
    fun aNodeReachedOnlyThroughASkippedSumOrDotIsStillSwept() {
        // 0·sum(√x) and 0·dot(√x, 2) at x = 0: the sum's and the dot's adjoints are 0 (their rules are skipped), but √x's
        // rule still runs: 0 / (2·√0) is NaN, as in PyTorch and on a tape
        for (nary in listOf("sum", "dot")) {
            val x = Value.of(0.0)
            val build = { l: Value -> if (nary == "sum") Value.sum(listOf(l.sqrt(), Value.of(1.0))) else Value.dot(listOf(l.sqrt()), listOf(Value.of(2.0))) }
            build(x).times(0.0).backward()
            assertTrue(x.grad().isNaN(), "$nary: ∂/∂x = ${x.grad()}")
            val t = Value.of(0.0)
            val onTape = Tape.record(listOf(t), build(t).times(0.0))
            val g = DoubleArray(1)
            onTape.gradient(doubleArrayOf(0.0), g)
            assertTrue(g[0].isNaN(), "$nary on a tape: ∂/∂x = ${g[0]}")
        }
    }
}
