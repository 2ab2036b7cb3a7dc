package dev.adjoint.verify.kotest

import dev.adjoint.BatchTape
import dev.adjoint.Value
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.util.concurrent.Callable
import java.util.concurrent.Executors
import java.util.function.Function

/**
 * What `BatchTape.record` refuses (each with a message naming the cause) and what it accepts at
 * the edges; rows read back in the order the loss reaches them; the outputs at recording; the
 * memory it accounts for.
 */
class BatchTapeContractTest {
    private val sum = Function<List<Value>, Value> { outs -> outs.drop(1).fold(outs[0]) { acc, o -> acc.plus(o) } }

    private fun refused(what: String, expected: String, body: () -> Unit) {
        val t = assertThrows(IllegalArgumentException::class.java, body, what)
        assertTrue(t.message!!.contains(expected), "$what: ${t.message}")
    }

    @Test
    fun refusals() {
        val w = Value.of(0.5)
        val v = Value.of(-0.25)
        val x = Value.of(1.0)
        val y = Value.of(2.0)
        val rows = arrayOf(doubleArrayOf(1.0, 2.0), doubleArrayOf(3.0, 4.0))
        val out = x.times(w).plus(y.times(v))
        refused("no rows", "no rows") { BatchTape.record(listOf(w, v), listOf(x, y), out, arrayOf(), sum) }
        refused("no shards", "shards") { BatchTape.record(listOf(w, v), listOf(x, y), out, rows, sum, 0) }
        refused("more shards than rows", "shards") { BatchTape.record(listOf(w, v), listOf(x, y), out, rows, sum, 3) }
        refused("a leaf as the row output", "leaf") { BatchTape.record(listOf(w, v), listOf(x, y), x, rows, sum) }
        refused("an op node as a shared leaf", "not a leaf") { BatchTape.record(listOf(w, out), listOf(x, y), out, rows, sum) }
        refused("an op node as a row leaf", "not a leaf") { BatchTape.record(listOf(w, v), listOf(x, out), out, rows, sum) }
        refused("a leaf twice", "twice") { BatchTape.record(listOf(w, v), listOf(x, w), out, rows, sum) }
        refused("a short row", "row 1 has 1 values") { BatchTape.record(listOf(w, v), listOf(x, y), out, arrayOf(doubleArrayOf(1.0, 2.0), doubleArrayOf(3.0)), sum) }
        refused("a missing row", "row 0 has no values") { BatchTape.record(listOf(w, v), listOf(x, y), out, arrayOf(null, doubleArrayOf(3.0, 4.0)), sum) }
        assertEquals("BatchTape.record: shared 1 is null",
            assertThrows(NullPointerException::class.java) { BatchTape.record(listOf(w, null), listOf(x, y), out, rows, sum) }.message)
        assertEquals("BatchTape.record: row 0 is null",
            assertThrows(NullPointerException::class.java) { BatchTape.record(listOf(w, v), listOf(null, y), out, rows, sum) }.message)
        // a shared leaf twice an operand, as the first operand and as the second
        refused("a shared leaf used twice, first operand", "shared leaf 0") {
            BatchTape.record(listOf(w, v), listOf(x, y), w.times(x).plus(w.times(y)).plus(v), rows, sum)
        }
        refused("a shared leaf used twice, second operand", "shared leaf 1") {
            BatchTape.record(listOf(w, v), listOf(x, y), x.times(v).plus(y.times(v)).plus(w), rows, sum)
        }
        refused("a shared leaf used twice in a dot", "shared leaf 0") {
            BatchTape.record(listOf(w, v), listOf(x, y), Value.dot(listOf(w, w), listOf(x, y)).plus(v), rows, sum)
        }
        // the loss: every row's output, no row leaf, shared leaves only after the last row
        refused("a loss that ignores a row", "row 1") { BatchTape.record(listOf(w, v), listOf(x, y), out, rows, { outs -> outs[0].times(2.0) }) }
        refused("a loss that uses a row leaf", "row leaf 1") { BatchTape.record(listOf(w, v), listOf(x, y), out, rows, { outs -> sum.apply(outs).plus(y) }) }
        refused("a loss that uses the first row leaf", "row leaf 0") { BatchTape.record(listOf(w, v), listOf(x, y), out, rows, { outs -> sum.apply(outs).plus(x) }) }
        refused("a shared leaf before the last row", "shared leaf 1") {
            BatchTape.record(listOf(w, v), listOf(x, y), out, rows, { outs -> outs[0].times(v).plus(outs[1]) })
        }
        // branches: reading a row leaf or a node of the row graph while building it is refused; a shared leaf, not
        val branchOnRow = if (x.data() > 0) x.times(w).plus(y.times(v)) else x.times(v).plus(y.times(w))
        refused("a branch on a row leaf", "row leaf 0") { BatchTape.record(listOf(w, v), listOf(x, y), branchOnRow, rows, sum) }
        val z = x.times(w)
        val branchOnNode = if (z.data() > 0) z.plus(y.times(v)) else z.minus(y.times(v))
        refused("a branch on a node", "'*' node") { BatchTape.record(listOf(w, v), listOf(x, y), branchOnNode, rows, sum) }
        val branchOnShared = if (w.data() > 0) x.times(w).plus(y.times(v)) else x.times(v).plus(y.times(w))
        val ok = BatchTape.record(listOf(w, v), listOf(x, y), branchOnShared, rows, sum)
        assertEquals(1.0 * 0.5 + 2.0 * -0.25 + (3.0 * 0.5 + 4.0 * -0.25), ok.value())
        // a shared leaf in the node that first uses the last row's output is in order, and accepted
        val last = BatchTape.record(listOf(w, v), listOf(x, y), out, rows, { outs -> outs[0].plus(outs[1].times(w)) })
        w.zeroGrad()
        last.backward()
        assertEquals(1.0 + 3.0 * 0.5 + (3.0 * 0.5 + 4.0 * -0.25), w.grad(), "∂/∂w: row 0's x, row 1's x·w, and row 1's output")
        // too many slots for one array: refused before anything is allocated
        var deep = w.times(1.0)
        repeat(2999) { deep = deep.times(1.0) }
        refused("3,000 op nodes × 716,000 rows", "record: 3000 row slots × 716000 rows") {
            BatchTape.record(listOf(w), listOf(), deep, Array(716_000) { DoubleArray(0) }, sum)
        }
        // exactly as many slots as an array holds (2^31 - 9: one shared slot and 2,969 row slots × 723,302 rows) is not
        // refused for its size but for the row graph's own fault, found before anything is allocated; one slot more is
        var chain = w.times(w)
        repeat(2968) { chain = chain.sin() }
        val none = DoubleArray(0)
        val most = Array(723_302) { none }
        refused("2^31 - 9 slots", "shared leaf 0 (${w}) is an operand 2 times") { BatchTape.record(listOf(w), listOf(), chain, most, sum) }
        refused("2^31 - 8 slots", "record: 2969 row slots × 723302 rows") { BatchTape.record(listOf(w, v), listOf(), chain, most, sum) }
    }

    @Test
    fun edgesAndOrder() {
        val w = Value.of(0.5)
        val x = Value.of(1.0)
        val rows = arrayOf(doubleArrayOf(1.0), doubleArrayOf(-2.0), doubleArrayOf(3.0))
        // as many shards as rows is allowed
        val perRow = BatchTape.record(listOf(w), listOf(x), x.times(w).tanh(), rows, sum, 3)
        assertEquals(3, perRow.rows())
        assertEquals(2, perRow.operations())
        // rows reached last to first by the loss: each row's output read back by its own index, before and after a replay
        val reversed = Function<List<Value>, Value> { outs -> outs.reversed().drop(1).fold(outs.last()) { acc, o -> acc.plus(o.times(o)) } }
        for (shards in 1..3) {
            val t = BatchTape.record(listOf(w), listOf(x), x.times(w).tanh(), rows, reversed, shards)
            for (r in rows.indices) assertEquals(Math.tanh(rows[r][0] * 0.5), t.output(r), "$shards shards, at recording: row $r")
            for (replay in 0..1) {
                w.zeroGrad()
                val loss = t.backward()
                for (r in rows.indices) {
                    assertEquals(Math.tanh(rows[r][0] * w.data()), t.output(r), "$shards shards, replay $replay: row $r")
                }
                // the whole graph, define-by-run
                val ww = Value.of(w.data())
                val outs = rows.map { row -> Value.of(row[0]).times(ww).tanh() }
                val whole = reversed.apply(outs)
                whole.backward()
                assertEquals(whole.data(), loss, "$shards shards: loss")
                if (shards == 1) assertEquals(ww.grad(), w.grad(), "one shard: ∂/∂w bitwise")
                else assertEquals(ww.grad(), w.grad(), 1e-14, "$shards shards: ∂/∂w")
                w.setData(w.data() + 0.25)
            }
            w.setData(0.5)
            for (bad in listOf(3, -1)) {
                val e = assertThrows(IndexOutOfBoundsException::class.java) { t.output(bad) }
                assertEquals("output: row $bad is outside 0..2", e.message)
            }
        }
    }

    @Test
    fun aLossBuiltOnTwoThreadsReadsEachRowFromItsOwnLane() {
        // 2·o1 + o0, with 2·o1 made on another thread than the sum, and then the other way round: node numbers come from
        // per-thread counters, so in one of the two the numbers do not order the loss, and its walk reaches row 1's output
        // first (row 1 in lane 0); the rows' outputs, the loss and ∂/∂w are the whole graph's either way
        val other = Executors.newSingleThreadExecutor()
        try {
            for (twiceElsewhere in listOf(true, false)) {
                val loss = Function<List<Value>, Value> { o ->
                    if (twiceElsewhere) {
                        other.submit(Callable { o[1].times(2.0) }).get().plus(o[0])
                    } else {
                        val twice = o[1].times(2.0)
                        other.submit(Callable { twice.plus(o[0]) }).get()
                    }
                }
                val w = Value.of(0.5)
                val x = Value.of(1.0)
                val rows = arrayOf(doubleArrayOf(1.0), doubleArrayOf(3.0), doubleArrayOf(-2.0))
                val three = Function<List<Value>, Value> { o -> loss.apply(o.take(2)).plus(o[2]) }
                for (shards in 1..2) {
                    val what = "2·o1 made ${if (twiceElsewhere) "on another thread" else "here"}, $shards shards"
                    val t = BatchTape.record(listOf(w), listOf(x), x.times(w).tanh(), rows, three, shards)
                    for (r in rows.indices) assertEquals(Math.tanh(rows[r][0] * 0.5), t.output(r), "$what, at recording: row $r")
                    w.zeroGrad()
                    val got = t.backward()
                    for (r in rows.indices) assertEquals(Math.tanh(rows[r][0] * 0.5), t.output(r), "$what, replayed: row $r")
                    val ww = Value.of(0.5)
                    val outs = rows.map { Value.of(it[0]).times(ww).tanh() }
                    val whole = outs[1].times(2.0).plus(outs[0]).plus(outs[2])
                    whole.backward()
                    assertEquals(whole.data(), got, "$what: loss")
                    assertEquals(ww.grad(), w.grad(), 1e-15, "$what: ∂/∂w")
                }
            }
        } finally {
            other.shutdown()
        }
    }

    @Test
    fun memoryAccounting() {
        // row r: tanh(w0·x0 + w1·x1): 4 op nodes, no constants, no n-ary operands, no dense layer
        val w = listOf(Value.of(0.5), Value.of(-1.5))
        val x = listOf(Value.of(1.0), Value.of(2.0))
        for (rows in 2..4) {
            val data = Array(rows) { r -> doubleArrayOf(r + 1.0, -r - 0.5) }
            val t = BatchTape.record(w, x, x[0].times(w[0]).plus(x[1].times(w[1])).tanh(), data, sum)
            val n = 4L
            val nin = 2L
            val nrow = 2L
            val structure = n + 4 * n + 4 * n // op codes (a byte each), operand offsets a and b
            val lanes = 4L * rows + 4L * rows // each row's lane, and the scratch of active rows
            val values = 16 * (nin + (nrow + n) * rows) // a value and an adjoint per slot
            val reduceIn = 16 * (nin + rows) // the reduction's inputs and their gradients
            val reduction = 24 * (nin + rows + (rows - 1)) + 4 // the loss tape: inputs and rows - 1 additions, one output
            assertEquals(structure + lanes + values + reduceIn + reduction, t.bytes(), "$rows rows")
            // a dense layer and shards hold more
            val dense = BatchTape.record(w, x, Value.dot(w, x), data, sum)
            val plain = 9 + 4 * 4 + 8L * rows + 16 * (nin + (nrow + 1) * rows) + reduceIn + reduction
            assertTrue(dense.bytes() > plain, "a dense layer: ${dense.bytes()} bytes, $plain without its kernel's")
            val sharded = BatchTape.record(w, x, x[0].times(w[0]).plus(x[1].times(w[1])).tanh(), data, sum, 2)
            assertTrue(sharded.bytes() > t.bytes(), "two shards: ${sharded.bytes()} bytes, one ${t.bytes()}")
        }
    }
}
