package dev.adjoint.verify.kotest

import dev.adjoint.BatchTape
import dev.adjoint.Primitive
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
 * operands op nodes whose adjoints reach a shared leaf's gradient, and `pow`, whose rule for its
 * right operand reads the node's value; from 1 to 11 rows, so that every remainder of the four-way
 * loops is reached. Then: row graphs without row leaves (the first op node a row operand of a `sum`
 * or `dot`), terms chosen so that the four-way loops' last block changes the bits, a `dot` not
 * skipped where its value overflows, a user primitive (the exact rule under either mode), and a
 * copy's summation and the mode's memory.
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
        // pow's rule for its right operand reads the node's value (ȳ·y·ln a)
        Shape("pow with both operands shared, or either one beside a row operand", 6, 3) { w, x ->
            val r0 = x[0].times(w[4]).exp()
            val r1 = x[1].times(w[5]).exp()
            w[0].pow(w[1]).plus(w[2].pow(r0)).plus(r1.pow(w[3])).times(x[2]) to List(6) { null }
        },
    )

    @Test
    fun sharedGradientsAreTheDocumentedPartialSumsOfTheExactTerms() {
        val random = Random(20261130L)
        for (shape in shapes) {
            for (lanes in 1..11) {
                val wv = DoubleArray(shape.shared) { 0.5 + random.nextDouble() }
                val rows = Array(lanes) { DoubleArray(shape.row) { random.nextDouble() * 4.0 - 1.0 } }
                check(shape, wv, rows, null)
            }
        }
    }

    /**
     * Row graphs with no row leaves, whose rows differ only by the loss's weight on each: the first
     * op node's lanes start at the offset where the shared leaves end, under a `sum` and on either
     * side of a `dot` (against a shared leaf and against another op node).
     */
    @Test
    fun withoutRowLeavesTheFirstOpNodeIsARowOperand() {
        val random = Random(11L)
        // each dot has a pair of two shared operands or two row ones, so that no layer kernel runs it
        val noRowLeaves = listOf(
            Shape("sum(w0·w1, w2)", 3, 0) { w, _ ->
                val s = Value.sum(listOf(w[0].times(w[1]), w[2]))
                s to listOf(null, null, s)
            },
            Shape("dot(w0·w1, w3, w6; w2, w4·w5, w7)", 8, 0) { w, _ ->
                val p = w[0].times(w[1])
                val d = Value.dot(listOf(p, w[3], w[6]), listOf(w[2], w[4].times(w[5]), w[7]))
                d to listOf(null, null, d, d, null, null, d, d)
            },
            Shape("dot(w2, w4·w5, w6; w0·w1, w3, w7)", 8, 0) { w, _ ->
                val p = w[0].times(w[1])
                val d = Value.dot(listOf(w[2], w[4].times(w[5]), w[6]), listOf(p, w[3], w[7]))
                d to listOf(null, null, d, d, null, null, d, d)
            },
            Shape("dot(w0·w1, w4; w2·w3, w5)", 6, 0) { w, _ ->
                val p = w[0].times(w[1])
                val d = Value.dot(listOf(p, w[4]), listOf(w[2].times(w[3]), w[5]))
                d to listOf(null, null, null, null, d, d)
            },
            Shape("dot(w2·w3, w4; w0·w1, w5)", 6, 0) { w, _ ->
                val p = w[0].times(w[1])
                val d = Value.dot(listOf(w[2].times(w[3]), w[4]), listOf(p, w[5]))
                d to listOf(null, null, null, null, d, d)
            },
        )
        for (shape in noRowLeaves) {
            for (lanes in 1..6) {
                val wv = DoubleArray(shape.shared) { 0.5 + random.nextDouble() }
                check(shape, wv, Array(lanes) { DoubleArray(0) }, DoubleArray(lanes) { 0.5 + random.nextDouble() })
            }
        }
    }

    /**
     * Eight rows whose terms the four-way loops' last block must put in partials 2 and 3: term 6
     * (2⁻⁵³) vanishes beside 1 in partial 2 and term 7 survives beside -1 in partial 3, which
     * partials 2, 2 would not give. A shared operand of + (terms in row order) and of a `dot`
     * against a row operand (terms from the last row).
     */
    @Test
    fun theLastBlockOfFourTermsGoesToAllFourPartials() {
        val tiny = Math.scalb(1.0, -1000)
        val half = Math.scalb(1.0, -53)
        val terms = doubleArrayOf(tiny, tiny, 1.0, -1.0, tiny, tiny, half, half)
        val shape = Shape("+ and dot, chosen terms", 3, 4) { w, x ->
            val d = Value.dot(listOf(w[1], x[1], x[0]), listOf(x[2], w[2], x[3]))
            w[0].plus(x[1]).times(x[0]).plus(d.times(x[3])) to listOf(null, d, d)
        }
        val rows = Array(8) { r -> doubleArrayOf(terms[r], 0.25 * r, 1.0, terms[7 - r]) }
        check(shape, doubleArrayOf(0.75, 1.25, 0.5), rows, null)
    }

    /**
     * A `dot` whose value overflows in a row where its gradient is 0 (below a ReLU): its rule is not
     * skipped there (a skip needs a finite value), so that row's term, -0, takes partial 0 and moves
     * the others; leaving it out would add the same four terms in another association.
     */
    @Test
    fun aDotWithANonFiniteValueIsNotSkippedInARowWhereItsGradientIsZero() {
        val shape = Shape("relu(dot(w0, w1; x0, w2))", 3, 1) { w, x ->
            val d = Value.dot(listOf(w[0], w[1]), listOf(x[0], w[2]))
            d.relu() to listOf(d, d, d)
        }
        val rows = arrayOf(Math.scalb(1.0, -53), Math.scalb(1.0, -53), Math.scalb(1.0, -1000), 1.0, -1e308)
            .map { doubleArrayOf(it) }.toTypedArray()
        check(shape, doubleArrayOf(2.0, 1.0, 0.0), rows, null)
    }

    /**
     * A user primitive with a shared operand runs its exact rule under either summation: the
     * shared leaves' gradients are the exact mode's bitwise. A copy of a reassociated tape sums as
     * the tape does (on rows where the exact order gives other bits), and the mode's scratch array,
     * a double per row, is in the memory count.
     */
    @Test
    fun aPrimitiveRunsItsExactRuleAndACopyKeepsTheSummation() {
        val f = object : Primitive {
            override fun name() = "x·y + sin x"
            override fun value(x: DoubleArray) = x[0] * x[1] + Math.sin(x[0])
            override fun gradient(x: DoubleArray, y: Double, out: DoubleArray) {
                out[0] = x[1] + Math.cos(x[0])
                out[1] = x[0]
            }
        }
        val random = Random(7L)
        val rows = Array(9) { DoubleArray(2) { random.nextDouble() * 2.0 - 1.0 } }
        val grads = BatchTape.Summation.values().map { mode ->
            val w = listOf(Value.of(0.3), Value.of(-0.7))
            val x = listOf(Value.of(1.0), Value.of(1.0))
            val out = Value.apply(f, w[0], x[0].times(x[1])).plus(Value.apply(f, x[1], w[1]))
            val t = BatchTape.record(w, x, out, rows, sum, 1, mode)
            for (v in w) v.zeroGrad()
            t.backward()
            w.map { it.grad() }
        }
        for (k in 0..1) assertTrue(same(grads[0][k], grads[1][k]), "primitive: ∂/∂w$k ${grads[1][k]}, exact ${grads[0][k]}")

        val tiny = Math.scalb(1.0, -1000)
        val half = Math.scalb(1.0, -53)
        val chosen = doubleArrayOf(tiny, tiny, 1.0, -1.0, tiny, tiny, half, half).map { doubleArrayOf(it) }.toTypedArray()
        val w = listOf(Value.of(0.5))
        val x = listOf(Value.of(1.0))
        val out = w[0].plus(x[0]).times(x[0])
        val exact = BatchTape.record(w, x, out, chosen, sum, 1, BatchTape.Summation.EXACT)
        val reassociated = BatchTape.record(w, x, out, chosen, sum, 1, BatchTape.Summation.REASSOCIATED)
        val gradients = listOf(exact, reassociated, reassociated.copy()).map { t -> w[0].zeroGrad(); t.backward(); w[0].grad() }
        assertTrue(!same(gradients[0], gradients[1]), "the chosen rows sum to other bits in the exact order: ${gradients[0]}")
        assertTrue(same(gradients[1], gradients[2]), "a copy's gradient ${gradients[2]}, the tape's ${gradients[1]}")
        assertEquals(exact.bytes() + 8L * chosen.size, reassociated.bytes(), "memory: a double per row more than the exact mode's")
    }

    private fun check(shape: Shape, wv: DoubleArray, rows: Array<DoubleArray>, weights: DoubleArray?) {
        val lanes = rows.size
        val what = "${shape.name}, $lanes rows"
        val w = wv.map { Value.of(it) }
        val x = List(shape.row) { Value.of(1.0) }
        val loss = if (weights == null) sum else Function<List<Value>, Value> { outs ->
            outs.withIndex().map { (r, o) -> Value.of(weights[r]).times(o) }.reduce { a, b -> a.plus(b) }
        }
        val t = BatchTape.record(w, x, shape.build(w, x).first, rows, loss, 1, BatchTape.Summation.REASSOCIATED)
        for (v in w) v.zeroGrad()
        val value = t.backward()
        // each row's graph define-by-run: its output, and each shared leaf's term (its gradient there)
        val terms = List(lanes) { r ->
            val ww = wv.map { Value.of(it) }
            val (out, nodes) = shape.build(ww, rows[r].map { Value.of(it) })
            if (weights == null) out.backward() else Value.of(weights[r]).times(out).backward()
            assertTrue(same(out.data(), t.output(r)), "$what: row $r's output ${t.output(r)}, define-by-run ${out.data()}")
            // a sum's or dot's rule is skipped where its gradient is 0 and (a dot's) value finite
            List(shape.shared) { k -> nodes[k]?.let { if (it.grad() == 0.0 && it.data().isFinite()) return@List null }; ww[k].grad() }
        }
        val outs = (0 until lanes).map { t.output(it) }
        val expectedLoss = if (weights == null) outs.reduce { a, b -> a + b } else outs.withIndex().map { (r, o) -> weights[r] * o }.reduce { a, b -> a + b }
        assertTrue(same(expectedLoss, value), "$what: loss $value, expected $expectedLoss")
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
