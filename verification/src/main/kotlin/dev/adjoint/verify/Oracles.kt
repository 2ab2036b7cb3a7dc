package dev.adjoint.verify

import dev.adjoint.BatchTape
import dev.adjoint.Derivatives
import dev.adjoint.Tape
import dev.adjoint.Value
import java.util.Locale
import kotlin.math.abs
import kotlin.math.max

/**
 * Another way to build an expression's graph on the engine (the Kotlin DSL's operators, in
 * `verification-kotest`), whose reverse-mode value and gradient must equal the Java API's bitwise.
 */
fun interface ReversePath {
    fun reverse(e: Expr, x: DoubleArray): Gradient
}

/**
 * The three-way gradient check of one [Sample]: reverse mode through the Java API (and through any
 * other [ReversePath], bitwise equal), forward mode with [Dual] numbers (within [Tolerances.dual] relative to
 * the magnitude of the terms; the engine's own tangent rules, through [Derivatives.jvp], are held to
 * the same bound; a recorded [Tape] replay must equal the graph bitwise, and so must a [BatchTape]
 * running the expression as its row function), and central finite differences with Richardson extrapolation
 * (within the extrapolation's error estimate plus a floor). Also: the engine's value equals plain
 * double evaluation, a second `backward()` adds exactly the same again, and variables the
 * expression does not use get exactly 0.
 */
object Oracles {
    /** Tolerances of the oracles. */
    data class Tolerances(
        /** Reverse vs forward mode: |Δ| ≤ dual · (magnitude of the terms) + 1e-300. */
        val dual: Double = 1e-12,
        /** Engine value vs plain double evaluation, relative. */
        val value: Double = 1e-13,
        /** Finite differences: |Δ| ≤ fdEstimate · (error estimate) + fdFloor · max(1, |∂|, magnitude). */
        val fdEstimate: Double = 4.0,
        val fdFloor: Double = 1e-7,
    )

    /** Runs every oracle on [s], and holds each of [paths] (by name) bitwise equal to the Java API. */
    @JvmStatic
    @JvmOverloads
    fun check(s: Sample, tol: Tolerances = Tolerances(), paths: Map<String, ReversePath> = emptyMap()): Verdict {
        val x = s.inputs
        val failures = ArrayList<String>()
        val plain = Evaluate.value(s.expr, x)

        // reverse mode, Java API, twice: the second backward() adds exactly the same again
        val leaves = x.map { Value.of(it) }
        val out = Evaluate.javaGraph(s.expr, leaves)[s.expr]!!
        out.backward()
        val java = Gradient(out.data(), DoubleArray(x.size) { leaves[it].grad() })
        out.backward()
        for (i in x.indices) {
            if (leaves[i].grad() != 2 * java.gradient[i]) {
                failures += "a second backward() gave ∂/∂x$i = ${leaves[i].grad()}, not exactly twice ${java.gradient[i]}"
            }
        }
        val others = paths.mapValues { (_, p) -> p.reverse(s.expr, x) }
        // the same graph recorded on a tape and replayed: bitwise the graph's value and gradient
        val tapeGradient = DoubleArray(x.size)
        val tapeValue = Tape.record(x) { l -> Evaluate.javaGraph(s.expr, l)[s.expr]!! }.gradient(x, tapeGradient)
        // the expression as the row function of a batch tape: bitwise the whole graph over the rows
        failures += batchVersusGraph(s.expr, x)
        // the engine's own forward mode: its tangent rules, one sweep per direction
        val tangents = DoubleArray(x.size) { i ->
            Derivatives.jvp(out, leaves, DoubleArray(x.size).also { it[i] = 1.0 })
        }
        val dual = Evaluate.forward(s.expr, x)[s.expr]!!
        val fd = Evaluate.finiteDifferences({ Evaluate.value(s.expr, it) }, x)

        if (!close(java.value, plain, tol.value)) failures += "the engine's value ${java.value} differs from plain double evaluation $plain"
        for ((name, g) in others) if (!same(java.value, g.value)) failures += "$name gives the value ${g.value}, the Java API ${java.value}"
        if (!same(java.value, tapeValue)) failures += "the replayed tape's value $tapeValue differs from the graph's ${java.value}"
        val used = s.expr.variables.toSet()
        for (i in x.indices) {
            val r = java.gradient[i]
            for ((name, g) in others) {
                if (!same(r, g.gradient[i])) failures += "∂/∂x$i: reverse mode through $name gives ${g.gradient[i]}, through the Java API $r"
            }
            if (!same(r, tapeGradient[i])) failures += "∂/∂x$i: the replayed tape gives ${tapeGradient[i]}, the graph $r"
            if (i !in used) {
                if (r != 0.0 || r.toRawBits() != 0L) failures += "∂/∂x$i: x$i is not used but its gradient is $r, not exactly 0"
                continue
            }
            val bound = tol.dual * dual.m[i] + 1e-300
            if (!(abs(r - dual.d[i]) <= bound)) {
                failures += "∂/∂x$i: reverse mode gives $r, forward mode ${dual.d[i]}: |Δ| = ${e(abs(r - dual.d[i]))} > ${e(bound)}"
            }
            if (!(abs(tangents[i] - dual.d[i]) <= bound)) {
                failures += "∂/∂x$i: the engine's tangent rules give ${tangents[i]}, dual numbers ${dual.d[i]}: |Δ| = ${e(abs(tangents[i] - dual.d[i]))} > ${e(bound)}"
            }
            val fdTol = tol.fdEstimate * fd[i].error + tol.fdFloor * max(1.0, max(abs(fd[i].value), dual.m[i]))
            for ((name, g) in listOf("reverse" to r, "forward" to dual.d[i])) {
                if (!(abs(g - fd[i].value) <= fdTol)) {
                    failures += "∂/∂x$i: $name mode gives $g, finite differences ${fd[i]}: |Δ| = ${e(abs(g - fd[i].value))} > ${e(fdTol)}"
                }
            }
        }
        return Verdict(s, plain, java, others, dual, fd, failures, tol)
    }

    /**
     * Runs [e] as the row function of a [BatchTape] over two rows, [x] and a shifted copy (the two
     * paths are compared with each other, so any values do), variable i being
     * row feature i plus a shared leaf pᵢ = 0 (so each pᵢ is an operand once), the loss the sum of
     * the rows' outputs; the replay's loss and its gradient with respect to p must equal, bitwise,
     * those of building the whole graph and calling backward().
     */
    private fun batchVersusGraph(e: Expr, x: DoubleArray): List<String> {
        if (e.variables.isEmpty()) return emptyList()
        val n = x.size
        fun row(features: List<Value>, p: List<Value>) = Evaluate.javaGraph(e, List(n) { features[it].plus(p[it]) })[e]!!
        val rows = arrayOf(x, DoubleArray(n) { x[it] * 0.75 - 0.5 })
        val whole = List(n) { Value.of(0.0) }
        val loss = Value.sum(rows.map { r -> row(r.map { Value.of(it) }, whole) })
        loss.backward()
        val shared = List(n) { Value.of(0.0) }
        val standIns = List(n) { Value.of(0.0) }
        val batched = BatchTape.record(shared, standIns, row(standIns, shared), rows) { Value.sum(it) }.backward()
        val failures = ArrayList<String>()
        if (!same(batched, loss.data())) failures += "a batch tape's loss $batched differs from the whole graph's ${loss.data()}"
        for (i in 0 until n) {
            val g = shared[i].grad()
            if (!same(g, whole[i].grad())) failures += "∂/∂p$i: a batch tape gives $g, the whole graph ${whole[i].grad()}"
        }
        return failures
    }

    /**
     * Checks [s]; when an oracle fails, shrinks it ([ExprShrinker.minimize]) to the smallest sample
     * that still fails and throws an [AssertionError] with that sample's report (and [seed], when
     * given, in its header). For JUnit 5 suites in Java, with [RandomExpressions] or [Exprs.stream].
     */
    @JvmStatic
    @JvmOverloads
    fun assertPasses(s: Sample, seed: Long? = null, tol: Tolerances = Tolerances(), paths: Map<String, ReversePath> = emptyMap()) {
        val v = check(s, tol, paths)
        if (v.passed) return
        val small = ExprShrinker.minimize(s) { c -> Domains.valid(c) && !check(c, tol, paths).passed }
        throw AssertionError("\n" + check(small, tol, paths).report(seed) + "\n(shrunk from ${s.expr.size} nodes: $s)")
    }

    /**
     * Bitwise equal, any NaN matching any NaN: which NaN an operation on two NaNs returns depends on
     * its operand order, which the JIT is free to swap, and Java does not specify NaN payloads.
     */
    private fun same(a: Double, b: Double) = a.toRawBits() == b.toRawBits() || (a.isNaN() && b.isNaN())

    private fun close(a: Double, b: Double, rel: Double) =
        a.toRawBits() == b.toRawBits() || abs(a - b) <= rel * max(abs(a), abs(b))

    internal fun e(x: Double) = String.format(Locale.ROOT, "%.3e", x)
}

/** What the oracles found for one sample. */
class Verdict internal constructor(
    val sample: Sample,
    /** Plain double evaluation. */
    val plain: Double,
    /** Reverse mode through the Java API. */
    val java: Gradient,
    /** Reverse mode through the other paths, by name. */
    val others: Map<String, Gradient>,
    /** Forward mode. */
    val dual: Dual,
    /** Finite differences. */
    val finiteDifferences: Array<Estimate>,
    /** One line per violated oracle; empty when all agree. */
    val failures: List<String>,
    private val tol: Oracles.Tolerances,
) {
    val passed: Boolean get() = failures.isEmpty()

    /**
     * A report of this verdict: the expression as Kotlin DSL source, the seed, the inputs as hex
     * floats, every oracle's value and error, the failures, and the first node (operands first)
     * where reverse and forward mode disagree.
     */
    fun report(seed: Long? = null): String = buildString {
        val s = sample
        appendLine((if (passed) "Gradient check passed" else "Gradient check FAILED") +
            (if (seed != null) " (seed $seed)" else "") + ": ${s.expr.size} nodes, depth ${s.expr.depth}" +
            if (s.expr.hasSharedNodes) ", with shared nodes" else "")
        appendLine(s.toKotlin().prependIndent("  "))
        appendLine("inputs: ${s.inputsHex()}")
        appendLine("value: engine ${java.value}, " + others.entries.joinToString("") { "${it.key} ${it.value.value}, " } + "plain double $plain")
        for (i in s.inputs.indices) {
            appendLine("∂/∂x$i: reverse (Java) ${java.gradient[i]}, " + others.entries.joinToString("") { "${it.key} ${it.value.gradient[i]}, " } + "forward ${dual.d[i]}, " +
                "finite differences ${finiteDifferences[i]}; |reverse - forward| = ${Oracles.e(abs(java.gradient[i] - dual.d[i]))}, " +
                "|reverse - finite differences| = ${Oracles.e(abs(java.gradient[i] - finiteDifferences[i].value))}")
        }
        if (!passed) {
            appendLine("failures:")
            failures.forEach { appendLine("  - $it") }
            firstDisagreement()?.let { appendLine(it) }
        }
    }.trimEnd()

    /** The first node, operands before users, whose reverse-mode gradient differs from forward mode's. */
    fun firstDisagreement(): String? {
        val s = sample
        val leaves = s.inputs.map { Value.of(it) }
        val graph = Evaluate.javaGraph(s.expr, leaves)
        val duals = Evaluate.forward(s.expr, s.inputs)
        for (n in s.expr.nodes()) {
            if (n is Expr.Var || n is Expr.Const) continue
            leaves.forEach { it.zeroGrad() }
            val v = graph[n]!!
            v.backward()
            val d = duals[n]!!
            val bad = s.inputs.indices.filter { i -> !(abs(leaves[i].grad() - d.d[i]) <= tol.dual * d.m[i] + 1e-300) }
            val valueBad = v.data().toRawBits() != d.v.toRawBits() && abs(v.data() - d.v) > tol.value * max(abs(v.data()), abs(d.v))
            if (bad.isNotEmpty() || valueBad) {
                return "first node where reverse and forward mode disagree: ${n.toString()}\n" +
                    "  value: engine ${v.data()}, forward ${d.v}\n" +
                    bad.joinToString("\n") { "  ∂/∂x$it: reverse ${leaves[it].grad()}, forward ${d.d[it]}" }
            }
        }
        return null
    }

    override fun toString(): String = report()
}
