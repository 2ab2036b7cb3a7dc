package dev.adjoint.verify.kotest

import dev.adjoint.BatchTape
import dev.adjoint.Value
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.util.Random
import java.util.function.Function

/**
 * A batch tape with [BatchTape.Summation.REASSOCIATED] held to what that mode documents, bitwise:
 * every row's output and the loss are define-by-run's, and each shared leaf's gradient is its rows'
 * terms (each the exact rule's, taken from the row's own graph built define-by-run) summed in four
 * partial sums, partial q adding terms q, q + 4, …, combined as (p0 + p1) + (p2 + p3). The terms
 * of a scalar op come in row order; those of a `sum` or `dot` from the last row to the first,
 * leaving out the rows where the node's gradient is 0 (its rule is skipped there). Every kind of
 * shared operand: either side of +, -, · (written-out loops) and of /, a unary op's, both operands
 * of one node, and in `sum` and `dot` against a row operand or another shared leaf, the row
 * operands op nodes whose adjoints reach a shared leaf's gradient; from 1 to 11 rows, so that
 * every remainder of the four-way loops is reached.
 */
class ReassociatedBatchTapeTest {
    private val sum = Function<List<Value>, Value> { outs -> outs.drop(1).fold(outs[0]) { acc, o -> acc.plus(o) } }

    private fun same(a: Double, b: Double) = a.toRawBits() == b.toRawBits()

    /** t[0] + … + t[n-1] as the reassociated mode documents it. */
    private fun partials(t: List<Double>): Double {
        val p = doubleArrayOf(-0.0, -0.0, -0.0, -0.0)
        for ((i, x) in t.withIndex()) p[i % 4] += x
        return (p[0] + p[1]) + (p[2] + p[3])
    }

    /**
     * A row graph over shared leaves w and row leaves x; returns its output and, for each shared
     * leaf, the n-ary node it is an operand of (null: a scalar op).
     */
    private class Shape(val name: String, val shared: Int, val row: Int, val build: (List<Value>, List<Value>) -> Pair<Value, List<Value?>>)

    // the row operands of the nodes with a shared operand are op nodes over a shared leaf of their own (xᵢ·wₖ), so
    // that their adjoints, computed in the same loops, reach a gradient this test reads
    private val shapes = listOf(
        Shape("+, -, · with a shared operand on either side", 8, 3) { w, x ->
            val r0 = x[0].times(w[6])
            val r1 = w[7].times(x[1])
            val chain = w[0].times(r0).plus(r1.times(w[1])).plus(w[2].plus(r0)).plus(r1.plus(w[3]))
                .plus(w[4].minus(r0)).plus(r1.minus(w[5]))
            chain.times(x[2]) to List(8) { null }
        },
        Shape("/ on either side, a unary op, both operands shared", 6, 2) { w, x ->
            val r0 = x[0].times(w[5])
            val chain = w[0].div(r0).plus(r0.div(w[1])).plus(w[2].exp().times(x[1])).plus(w[3].times(w[4]).times(x[0]))
            chain.times(x[1]) to List(6) { null }
        },
        Shape("sum and dot against row operands and each other, rows skipped below a ReLU", 10, 4) { w, x ->
            val r = List(4) { x[it].times(w[5 + it]) }
            val r4 = x[1].times(w[9])
            val dot = Value.dot(listOf(w[0], r[0], w[2], r[2]), listOf(r[1], w[1], w[3], r[3]))
            val total = Value.sum(listOf(w[4], r4))
            dot.relu().times(x[0]).plus(total.times(x[2])) to listOf(dot, dot, dot, dot, total, null, null, null, null, null)
        },
    )

    @Test
    fun sharedGradientsAreTheDocumentedPartialSumsOfTheExactTerms() {
        val random = Random(20261130L)
        for (shape in shapes) {
            for (lanes in 1..11) {
                val what = "${shape.name}, $lanes rows"
                val wv = DoubleArray(shape.shared) { 0.5 + random.nextDouble() }
                val rows = Array(lanes) { DoubleArray(shape.row) { random.nextDouble() * 4.0 - 1.0 } }
                val w = wv.map { Value.of(it) }
                val x = List(shape.row) { Value.of(1.0) }
                val t = BatchTape.record(w, x, shape.build(w, x).first, rows, sum, 1, BatchTape.Summation.REASSOCIATED)
                for (v in w) v.zeroGrad()
                val loss = t.backward()
                // each row's graph define-by-run: its output, and each shared leaf's term (its gradient there)
                val terms = List(lanes) { r ->
                    val ww = wv.map { Value.of(it) }
                    val (out, nodes) = shape.build(ww, rows[r].map { Value.of(it) })
                    out.backward()
                    assertTrue(same(out.data(), t.output(r)), "$what: row $r's output ${t.output(r)}, define-by-run ${out.data()}")
                    List(shape.shared) { k -> if (nodes[k] != null && nodes[k]!!.grad() == 0.0) null else ww[k].grad() }
                }
                assertTrue(same((0 until lanes).map { t.output(it) }.reduce { a, b -> a + b }, loss), "$what: loss $loss")
                val naryOperand = shape.build(w, x).second.map { it != null }
                for (k in 0 until shape.shared) {
                    val nary = naryOperand[k]
                    val ordered = (if (nary) (lanes - 1 downTo 0) else (0 until lanes)).mapNotNull { terms[it][k] }
                    val expected = 0.0 + partials(ordered)
                    assertTrue(same(expected, w[k].grad()), "$what: ∂/∂w$k ${w[k].grad()}, the documented order gives $expected")
                    if (!nary) assertEquals(ordered.size, lanes, what)
                }
            }
        }
    }
}
