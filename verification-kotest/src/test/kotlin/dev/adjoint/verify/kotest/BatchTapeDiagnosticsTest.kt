package dev.adjoint.verify.kotest

import dev.adjoint.Anomaly
import dev.adjoint.AnomalyException
import dev.adjoint.BatchTape
import dev.adjoint.Value
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.util.function.Function

/**
 * What a [BatchTape] tells its user under anomaly detection, exactly: the op, the row (not the
 * lane), the operand and its values in that row, the output gradient there, for row operands and
 * for shared leaves whose gradient sums the rows (the row whose term made the sum overflow, a
 * regulariser's share included), for n-ary nodes, and for a sum that overflows only shard by
 * shard; a detection that threw leaves nothing behind for the next replay. Also: copies of a batch
 * tape without dense layers, and the exact memory of one with n-ary operands.
 */
class BatchTapeDiagnosticsTest {
    private val sum = Function<List<Value>, Value> { outs -> outs.drop(1).fold(outs[0]) { acc, o -> acc.plus(o) } }

    private fun caught(body: () -> Unit): AnomalyException {
        val t = runCatching { Anomaly.run(body) }.exceptionOrNull()
        assertTrue(t is AnomalyException, "expected an AnomalyException, got $t")
        return t as AnomalyException
    }

    private fun says(e: AnomalyException, vararg parts: String) {
        for (part in parts) assertTrue(e.message!!.contains(part), "'$part' not in: ${e.message}")
    }

    @Test
    fun aNaNNamesItsOpRowAndValue() {
        // log(x) + w: NaN in row 1 only, at the first of two nodes
        val w = Value.of(0.5)
        val x = Value.of(1.0)
        val t = BatchTape.record(listOf(w), listOf(x), x.log().plus(w), arrayOf(doubleArrayOf(2.0), doubleArrayOf(-1.0), doubleArrayOf(3.0)), sum)
        val e = caught { t.value() }
        assertEquals("log", e.op(), e.message)
        assertEquals(listOf(-1.0), e.inputs(), e.message)
        says(e, "BatchTape.forward: op 'log' produced NaN for row 1 (node 0 of the row graph) from inputs [-1.0]")
    }

    @Test
    fun aRowOperandsInfiniteGradientNamesTheRowAndItsOutputGradient() {
        // √x·w with the loss 3·o0 + 2·o1 + o2: √x's output gradient in row r is (3, 2, 1)[r]·w; ∂/∂x infinite where x = 0
        val weighted = Function<List<Value>, Value> { o -> o[0].times(3.0).plus(o[1].times(2.0)).plus(o[2]) }
        for (zeroAt in 0..2) {
            val w = Value.of(0.5)
            val x = Value.of(1.0)
            val rows = Array(3) { r -> doubleArrayOf(if (r == zeroAt) 0.0 else r + 1.0) }
            val t = BatchTape.record(listOf(w), listOf(x), x.sqrt().times(w), rows, weighted)
            val e = caught { t.backward() }
            assertEquals("sqrt", e.op(), e.message)
            assertEquals(listOf(0.0), e.inputs(), "row $zeroAt: ${e.message}")
            says(e, "BatchTape.backward: op 'sqrt' with output gradient ${(3 - zeroAt) * 0.5} produced gradient Infinity for input 0 "
                + "for row $zeroAt (node 0 of the row graph) from inputs [0.0]")
            assertEquals(0.0, w.grad(), "a refused backward changed a gradient")
        }
    }

    @Test
    fun theSecondRowOperandsInfiniteGradientIsNamedAfterTheFirstsFiniteOnes() {
        // x0 / x1 at (1e150, 1e-150) in row 1: ∂/∂x0 = 1e150 is finite in every row, ∂/∂x1 = -x0/x1² overflows in row 1
        val x0 = Value.of(1.0)
        val x1 = Value.of(1.0)
        val w = Value.of(1.0)
        val t = BatchTape.record(listOf(w), listOf(x0, x1), x0.div(x1).times(w), arrayOf(doubleArrayOf(1.0, 1.0), doubleArrayOf(1e150, 1e-150)), sum)
        val e = caught { t.backward() }
        assertEquals("/", e.op(), e.message)
        assertEquals(listOf(1e150, 1e-150), e.inputs(), e.message)
        says(e, "BatchTape.backward: op '/' with output gradient 1.0 produced gradient -Infinity for input 1 for row 1 (node 0 of the row graph)")
    }

    @Test
    fun aSharedLeafsOverflowNamesTheRowWhoseTermMadeIt() {
        // x / v with v = 1e-150 shared: ∂/∂v = -x/v² per row, -1e300 in rows 0 and 2, -1e310 in row 1 (the sum, from the
        // last row down, overflows there); the term reads v's value and each row's output gradient
        val v = Value.of(1e-150)
        val x = Value.of(1.0)
        val div = BatchTape.record(listOf(v), listOf(x), x.div(v), arrayOf(doubleArrayOf(1.0), doubleArrayOf(1e10), doubleArrayOf(1.0)), sum)
        val d = caught { div.backward() }
        assertEquals("/", d.op(), d.message)
        assertEquals(listOf(1e10, 1e-150), d.inputs(), d.message)
        says(d, "BatchTape.backward: op '/' with output gradient 1.0 made the gradient of input 1 (the same in every row, summed over the rows) "
            + "-Infinity for row 1 (node 0 of the row graph)")
        assertEquals(0.0, v.grad(), "a refused backward changed a gradient")
        // v^x with v = 1e-10 shared, first: ∂/∂v = x·v^(x-1), infinite in row 1 (x = -30) only; the term reads v's value
        val b = Value.of(1e-10)
        val pow = BatchTape.record(listOf(b), listOf(x), b.pow(x), arrayOf(doubleArrayOf(1.0), doubleArrayOf(-30.0), doubleArrayOf(1.0)), sum)
        val p = caught { pow.backward() }
        assertEquals("pow", p.op(), p.message)
        assertEquals(listOf(1e-10, -30.0), p.inputs(), p.message)
        says(p, "made the gradient of input 0 (the same in every row, summed over the rows) -Infinity for row 1 (node 0")
        // x·v plus the regulariser v·1e308: the loss's own share of ∂/∂v (1e308) and row 1's (1e308) overflow together
        val s = Value.of(1e-300)
        val reg = BatchTape.record(listOf(s), listOf(x), x.times(s), arrayOf(doubleArrayOf(1.0), doubleArrayOf(1e308), doubleArrayOf(0.0)),
            { o -> sum.apply(o).plus(s.times(1e308)) })
        val r = caught { reg.backward() }
        assertEquals("*", r.op(), r.message)
        assertEquals(listOf(1e308, 1e-300), r.inputs(), r.message)
        says(r, "BatchTape.backward: op '*' with output gradient 1.0 made the gradient of input 1 (the same in every row, summed over the rows) "
            + "Infinity for row 1 (node 0 of the row graph)")
        assertEquals(0.0, s.grad(), "a refused backward changed a gradient")
    }

    @Test
    fun aSharedOperandsOverflowInARuleThatReadsItsOutputNamesTheRow() {
        // √v·x with v = 1e-300 shared: ∂/∂v = x/(2√v) per row reads √v, the node's own value; 5e149 in rows 0 and 2, and
        // x = 1e160 makes it overflow in row 1, where the output gradient is 1e160
        val v = Value.of(1e-300)
        val x = Value.of(1.0)
        val t = BatchTape.record(listOf(v), listOf(x), v.sqrt().times(x), arrayOf(doubleArrayOf(1.0), doubleArrayOf(1e160), doubleArrayOf(1.0)), sum)
        val e = caught { t.backward() }
        assertEquals("sqrt", e.op(), e.message)
        assertEquals(listOf(1e-300), e.inputs(), e.message)
        says(e, "BatchTape.backward: op 'sqrt' with output gradient 1.0E160 made the gradient of input 0 (the same in every row, summed over "
            + "the rows) Infinity for row 1 (node 0 of the row graph) from inputs [1.0E-300]")
        assertEquals(0.0, v.grad(), "a refused backward changed a gradient")
        // x^u with u = 1 shared, on the right: ∂/∂u = y·ln x per row reads the node's value y = x; x = 1e308 in row 1
        // makes it overflow there (1e308·709.2)
        val u = Value.of(1.0)
        val pow = BatchTape.record(listOf(u), listOf(x), x.pow(u), arrayOf(doubleArrayOf(2.0), doubleArrayOf(1e308), doubleArrayOf(2.0)), sum)
        val p = caught { pow.backward() }
        assertEquals("pow", p.op(), p.message)
        says(p, "BatchTape.backward: op 'pow' with output gradient 1.0 made the gradient of input 1 (the same in every row, summed over "
            + "the rows) Infinity for row 1 (node 0 of the row graph) from inputs [1.0E308, 1.0]")
        assertEquals(0.0, u.grad(), "a refused backward changed a gradient")
    }

    @Test
    fun anNaryNodesSharedOperandIsNamed() {
        // dot([x0, x1], [w0, w1])·1e300: ∂/∂w1 = 1e300·x1 summed over the rows overflows (x1 = 1e10 in row 1)
        val w0 = Value.of(1e-300)
        val w1 = Value.of(1e-300)
        val x0 = Value.of(1.0)
        val x1 = Value.of(1.0)
        val rows = arrayOf(doubleArrayOf(1.0, 1.0), doubleArrayOf(2.0, 1e10))
        for (shards in 1..2) {
            val t = BatchTape.record(listOf(w0, w1), listOf(x0, x1), Value.dot(listOf(x0, x1), listOf(w0, w1)).times(1e300), rows, sum, shards)
            val e = caught { t.backward() }
            assertEquals("dot", e.op(), e.message)
            assertEquals(listOf(1.0, 1.0, 1e-300, 1e-300), e.inputs(), e.message)
            says(e, "BatchTape.backward: op 'dot' with output gradient 1.0E300 made the gradient of input 3 (the same in every row, "
                + "summed over the rows) Infinity for row 0 (node 0 of the row graph) from inputs [1.0, 1.0, 1.0E-300, 1.0E-300]")
            assertEquals(0.0, w1.grad(), "a refused backward changed a gradient")
        }
    }

    @Test
    fun aSumThatOverflowsOnlyShardByShardIsRefused() {
        // w·x over the rows x = (1e308, 1e308, 0, -1e308): ∂/∂w summed from the last row down is finite (1e308), but the
        // first shard of two (rows 0 and 1) sums to infinity
        val w = Value.of(0.5)
        val x = Value.of(1.0)
        val rows = arrayOf(doubleArrayOf(1e308), doubleArrayOf(1e308), doubleArrayOf(0.0), doubleArrayOf(-1e308))
        val one = BatchTape.record(listOf(w), listOf(x), w.times(x), rows, sum)
        Anomaly.run { one.backward() }
        assertEquals(1e308, w.grad())
        w.zeroGrad()
        val two = BatchTape.record(listOf(w), listOf(x), w.times(x), rows, sum, 2)
        val e = caught { two.backward() }
        assertEquals("backward", e.op(), e.message)
        says(e, "BatchTape.backward: the gradient of shared leaf 0 ($w), summed over the rows, is Infinity; no gradient was changed")
        assertEquals(0.0, w.grad(), "a refused backward changed a gradient")
    }

    @Test
    fun aConstantsGradientOverflowingShardByShardChangesNoLeafsGradient() {
        // 0.5·x + w over the rows x = (1e308, 1e308, 0, -1e308): the constant 0.5's gradient overflows in the first of two
        // shards, but a constant's gradient is no one's: w gets its gradient, 4
        val w = Value.of(0.5)
        val x = Value.of(1.0)
        val rows = arrayOf(doubleArrayOf(1e308), doubleArrayOf(1e308), doubleArrayOf(0.0), doubleArrayOf(-1e308))
        val t = BatchTape.record(listOf(w), listOf(x), x.times(0.5).plus(w), rows, sum, 2)
        assertEquals(0.5e308 + 0.5e308 + 0.0 - 0.5e308 + 4 * 0.5, Anomaly.detect { t.backward() })
        assertEquals(4.0, w.grad())
    }

    @Test
    fun aDetectionThatThrewLeavesNothingBehind() {
        // √(x - w) at x = w in row 0: ∂ infinite; at another w every replay under detection passes
        val w = Value.of(2.0)
        val x = Value.of(1.0)
        val t = BatchTape.record(listOf(w), listOf(x), x.minus(w).sqrt(), arrayOf(doubleArrayOf(2.0), doubleArrayOf(3.0)), sum)
        val e = caught { t.backward() }
        assertEquals("sqrt", e.op(), e.message)
        says(e, "for row 0")
        w.setData(1.0)
        for (k in 0..1) {
            w.zeroGrad()
            val loss = Anomaly.detect { t.backward() }
            assertEquals(1.0 + Math.sqrt(2.0), loss)
            assertEquals(-0.5 - 0.5 / Math.sqrt(2.0), w.grad(), 1e-15)
        }
    }

    @Test
    fun reduceReceivesEachRowsOutputInRowOrder() {
        // the leaves reduce receives hold the rows' outputs at the shared leaves' current values, row r at index r
        val w = Value.of(0.75)
        val x = Value.of(1.0)
        val rows = arrayOf(doubleArrayOf(1.0), doubleArrayOf(-2.0), doubleArrayOf(3.0), doubleArrayOf(0.5))
        for (shards in listOf(1, 2)) {
            var seen: List<Double> = listOf()
            val t = BatchTape.record(listOf(w), listOf(x), x.times(w).tanh(), rows, { outs -> seen = outs.map { it.data() }; sum.apply(outs) }, shards)
            assertEquals(rows.map { Math.tanh(it[0] * 0.75) }, seen, "$shards shards")
            assertEquals(seen, (0 until 4).map { t.output(it) }, "$shards shards")
            // reduce read them: the reduction guards them, and a replay at the same point passes
            assertEquals(sum.apply(seen.map { Value.of(it) }).data(), t.value())
        }
    }

    @Test
    fun copiesWithoutDenseLayersAndMemoryWithNaryOperands() {
        val w = Value.of(0.5)
        val x0 = Value.of(1.0)
        val x1 = Value.of(2.0)
        for (rows in 2..4) {
            val data = Array(rows) { r -> doubleArrayOf(r + 1.0, -r - 0.5) }
            // sum(x0, x1)·w: no dense layer; 2 op nodes, 2 n-ary operands
            val t = BatchTape.record(listOf(w), listOf(x0, x1), Value.sum(listOf(x0, x1)).times(w), data, sum)
            val n = 2L
            val nin = 1L
            val nrow = 2L
            val structure = n + 4 * n + 4 * n + 4 * 2 // op codes, operand offsets a and b, the sum's two operands
            val lanes = 8L * rows // each row's lane, and the scratch of active rows
            val values = 16 * (nin + (nrow + n) * rows)
            val reduceIn = 16 * (nin + rows)
            val reduction = 24 * (nin + rows + (rows - 1)) + 4
            assertEquals(structure + lanes + values + reduceIn + reduction, t.bytes(), "$rows rows")
            // a copy replays on its own arrays, bitwise the tape's
            val copy = t.copy()
            w.zeroGrad()
            val loss = t.backward()
            val g = w.grad()
            w.zeroGrad()
            assertEquals(loss, copy.backward())
            assertEquals(g, w.grad())
            assertEquals(data.sumOf { (it[0] + it[1]) * 0.5 }, loss)
            for (r in 0 until rows) assertEquals(t.output(r), copy.output(r))
            assertEquals(t.bytes(), copy.bytes())
            w.zeroGrad()
        }
    }
}
