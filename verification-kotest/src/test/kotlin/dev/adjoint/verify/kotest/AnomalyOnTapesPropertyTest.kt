package dev.adjoint.verify.kotest

import dev.adjoint.Anomaly
import dev.adjoint.AnomalyException
import dev.adjoint.BatchTape
import dev.adjoint.Derivatives
import dev.adjoint.Tape
import dev.adjoint.Value
import dev.adjoint.verify.BinaryOp
import dev.adjoint.verify.Domains
import dev.adjoint.verify.Evaluate
import dev.adjoint.verify.Expr
import dev.adjoint.verify.Exprs
import dev.adjoint.verify.Sample
import dev.adjoint.verify.Shape
import dev.adjoint.verify.UnaryOp
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.util.function.Function

/**
 * Anomaly detection on replays, on random expressions: a tape recorded with detection off and
 * replayed with it on throws at the op that makes the first NaN (forward) or the first infinite
 * gradient (reverse), naming the op and its operands' values, and where its node was made when the
 * graph was built with detection on, and leaves the outputs and gradients as they were; a batch
 * tape names the row node and the row, and refuses an infinite gradient of a shared leaf before
 * changing any.
 *
 * `-Dadjoint.verify.anomalies=N` sets the random expressions (default 200).
 */
class AnomalyOnTapesPropertyTest {
    private val count = System.getProperty("adjoint.verify.anomalies")?.toInt() ?: 200
    private val seed = System.getProperty("adjoint.verify.seed")?.toLong() ?: 20261130L

    private fun caught(body: () -> Unit): AnomalyException {
        val t = runCatching { Anomaly.run(body) }.exceptionOrNull()
        assertTrue(t is AnomalyException, "expected an AnomalyException, got $t")
        return t as AnomalyException
    }

    private fun samples(): List<Sample> = (0 until count.toLong()).map { Exprs.sample(seed + it, Shape.MIXED, 3, 4) }.filter { Domains.valid(it) }

    @Test
    fun aNaNValueIsNamedOnReplay() {
        for (s in samples()) {
            // sqrt(-(e² + 1)) + e is NaN at every point where e is finite, and e itself is finite
            val poisoned = Expr.Binary(BinaryOp.ADD,
                Expr.Unary(UnaryOp.SQRT, Expr.Unary(UnaryOp.NEG, Expr.Binary(BinaryOp.ADD, Expr.PowC(s.expr, 2.0), Expr.Const(1.0)))), s.expr)
            val f = Function<List<Value>, Value> { l -> Evaluate.javaGraph(poisoned, l)[poisoned]!! }
            val tape = Tape.record(s.inputs, f)
            val e = Evaluate.value(s.expr, s.inputs)
            for ((what, replay) in listOf<Pair<String, () -> Unit>>(
                "value" to { tape.value(s.inputs) },
                "gradient" to { tape.gradient(s.inputs, DoubleArray(s.inputs.size)) },
                "jvp" to { tape.jvp(s.inputs, DoubleArray(s.inputs.size)) },
            )) {
                val a = caught(replay)
                assertEquals("sqrt", a.op(), "$what of $poisoned: ${a.message}")
                assertEquals(-(e * e + 1.0), a.inputs()[0], 1e-12 * (1 + e * e), "$what of $poisoned: ${a.message}")
                assertTrue(a.message!!.contains("Tape.forward"), a.message)
                assertTrue(tape.output(0).isNaN(), "a replay that threw changed the outputs (the recording's): ${tape.output(0)}")
            }
            // without detection the same replay gives the NaN and the outputs again
            assertTrue(tape.value(s.inputs).isNaN())
            assertTrue(tape.output(0).isNaN())
        }
    }

    @Test
    fun anInfiniteGradientIsNamedOnReplay() {
        for (s in samples()) {
            // sqrt(e - e) + e: the value is e, but sqrt's adjoint rule divides by 2·sqrt(0) = 0
            val zero = Expr.Binary(BinaryOp.SUB, s.expr, s.expr)
            val root = Expr.Binary(BinaryOp.ADD, Expr.Unary(UnaryOp.SQRT, zero), s.expr)
            val f = Function<List<Value>, Value> { l -> Evaluate.javaGraph(root, l)[root]!! }
            val plain = Tape.record(s.inputs, f)
            // built and recorded with detection on: the tape knows where each node was made
            val sited = Anomaly.detect { Tape.record(s.inputs, f) }
            val leaves = s.inputs.map { Value.of(it) }
            val onLeaves = Tape.record(leaves, f.apply(leaves))
            for ((what, replay) in listOf<Pair<String, () -> Unit>>(
                "gradient" to { plain.gradient(s.inputs, DoubleArray(s.inputs.size)) },
                "backward" to { onLeaves.backward() },
                "gradient of a tape recorded with detection on" to { sited.gradient(s.inputs, DoubleArray(s.inputs.size)) },
            )) {
                val a = caught(replay)
                assertEquals("sqrt", a.op(), "$what of $root: ${a.message}")
                assertEquals(listOf(0.0), a.inputs(), "$what of $root: ${a.message}")
                assertTrue(a.message!!.contains("Tape.backward") && a.message!!.contains("Infinity"), a.message)
                assertTrue(a.message!!.contains("tape recorded at") && !a.message!!.contains("null"), a.message)
                if (what.contains("detection on")) assertTrue(a.site() != null && !a.message!!.contains("detection was off"), a.message)
                else assertTrue(a.site() == null && a.message!!.contains("detection was off"), a.message)
            }
            for (l in leaves) assertEquals(0.0, l.grad(), "backward changed a gradient before it threw")
            // the value replays without complaint
            // (bitwise the graph's value: plain double evaluation may differ from the engine's in the last bits, by design)
            Anomaly.run { assertTrue(Evaluate.javaGraph(root, s.inputs.map { Value.of(it) })[root]!!.data().toRawBits() == sited.value(s.inputs).toRawBits()) }
        }
    }

    @Test
    fun anInfiniteTangentIsNamedOnReplay() {
        for (s in samples()) {
            // sqrt(x0 - c) + e with c = x0's value: sqrt(0) = 0, but its tangent and its gradient along x0 are infinite
            val root = Expr.Binary(BinaryOp.ADD, Expr.Unary(UnaryOp.SQRT, Expr.Binary(BinaryOp.SUB, Expr.Var(0), Expr.Const(s.inputs[0]))), s.expr)
            val f = Function<List<Value>, Value> { l -> Evaluate.javaGraph(root, l)[root]!! }
            val n = s.inputs.size
            val tape = Tape.record(s.inputs, f)
            val along = DoubleArray(n).also { it[0] = 1.0 }
            for ((what, replay) in listOf<Pair<String, () -> Unit>>(
                "jvp" to { tape.jvp(s.inputs, along) },
                "hvp" to { tape.hvp(s.inputs, along, DoubleArray(n), null) },
                // no direction: every tangent is 0, the second-order sweep's gradient is what goes infinite
                "hvp along 0" to { tape.hvp(s.inputs, DoubleArray(n), DoubleArray(n), null) },
                "gradient" to { tape.gradient(s.inputs, DoubleArray(n)) },
                // several outputs, the bad one second: its reverse sweep runs in its own order
                "a Jacobian's second row" to {
                    Derivatives.jacobianReverse(Function { l -> Evaluate.javaGraph(root, l).let { g -> listOf(g[s.expr] ?: l[0], g[root]!!) } }, s.inputs)
                },
            )) {
                val a = caught(replay)
                assertEquals("sqrt", a.op(), "$what of $root: ${a.message}")
                assertEquals(listOf(0.0), a.inputs(), "$what of $root: ${a.message}")
            }
            // the same replays without detection give the infinities
            assertEquals(Double.POSITIVE_INFINITY, tape.jvp(s.inputs, along))
        }
    }

    @Test
    fun anInfiniteGradientOfAnNaryOpIsNamed() {
        // dot([a], [b]) · 1e300: finite values, but b̄ = 1e300 · 1e10 overflows
        val a = Value.of(1e-310)
        val b = Value.of(1e10)
        val tape = Tape.record(listOf(a, b), Value.dot(listOf(a), listOf(b)).times(1e300))
        val e = caught { tape.gradient(doubleArrayOf(1e-310, 1e10), DoubleArray(2)) }
        assertEquals("dot", e.op(), e.message)
        assertEquals(listOf(1e-310, 1e10), e.inputs(), e.message)
        assertTrue(e.message!!.contains("for input 0"), e.message)
        // two pairs: every operand named
        val c = Value.of(2.0)
        val d = Value.of(3.0)
        val two = Tape.record(listOf(a, b, c, d), Value.dot(listOf(a, c), listOf(b, d)).times(1e300))
        val t = caught { two.gradient(doubleArrayOf(1e-310, 1e10, 2e-310, 3e-300), DoubleArray(4)) }
        assertEquals(listOf(1e-310, 2e-310, 1e10, 3e-300), t.inputs(), t.message)
        // a binary op whose second operand's gradient overflows: (x·y)·1e300 at x = 1e10, y = 1e-300
        val x = Value.of(1e10)
        val y = Value.of(1e-300)
        val mul = Tape.record(listOf(x, y), x.times(y).times(1e300))
        val m = caught { mul.gradient(doubleArrayOf(1e10, 1e-300), DoubleArray(2)) }
        assertEquals("*", m.op(), m.message)
        assertEquals(listOf(1e10, 1e-300), m.inputs(), m.message)
        assertTrue(m.message!!.contains("for input 1"), m.message)
        // 0 / 0: both operands named
        val z = Value.of(1.0)
        val div = Tape.record(listOf(z), z.minus(z).div(z.minus(z)))
        val q = caught { div.value(doubleArrayOf(1.0)) }
        assertEquals(listOf(0.0, 0.0), q.inputs(), q.message)
    }

    @Test
    fun batchTapesNameTheRowWhereItWentWrong() {
        val reversed = java.util.function.Function<List<Value>, Value> { outs -> outs.reversed().drop(1).fold(outs.last()) { acc, o -> acc.plus(o) } }
        for (shards in 1..2) {
            val w = Value.of(1.5)
            val x = Value.of(1.0)
            // log(dot([w], [x])) is NaN in row 0 only, whose lane is the last (the loss reaches the rows last to first)
            val nan = BatchTape.record(listOf(w), listOf(x), Value.dot(listOf(w), listOf(x)).log(), arrayOf(doubleArrayOf(-1.0), doubleArrayOf(1.0), doubleArrayOf(2.0)),
                reversed, shards)
            val e = caught { nan.value() }
            assertEquals("log", e.op(), e.message)
            assertEquals(listOf(-1.5), e.inputs(), e.message)
            assertTrue(e.message!!.contains("for row 0 (node 1"), e.message)
            // w·x summed over rows overflows in row 1 (the rows' terms are added last row first): 1e300·1e-300, then 1e300·1e300
            for (wFirst in listOf(true, false)) {
                val v = Value.of(1e-300)
                val row = if (wFirst) v.times(x) else x.times(v)
                val sum = BatchTape.record(listOf(v), listOf(x), row, arrayOf(doubleArrayOf(1e300), doubleArrayOf(1e300), doubleArrayOf(1e-300)),
                    { outs -> outs[0].times(1e300).plus(outs[1].times(1e300)).plus(outs[2].times(1e300)) }, shards)
                val g = caught { sum.backward() }
                assertEquals("*", g.op(), g.message)
                assertTrue(g.message!!.contains("for row 1") && g.message!!.contains("input ${if (wFirst) 0 else 1}"), g.message)
                assertEquals(if (wFirst) listOf(1e-300, 1e300) else listOf(1e300, 1e-300), g.inputs(), g.message)
                assertEquals(0.0, v.grad(), "a refused backward changed a gradient")
            }
        }
    }

    @Test
    fun batchTapesNameTheRowAndRefuseAnInfiniteSharedGradient() {
        for (shards in 1..2) {
            // row r: sqrt(-(x² + 1)) · w, NaN in every row
            val w = Value.of(0.5)
            val x = Value.of(1.0)
            val rows = arrayOf(doubleArrayOf(1.0), doubleArrayOf(2.0))
            val nan = BatchTape.record(listOf(w), listOf(x), x.pow(2.0).plus(1.0).unaryMinus().sqrt().times(w), rows,
                { outs -> outs[0].plus(outs[1]) }, shards)
            val e = caught { nan.value() }
            assertTrue(e.message!!.contains("BatchTape.forward") && e.message!!.contains("row 0"), e.message)
            assertEquals("sqrt", e.op(), e.message)
            // row r: sqrt(v) · x at v = 0: finite values, ∂/∂v infinite
            val v = Value.of(0.0)
            val inf = BatchTape.record(listOf(v), listOf(x), v.sqrt().times(x), rows, { outs -> outs[0].plus(outs[1]) }, shards)
            val g = caught { inf.backward() }
            assertTrue(g.message!!.contains("BatchTape.backward") && g.message!!.contains("Infinity"), g.message)
            assertEquals("sqrt", g.op(), g.message)
            assertEquals(0.0, v.grad(), "a refused backward changed a gradient")
            // row r: sqrt(x) · w at x = 0 in row 1: ∂/∂x infinite there, a row leaf's gradient
            val rowInf = BatchTape.record(listOf(w), listOf(x), x.sqrt().times(w), arrayOf(doubleArrayOf(1.0), doubleArrayOf(0.0)),
                { outs -> outs[0].plus(outs[1]) }, shards)
            val h = caught { rowInf.backward() }
            assertEquals("sqrt", h.op(), h.message)
            assertTrue(h.message!!.contains("for row 1") && h.message!!.contains("Infinity"), h.message)
            assertEquals(0.0, inf.value(), "the value replays without complaint")
        }
    }
}
