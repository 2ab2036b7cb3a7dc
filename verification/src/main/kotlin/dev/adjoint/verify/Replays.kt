package dev.adjoint.verify

import dev.adjoint.BatchTape
import dev.adjoint.Tape
import dev.adjoint.TapeGuardException
import dev.adjoint.Value
import java.util.function.Function
import kotlin.math.abs

/**
 * The replay oracles of one expression: recorded tapes replayed several times, at the recording
 * point and at two new points, against the graph rebuilt at each point; and batch tapes running the
 * expression as their row function over three rows, with shared leaves that are direct operands of
 * the expression's ops (any op kind, either side), replayed with new shared values, against the
 * whole graph of the three rows rebuilt each time (once more in two shards); and a program that
 * branches on a value it read while recording, replayed where the branch flips (guards).
 *
 * A reference never goes through the code path it checks: a tape is held to the graph rebuilt
 * define-by-run, a batch tape to the whole graph weighted o0 + 2·o1 + 4·o2 with `times` and `plus`
 * (never `sum` or `dot`, which the row function may use; the weights make a row's seed sent to
 * another row show). When a replay disagrees with its reference, the reference is itself checked
 * against dual numbers, and the failure blames whichever side is wrong; a batch tape's failure
 * is also put to its reduction, an ordinary [Tape] (checked against plain double arithmetic), so
 * that a fault in `Tape` is not blamed on `BatchTape`.
 *
 * Used once per [Oracles.check]; not thread-safe.
 */
internal class Replays(private val e: Expr, private val x: DoubleArray, private val tol: Oracles.Tolerances) {
    private val n = x.size

    /** The recording point, and two new points near it. */
    private val points: List<DoubleArray> = points(x)

    private val graphs = HashMap<Int, Gradient>()

    /** The graph rebuilt at point k, define-by-run: the tapes' reference. */
    private fun graph(k: Int): Gradient = graphs.getOrPut(k) { Evaluate.reverseJava(e, points[k]) }

    private fun where(p: DoubleArray): String =
        if (p === x) "the recording point" else "(" + p.indices.joinToString { "x$it = ${p[it]}" } + ")"

    /** The first input where [g] (reverse mode at [p]) disagrees with dual numbers at [p], described; null if none. */
    private fun wrongAgainstDuals(p: DoubleArray, g: Gradient, what: String): String? {
        // outside the safe domains (a new point may be) the conventions at NaN differ: no verdict
        if (!Domains.valid(Sample(e, p))) return null
        val d = Evaluate.forward(e, p)[e]!!
        for (i in 0 until n) {
            val bound = tol.dual * d.m[i] + 1e-300
            if (!(abs(g.gradient[i] - d.d[i]) <= bound) && !(g.gradient[i].isNaN() && d.d[i].isNaN())) {
                return "$what at ${where(p)}: ∂/∂x$i = ${g.gradient[i]} in reverse mode, ${d.d[i]} in forward mode " +
                    "(dual numbers): the graph's own rules are wrong there, whatever the tapes do"
            }
        }
        return null
    }

    /** Compares one tape replay at point k with the graph rebuilt there; adds at most one failure. */
    private fun compare(what: String, k: Int, value: Double, gradient: DoubleArray, failures: MutableList<String>) {
        val ref = graph(k)
        val bad = (0 until n).firstOrNull { !Oracles.same(gradient[it], ref.gradient[it]) }
        if (bad == null && Oracles.same(value, ref.value)) return
        failures += wrongAgainstDuals(points[k], ref, "the graph rebuilt")
            ?: if (bad == null) "$what at ${where(points[k])} gives the value $value, the graph rebuilt there ${ref.value}"
            else "$what at ${where(points[k])} gives ∂/∂x$bad = ${gradient[bad]}, the graph rebuilt there ${ref.gradient[bad]}"
    }

    /** Every tape path: gradient, value, copy, backward on recorded leaves, jvp, and the compiled tape. */
    fun tapes(): List<String> {
        val failures = ArrayList<String>()
        val f = Function<List<Value>, Value> { l -> Evaluate.javaGraph(e, l)[e]!! }
        val tape = Tape.record(x, f)
        val out = DoubleArray(n)
        for ((r, k) in REPLAYS.withIndex()) compare("Tape.gradient (replay ${r + 1})", k, tape.gradient(points[k], out), out, failures)
        compare("Tape.value", 2, tape.value(points[2]), graph(2).gradient, failures)
        val copy = tape.copy()
        compare("a copy of the tape", 1, copy.gradient(points[1], out), out, failures)
        compare("the tape after its copy replayed", 2, tape.gradient(points[2], out), out, failures)

        // recorded over leaves: backward() replays with their current values and adds to their grads
        val leaves = x.indices.map { Value.of(x[it], "x$it") }
        val onLeaves = Tape.record(leaves, f.apply(leaves))
        for ((r, k) in intArrayOf(1, 2, 1).withIndex()) {
            leaves.forEachIndexed { i, l -> l.setData(points[k][i]); l.zeroGrad() }
            val y = onLeaves.backward()
            compare("Tape.backward on the recorded leaves (replay ${r + 1})", k, y, DoubleArray(n) { leaves[it].grad() }, failures)
        }

        if (tol.compiled) compiled(tape, failures)?.let { c ->
            for ((r, k) in REPLAYS.withIndex()) compare("the compiled tape's gradient (replay ${r + 1})", k, c.gradient(points[k], out), out, failures)
            compare("the compiled tape's value", 1, c.value(points[1]), graph(1).gradient, failures)
        }

        // forward mode on the replayed tape, at a new point inside the safe domains: within the dual-number bound
        val k = (1..2).firstOrNull { Domains.valid(Sample(e, points[it])) }
        if (k != null) {
            val p = points[k]
            val d = Evaluate.forward(e, p)[e]!!
            for (i in 0 until n) {
                val t = tape.jvp(p, DoubleArray(n).also { it[i] = 1.0 })
                if (!(abs(t - d.d[i]) <= tol.dual * d.m[i] + 1e-300)) {
                    failures += wrongAgainstDuals(p, graph(k), "the graph rebuilt") ?: "Tape.jvp at ${where(p)} along x$i gives $t, dual numbers ${d.d[i]}"
                    break
                }
            }
        }
        guarded(failures)
        return failures.distinct()
    }

    /**
     * A program that branches on a value user code read while it was recorded (`y.data() > t`, then 2y or -y/2,
     * with t between y's values at the recording point and the first new point): replayed where the
     * branch flips, a tape (and its compiled form) must refuse with [TapeGuardException], changing
     * nothing, or give the graph rebuilt there; replayed back at the recording point, the graph
     * there again.
     */
    private fun guarded(failures: MutableList<String>) {
        val y0 = Evaluate.value(e, points[0])
        val y1 = Evaluate.value(e, points[1])
        if (!y0.isFinite() || !y1.isFinite() || !(abs(y0 - y1) > 1e-9 * (abs(y0) + abs(y1)))) return
        val t = (y0 + y1) / 2
        val branch = Function<List<Value>, Value> { l ->
            val y = Evaluate.javaGraph(e, l)[e]!!
            // both branches make the root after the read (a root made before it is taken as unshaped by it)
            if (y.data() > t) y.times(2.0) else y.times(-0.5)
        }
        val tape = Tape.record(x, branch)
        val tapes = if (tol.compiled) listOfNotNull("a tape" to tape, compiled(tape, failures)?.let { "its compiled tape" to it }) else listOf("a tape" to tape)
        val out = DoubleArray(n)
        for ((name, tp) in tapes) {
            val what = "$name of a program that branches on y.data() > $t (y the expression)"
            for (k in intArrayOf(1, 0)) {
                val ref = Evaluate.reverse(e, points[k]) { ex, l -> mapOf(ex to branch.apply(l)) }
                out.fill(SENTINEL)
                val value = try {
                    tp.gradient(points[k], out)
                } catch (refused: TapeGuardException) {
                    if (k == 0) {
                        failures += "$what refused its replay at the recording point: ${refused.message}"
                        return
                    }
                    val changed = (0 until n).firstOrNull { out[it] != SENTINEL }
                    if (changed != null) failures += "$what refused its replay at ${where(points[k])} but changed ∂/∂x$changed to ${out[changed]} first"
                    continue
                }
                val bad = (0 until n).firstOrNull { !Oracles.same(out[it], ref.gradient[it]) }
                if (bad == null && Oracles.same(value, ref.value)) continue
                failures += if (bad == null) "$what, replayed at ${where(points[k])} where the branch flips, gives the value $value, the graph rebuilt there ${ref.value}"
                else "$what, replayed at ${where(points[k])}, gives ∂/∂x$bad = ${out[bad]}, the graph rebuilt there ${ref.gradient[bad]}" +
                    if (k == 1) " (the branch flips there: a guard should have refused the replay)" else ""
                return
            }
        }
    }

    /** `tape.compile()`; null (and a failure) if it throws. */
    private fun compiled(tape: Tape, failures: MutableList<String>): Tape? = try {
        tape.compile()
    } catch (t: RuntimeException) {
        failures += "Tape.compile() threw $t"
        null
    }

    /**
     * The expression as the row function of batch tapes. Configurations: every used variable xᵢ
     * a row feature plus a shared leaf pᵢ; every variable that is an operand exactly once shared
     * (the others row features); and, when there are several of those, each alone shared. A
     * shared variable is then a direct operand of whatever op uses it, on whichever side.
     */
    fun batches(): List<String> {
        val used = e.variables
        if (used.isEmpty()) return emptyList()
        val operandUses = IntArray(n)
        for (node in e.nodes()) for (c in node.children) if (c is Expr.Var) operandUses[c.index]++
        val once = used.filter { operandUses[it] == 1 }
        val configs = LinkedHashSet<Set<Int>>()
        configs.add(emptySet())
        if (once.isNotEmpty()) configs.add(once.toSet())
        if (once.size > 1) once.forEach { configs.add(setOf(it)) }
        // the first configuration also in two shards (rows 0-1 and 2, or 0 and 1-2), so that a shard's boundary is crossed,
        // and with a dense layer on top of the row function, which the batch tape runs as a kernel
        return (configs.flatMap { batch(used, it, 1) } + batch(used, configs.first(), 2) + batch(used, configs.first(), 1, head = true)).distinct()
    }

    /**
     * One batch configuration: [shared] empty means xᵢ = featureᵢ + pᵢ; the rows split into [shards];
     * with [head], the row's output y feeds a dense layer of two units, tanh(wⱼ₁·y + wⱼ₂·y/2 + bⱼ)
     * summed, its weights and biases shared leaves (the pattern the batch tape runs as a kernel
     * with its bias and activation fused).
     */
    private fun batch(used: List<Int>, shared: Set<Int>, shards: Int, head: Boolean = false): List<String> {
        val offsets = shared.isEmpty()
        val sharedVars = if (offsets) used else used.filter { it in shared }
        val rowVars = if (offsets) used else used.filter { it !in shared }
        val describe0 = if (offsets) "a batch tape (row r: xᵢ = featureᵢ + pᵢ, pᵢ shared)"
        else "a batch tape (shared: ${sharedVars.joinToString { "x$it" }}; per row: ${rowVars.joinToString { "x$it" }.ifEmpty { "none" }})"
        val describe = describe0 + (if (shards > 1) " in $shards shards" else "") +
            if (head) ", its row output y fed to a dense layer Σⱼ tanh(wⱼ₁·y + wⱼ₂·y/2 + bⱼ) of two units (w, b shared)" else ""
        val nv = sharedVars.size
        val hs = if (head) HEAD.size else 0
        fun leafName(j: Int) = if (j < nv) name(sharedVars, j, offsets) else HEAD_NAMES[j - nv]
        // shared values per replay; rows r = 0, 1, 2 take their features from the three points
        val sharedValues = List(3) { k ->
            DoubleArray(nv + hs) { j -> if (j >= nv) HEAD[j - nv] + 0.0625 * k else if (offsets) OFFSETS[k] * (j + 1) else points[k][sharedVars[j]] }
        }
        val rows = Array(3) { r -> DoubleArray(rowVars.size) { q -> points[r][rowVars[q]] } }

        fun program(sharedLeaves: List<Value>, features: List<Value>): Value {
            val leaves = List(n) { i ->
                val s = sharedVars.indexOf(i)
                val q = rowVars.indexOf(i)
                when {
                    offsets && q >= 0 -> features[q].plus(sharedLeaves[s])
                    s >= 0 -> sharedLeaves[s]
                    q >= 0 -> features[q]
                    else -> Value.of(0.0)
                }
            }
            val y = Evaluate.javaGraph(e, leaves)[e]!!
            if (!head) return y
            val xs = listOf(y, y.times(0.5))
            val h = (0 until 2).map { u -> Value.dot(xs, listOf(sharedLeaves[nv + 2 * u], sharedLeaves[nv + 2 * u + 1])).plus(sharedLeaves[nv + 4 + u]).tanh() }
            return h[0].plus(h[1])
        }
        val reduce = Function<List<Value>, Value> { outs -> (1 until outs.size).fold(outs[0]) { acc, r -> acc.plus(outs[r].times(WEIGHTS[r])) } }

        val sharedLeaves = sharedValues[0].indices.map { Value.of(sharedValues[0][it], leafName(it)) }
        val standIns = rows[0].map { Value.of(it) }
        val tape = try {
            BatchTape.record(sharedLeaves, standIns, program(sharedLeaves, standIns), rows.map { it.copyOf() }.toTypedArray(), reduce, shards)
        } catch (t: IllegalArgumentException) {
            return listOf("$describe: BatchTape.record refused a valid program: ${t.message}")
        }
        val failures = ArrayList<String>()
        val outputs = ArrayList<DoubleArray>()
        for ((r, k) in intArrayOf(0, 1, 2, 2).withIndex()) {
            sharedLeaves.forEachIndexed { j, l -> l.setData(sharedValues[k][j]); l.zeroGrad() }
            val valueOnly = r == 2
            val loss = if (valueOnly) tape.value() else tape.backward()
            // the reference: the whole graph of the three rows, weighted and summed with plus, rebuilt with these values
            val wholeShared = sharedValues[k].map { Value.of(it) }
            val outs = rows.map { row -> program(wholeShared, row.map { Value.of(it) }) }
            val whole = reduce.apply(outs)
            whole.backward()
            val what = "$describe, replay ${r + 1}"
            outputs += DoubleArray(outs.size) { outs[it].data() }
            val badOut = outs.indices.firstOrNull { !Oracles.same(tape.output(it), outs[it].data()) }
            val badGrad = if (valueOnly) null else sharedLeaves.indices.firstOrNull { !Oracles.same(sharedLeaves[it].grad(), wholeShared[it].grad()) }
            val message = when {
                badOut != null -> "$what: row $badOut's output is ${tape.output(badOut)}, the whole graph's ${outs[badOut].data()}"
                !Oracles.same(loss, whole.data()) -> "$what: the loss is $loss, the whole graph's ${whole.data()}"
                badGrad != null -> "$what: ∂/∂${leafName(badGrad)} = ${sharedLeaves[badGrad].grad()}, " +
                    "the whole graph gives ${wholeShared[badGrad].grad()}"
                else -> null
            } ?: continue
            failures += wholeGraphWrong(sharedVars, rowVars, offsets, sharedValues[k], rows, wholeShared, head)
                ?: reductionWrong(sharedLeaves.size, outputs, reduce) ?: message
            break
        }
        return failures
    }

    /**
     * Whether the batch tape's reduction is itself wrong: it is an ordinary [Tape] recorded over the
     * shared leaves and one leaf per row output, so the same reduction is recorded so and replayed
     * as often, at the rows' outputs, against plain double arithmetic (the loss o0 + 2·o1 + 4·o2
     * summed left to right, ∂/∂oᵣ exactly its weight, ∂/∂ of a shared leaf exactly 0).
     */
    private fun reductionWrong(sharedCount: Int, outputs: List<DoubleArray>, reduce: Function<List<Value>, Value>): String? {
        val sharedLeaves = List(sharedCount) { Value.of(0.0) }
        val outs = outputs[0].map { Value.of(it) }
        val tape = Tape.record(sharedLeaves + outs, reduce.apply(outs))
        val g = DoubleArray(sharedCount + outs.size)
        for ((r, o) in outputs.withIndex()) {
            val loss = tape.gradient(DoubleArray(sharedCount) + o, g)
            val plain = (1 until o.size).fold(o[0]) { acc, r -> acc + o[r] * WEIGHTS[r] }
            val bad = g.indices.firstOrNull { g[it] != if (it < sharedCount) 0.0 else WEIGHTS[it - sharedCount] }
            if (bad == null && Oracles.same(loss, plain)) continue
            return "the batch tape's reduction o0 + 2·o1 + 4·o2 (an ordinary Tape over the shared leaves and the rows' outputs), replayed ${r + 1} times: " +
                (if (bad == null) "the loss is $loss, plain double arithmetic gives $plain"
                else if (bad < sharedCount) "∂/∂(shared ${bad}) = ${g[bad]}, not 0" else "∂/∂o${bad - sharedCount} = ${g[bad]}, not ${WEIGHTS[bad - sharedCount]}") +
                ": Tape is wrong, which the batch tape reduces its rows with"
        }
        return null
    }

    private fun name(sharedVars: List<Int>, j: Int, offsets: Boolean) = if (offsets) "p${sharedVars[j]}" else "x${sharedVars[j]}"

    /**
     * Whether the batch reference is itself wrong: the whole graph's gradient with respect to each
     * shared leaf against the sum over rows of dual-number derivatives.
     */
    private fun wholeGraphWrong(sharedVars: List<Int>, rowVars: List<Int>, offsets: Boolean, sharedValues: DoubleArray,
        rows: Array<DoubleArray>, wholeShared: List<Value>, head: Boolean): String? {
        val nv = sharedVars.size
        val sums = DoubleArray(sharedVars.size)
        val mags = DoubleArray(sharedVars.size)
        for ((r, row) in rows.withIndex()) {
            val p: DoubleArray = DoubleArray(n) { i ->
                val s = sharedVars.indexOf(i)
                val q = rowVars.indexOf(i)
                when {
                    offsets && q >= 0 -> row[q] + sharedValues[s]
                    s >= 0 -> sharedValues[s]
                    q >= 0 -> row[q]
                    else -> 0.0
                }
            }
            if (!Domains.valid(Sample(e, p))) return null
            val d = Evaluate.forward(e, p)[e]!!
            // with the layer on top: dloss/dy = Σⱼ tanh'(uⱼ)·(wⱼ₁ + wⱼ₂/2), in plain doubles
            val c = if (!head) 1.0 else (0 until 2).sumOf { u ->
                val w1 = sharedValues[nv + 2 * u]
                val w2 = sharedValues[nv + 2 * u + 1]
                val t = Math.tanh(w1 * d.v + w2 * (d.v * 0.5) + sharedValues[nv + 4 + u])
                (1 - t * t) * (w1 + w2 * 0.5)
            }
            for (j in sharedVars.indices) {
                sums[j] += WEIGHTS[r] * c * d.d[sharedVars[j]]
                mags[j] += WEIGHTS[r] * (abs(c) + 1) * (d.m[sharedVars[j]] + abs(d.d[sharedVars[j]]))
            }
        }
        for (j in sharedVars.indices) {
            val g = wholeShared[j].grad()
            if (!(abs(g - sums[j]) <= tol.dual * mags[j] + 1e-300) && !(g.isNaN() && sums[j].isNaN())) {
                return "the whole graph of three rows (o0 + 2·o1 + 4·o2) gives ∂/∂${name(sharedVars, j, offsets)} = $g in reverse mode, " +
                    "${sums[j]} by dual numbers: the graph's own rules are wrong, whatever the batch tape does"
            }
        }
        return null
    }

    companion object {
        /** [x], and two new points near it (new values for every input), where tapes are replayed. */
        fun points(x: DoubleArray): List<DoubleArray> =
            listOf(x, DoubleArray(x.size) { x[it] + 0.0625 * (it + 1) }, DoubleArray(x.size) { x[it] - 0.046875 * (it + 2) })

        /** The point of each tape replay: the recording point, the two new points, and back. */
        private val REPLAYS = intArrayOf(0, 1, 2, 0, 1)

        /** pᵢ's values (times i + 1) in the three batch replays with new shared values. */
        private val OFFSETS = doubleArrayOf(0.0, 0.125, -0.0625)

        /**
         * The rows' weights in the batch tapes' loss o0 + 2·o1 + 4·o2 (exact in binary), so that a
         * row's seed sent to another row shows.
         */
        private val WEIGHTS = doubleArrayOf(1.0, 2.0, 4.0)

        /** The dense layer's shared weights w₁₁ w₁₂ w₂₁ w₂₂ and biases b₁ b₂ at the first replay (then + 1/16 each replay). */
        private val HEAD = doubleArrayOf(0.75, -0.5, -0.25, 1.25, 0.125, -0.375)
        private val HEAD_NAMES = listOf("w11", "w12", "w21", "w22", "b1", "b2")

        /** What a gradient array holds before a replay that must not change it. */
        private const val SENTINEL = 12345.0
    }
}
