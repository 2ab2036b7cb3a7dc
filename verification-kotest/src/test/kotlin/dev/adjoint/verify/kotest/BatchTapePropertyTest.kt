package dev.adjoint.verify.kotest

import dev.adjoint.BatchTape
import dev.adjoint.Value
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.util.function.Function
import kotlin.math.abs
import kotlin.math.round
import kotlin.random.Random

/**
 * Batch tapes whose row function is a random multilayer perceptron (the shape the dense layer
 * kernels run: dot products of a layer's inputs with weights of their own, a bias, an activation),
 * against the whole graph of every row rebuilt define-by-run and reduced the same way: row outputs,
 * loss and every shared leaf's gradient bitwise equal, replay after replay with new weights, on
 * copies too; with the rows split into shards, outputs and loss still bitwise equal, gradients
 * equal to the one-shard tape's up to the order of the sums, and the same bits on every replay.
 *
 * `-Dadjoint.verify.batches=N` sets the random networks (default 60).
 */
class BatchTapePropertyTest {
    private val count = System.getProperty("adjoint.verify.batches")?.toInt() ?: 60
    private val seed = System.getProperty("adjoint.verify.seed")?.toLong() ?: 20261130L

    /** A random network: widths (features first, output last), which side of each dot the weights are on, bias, activation. */
    private class Net(val widths: IntArray, val weightsFirst: Boolean, val bias: Boolean, val act: String?, val regularised: Boolean, val squared: Boolean) {
        val params: Int = (1 until widths.size).sumOf { l -> widths[l] * (widths[l - 1] + if (bias) 1 else 0) }

        /** One row's output over [p] (the weights and biases, in order) and the features [x]. */
        fun row(p: List<Value>, x: List<Value>): Value {
            var h = x
            var k = 0
            for (l in 1 until widths.size) {
                h = List(widths[l]) {
                    val w = p.subList(k, k + h.size).also { k += h.size }
                    var z = if (weightsFirst) Value.dot(w, h) else Value.dot(h, w)
                    if (bias) z = z.plus(p[k++])
                    if (act != null && l < widths.size - 1) activate(z, act) else z
                }
            }
            return if (h.size == 1) h[0] else Value.sum(h)
        }

        /** The loss over the rows' outputs: their sum (of squares), plus a regulariser on the first weight last. */
        fun reduce(p: List<Value>): Function<List<Value>, Value> = Function { outs ->
            val terms = if (squared) outs.map { it.pow(2.0) } else outs
            val loss = terms.drop(1).fold(terms[0]) { acc, o -> acc.plus(o) }
            // a regulariser may only come after the last row's first use (with one row and no squares, that is the loss's last node)
            if (regularised && (squared || outs.size > 1)) loss.plus(p[0].times(p[0]).times(0.01)) else loss
        }

        override fun toString() = "widths ${widths.toList()}, weights ${if (weightsFirst) "first" else "second"} in dot, " +
            "bias $bias, activation $act, regularised $regularised, squared $squared"
    }

    private fun net(rnd: Random): Net {
        val depth = rnd.nextInt(2, 4)
        val widths = IntArray(depth) { l -> if (l == depth - 1) rnd.nextInt(1, 3) else rnd.nextInt(1, 5) }
        val act = ACTIVATIONS[rnd.nextInt(ACTIVATIONS.size)]
        return Net(widths, rnd.nextBoolean(), rnd.nextInt(4) != 0, act, rnd.nextInt(3) == 0, rnd.nextBoolean())
    }

    private fun r(rnd: Random) = round(rnd.nextDouble(-1.5, 1.5) * 1e6) / 1e6

    /** The whole graph of every row, rebuilt with the weights [w]: row outputs, loss, gradients. */
    private fun whole(net: Net, w: DoubleArray, rows: Array<DoubleArray>): Triple<DoubleArray, Double, DoubleArray> {
        val p = w.map { Value.of(it) }
        val outs = rows.map { row -> net.row(p, row.map { Value.of(it) }) }
        val loss = net.reduce(p).apply(outs)
        loss.backward()
        return Triple(DoubleArray(outs.size) { outs[it].data() }, loss.data(), DoubleArray(p.size) { p[it].grad() })
    }

    private fun same(a: Double, b: Double) = a.toRawBits() == b.toRawBits() || (a.isNaN() && b.isNaN())

    @Test
    fun denseLayersAndShardsAgainstTheWholeGraph() {
        val rnd = Random(seed)
        repeat(count) { sample ->
            val net = net(rnd)
            val nrows = rnd.nextInt(1, 7)
            val rows = Array(nrows) { DoubleArray(net.widths[0]) { r(rnd) } }
            val weights = List(4) { DoubleArray(net.params) { r(rnd) } }
            val what = "sample $sample (seed $seed): $net, $nrows rows"

            val p = weights[0].map { Value.of(it) }
            val x = rows[0].map { Value.of(it) }
            val tape = BatchTape.record(p, x, net.row(p, x), rows.map { it.clone() }.toTypedArray(), net.reduce(p))
            assertEquals(nrows, tape.rows(), what)
            val copy = tape.copy()
            val shards = rnd.nextInt(1, nrows + 1)
            val sharded = BatchTape.record(p, x, net.row(p, x), rows.map { it.clone() }.toTypedArray(), net.reduce(p), shards)

            for ((k, t) in listOf(tape, tape, copy, tape, sharded, sharded).withIndex()) {
                val at = weights[(k + 1) % weights.size]
                val (outs, loss, grads) = whole(net, at, rows)
                p.forEachIndexed { i, l -> l.setData(at[i]); l.zeroGrad() }
                val valueOnly = k == 3
                val got = if (valueOnly) t.value() else t.backward()
                val where = "$what, replay $k${if (t === sharded) " with $shards shards" else ""}"
                for (row in 0 until nrows) assertTrue(same(outs[row], t.output(row)), "$where: row $row's output ${t.output(row)}, the whole graph's ${outs[row]}")
                assertTrue(same(loss, got), "$where: loss $got, the whole graph's $loss")
                if (valueOnly) {
                    for (i in p.indices) assertEquals(0.0, p[i].grad(), "$where: value() changed a gradient")
                    continue
                }
                for (i in p.indices) {
                    val g = p[i].grad()
                    if (t === sharded && shards > 1) {
                        assertTrue(abs(g - grads[i]) <= 1e-12 * (1 + abs(grads[i])), "$where: ∂/∂p$i = $g, the whole graph's ${grads[i]}")
                    } else {
                        assertTrue(same(g, grads[i]), "$where: ∂/∂p$i = $g, the whole graph's ${grads[i]}")
                    }
                }
            }
            // a sharded tape's replays (and its copy's) give the same bits every time
            val at = weights[3]
            val first = DoubleArray(p.size)
            for ((k, t) in listOf(sharded, sharded.copy()).withIndex()) {
                p.forEachIndexed { i, l -> l.setData(at[i]); l.zeroGrad() }
                t.backward()
                for (i in p.indices) {
                    if (k == 0) first[i] = p[i].grad()
                    else assertTrue(same(first[i], p[i].grad()), "$what: with $shards shards a copy gives ∂/∂p$i = ${p[i].grad()}, the tape ${first[i]}")
                }
            }
        }
    }

    private companion object {
        fun activate(z: Value, act: String): Value = when (act) {
            "tanh" -> z.tanh()
            "relu" -> z.relu()
            "sigmoid" -> z.sigmoid()
            "sin" -> z.sin()
            else -> z.softplus()
        }

        val ACTIVATIONS = arrayOf(null, "tanh", "relu", "sigmoid", "sin", "softplus")
    }
}
