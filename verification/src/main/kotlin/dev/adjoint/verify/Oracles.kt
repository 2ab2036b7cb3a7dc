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
public fun interface ReversePath {
    public fun reverse(e: Expr, x: DoubleArray): Gradient
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
public object Oracles {
    /** Tolerances of the oracles. */
    public data class Tolerances(
        /** Reverse vs forward mode: |Δ| ≤ dual · (magnitude of the terms) + 1e-300. */
        val dual: Double = 1e-12,
        /** Engine value vs plain double evaluation, relative. */
        val value: Double = 1e-13,
        /** Finite differences: |Δ| ≤ fdEstimate · (error estimate) + fdFloor · max(1, |∂|, magnitude). */
        val fdEstimate: Double = 4.0,
        val fdFloor: Double = 1e-7,
        /** Whether recorded tapes are also compiled (`Tape.compile()`) and replayed; compiling costs a class per sample. */
        val compiled: Boolean = true,
    )

    /** Runs every oracle on [s], and holds each of [paths] (by name) bitwise equal to the Java API. */
    @JvmStatic
    @JvmOverloads
    public fun check(s: Sample, tol: Tolerances = Tolerances(), paths: Map<String, ReversePath> = emptyMap()): Verdict {
        val x = s.inputs
        val failures = ArrayList<String>()
        val plain = Evaluate.value(s.expr, x)

        // reverse mode, Java API, twice: the second backward() adds exactly the same again
        // named leaves: a name changes nothing but labels
        val leaves = x.indices.map { Value.of(x[it], "x$it") }
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
        // the engine's own forward mode: its tangent rules, one sweep per direction
        val tangents = DoubleArray(x.size) { i ->
            Derivatives.jvp(out, leaves, DoubleArray(x.size).also { it[i] = 1.0 })
        }
        val dual = Evaluate.forward(s.expr, x)[s.expr]!!
        // detached values held where they are at x; at a kink the conventions are the duals' alone
        val held = Evaluate.held(s.expr, x)
        val fd = Evaluate.finiteDifferences({ Evaluate.value(held, it) }, x)
        val kink = Domains.atKink(s)
        // recorded tapes replayed several times, at new points too; the expression as the row
        // function of batch tapes whose shared leaves are operands of its ops
        val replays = Replays(s.expr, x, tol)
        failures += replays.tapes()
        failures += replays.batches()

        if (!close(java.value, plain, tol.value)) failures += "the engine's value ${java.value} differs from plain double evaluation $plain"
        for ((name, g) in others) if (!same(java.value, g.value)) failures += "$name gives the value ${g.value}, the Java API ${java.value}"
        val used = s.expr.variables.toSet()
        for (i in x.indices) {
            val r = java.gradient[i]
            for ((name, g) in others) {
                if (!same(r, g.gradient[i])) failures += "∂/∂x$i: reverse mode through $name gives ${g.gradient[i]}, through the Java API $r"
            }
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
            if (!kink) for ((name, g) in listOf("reverse" to r, "forward" to dual.d[i])) {
                if (!(abs(g - fd[i].value) <= fdTol)) {
                    failures += "∂/∂x$i: $name mode gives $g, finite differences ${fd[i]}: |Δ| = ${e(abs(g - fd[i].value))} > ${e(fdTol)}"
                }
            }
        }
        return Verdict(s, plain, java, others, dual, fd, failures, tol, kink)
    }

    /**
     * The second-order oracles of [s], reported as first order is: Hessian-vector products (forward
     * over reverse, `Derivatives.hvp`) against central differences of the gradient along v with
     * Richardson extrapolation; a recorded tape's `hvp`, replayed at the recording point and at new
     * points, bitwise equal to the graph's at each; Hessians symmetric; and the gradient against
     * dual numbers, so that a first-order fault shrinks as far as first order's checks shrink it.
     * v = (1, -0.5, 1, -0.5, ...).
     */
    @JvmStatic
    @JvmOverloads
    public fun checkSecondOrder(s: Sample, tol: Tolerances = Tolerances()): Verdict {
        val x = s.inputs
        val n = x.size
        val failures = ArrayList<String>()
        val f = java.util.function.Function<List<Value>, Value> { l -> Evaluate.javaGraph(s.expr, l)[s.expr]!! }
        val v = DoubleArray(n) { if (it % 2 == 0) 1.0 else -0.5 }
        val hv = Derivatives.hvp(f, x, v)
        // d/dt ∇f(x + t v) at t = 0, by Richardson-extrapolated central differences of the gradient
        // (detached values held where they are at x; none at a kink, where the gradient jumps)
        val held = Evaluate.held(s.expr, x)
        val kink = Domains.atKink(s)
        val fd = Array(n) { i ->
            Evaluate.finiteDifferences({ t -> Evaluate.reverseJava(held, DoubleArray(n) { x[it] + t[0] * v[it] }).gradient[i] }, doubleArrayOf(0.0))[0]
        }
        val h = Derivatives.hessian(f, x)
        val scale = max(1.0, h.maxOf { row -> row.maxOf { abs(it) } })
        for (i in 0 until n) {
            val bound = tol.fdEstimate * fd[i].error + 1e-6 * max(scale, abs(fd[i].value))
            if (!kink && !(abs(hv[i] - fd[i].value) <= bound)) {
                failures += "(H·v)[$i]: forward over reverse gives ${hv[i]}, differences of the gradient ${fd[i]}: |Δ| = ${e(abs(hv[i] - fd[i].value))} > ${e(bound)}"
            }
            for (j in 0 until n) {
                if (!(abs(h[i][j] - h[j][i]) <= 1e-10 * scale)) failures += "H[$i][$j] = ${h[i][j]} but H[$j][$i] = ${h[j][i]}"
            }
        }
        val tape = Tape.record(x, f)
        val points = Replays.points(x) + listOf(x)
        val tapeHv = DoubleArray(n)
        val tapeGrad = DoubleArray(n)
        for ((r, p) in points.withIndex()) {
            tape.hvp(p, v, tapeHv, tapeGrad)
            val ref = if (r == 0 || r == 3) hv else Derivatives.hvp(f, p, v)
            val bad = (0 until n).firstOrNull { !same(tapeHv[it], ref[it]) }
            if (bad != null) {
                val at = "(${p.indices.joinToString { "x$it = ${p[it]}" }})"
                // the reference is a fresh recording's hvp: held to differences of the gradient there, so a wrong one is blamed
                val heldAt = Evaluate.held(s.expr, p)
                val check = Evaluate.finiteDifferences({ t -> Evaluate.reverseJava(heldAt, DoubleArray(n) { p[it] + t[0] * v[it] }).gradient[bad] }, doubleArrayOf(0.0))[0]
                val refWrong = Domains.valid(Sample(s.expr, p)) && !Domains.atKink(Sample(s.expr, p)) &&
                    !(abs(ref[bad] - check.value) <= tol.fdEstimate * check.error + 1e-6 * max(1.0, abs(check.value)))
                failures += if (refWrong) "Derivatives.hvp (a fresh recording) at $at gives (H·v)[$bad] = ${ref[bad]}, differences of the gradient $check: " +
                    "forward over reverse is wrong there, whatever the replayed tape (${tapeHv[bad]}) does"
                else "Tape.hvp (replay ${r + 1}, at $at) gives (H·v)[$bad] = ${tapeHv[bad]}, the graph ${ref[bad]}"
                break
            }
        }
        val leaves = x.map { Value.of(it) }
        val out = f.apply(leaves)
        out.backward()
        val java = Gradient(out.data(), DoubleArray(n) { leaves[it].grad() })
        // first order too, against dual numbers: a first-order fault then shrinks as far as first order's checks shrink it
        val dual = Evaluate.forward(s.expr, x)[s.expr]!!
        for (i in 0 until n) {
            val bound = tol.dual * dual.m[i] + 1e-300
            if (!(abs(java.gradient[i] - dual.d[i]) <= bound)) {
                failures.add(0, "∂/∂x$i: reverse mode gives ${java.gradient[i]}, forward mode ${dual.d[i]}: |Δ| = ${e(abs(java.gradient[i] - dual.d[i]))} > ${e(bound)}")
                break
            }
        }
        return Verdict(s, Evaluate.value(s.expr, x), java, emptyMap(), dual,
            Evaluate.finiteDifferences({ Evaluate.value(held, it) }, x), failures, tol, kink)
    }

    /**
     * Checks [s]; when an oracle fails, shrinks it ([ExprShrinker.minimize]) to the smallest sample
     * that still fails and throws an [AssertionError] with that sample's report (and [seed], when
     * given, in its header). For JUnit 5 suites in Java, with [RandomExpressions] or [Exprs.stream].
     */
    @JvmStatic
    @JvmOverloads
    public fun assertPasses(s: Sample, seed: Long? = null, tol: Tolerances = Tolerances(), paths: Map<String, ReversePath> = emptyMap()) {
        val v = check(s, tol, paths)
        if (v.passed) return
        val small = ExprShrinker.minimize(s) { c -> Domains.valid(c) && !check(c, tol, paths).passed }
        throw AssertionError("\n" + check(small, tol, paths).report(seed) + "\n(shrunk from ${s.expr.size} nodes: $s)")
    }

    /**
     * Bitwise equal, any NaN matching any NaN: which NaN an operation on two NaNs returns depends on
     * its operand order, which the JIT is free to swap, and Java does not specify NaN payloads.
     */
    internal fun same(a: Double, b: Double) = a.toRawBits() == b.toRawBits() || (a.isNaN() && b.isNaN())

    private fun close(a: Double, b: Double, rel: Double) =
        a.toRawBits() == b.toRawBits() || abs(a - b) <= rel * max(abs(a), abs(b))

    internal fun e(x: Double) = String.format(Locale.ROOT, "%.3e", x)
}

/** What the oracles found for one sample. */
public class Verdict internal constructor(
    public val sample: Sample,
    /** Plain double evaluation. */
    public val plain: Double,
    /** Reverse mode through the Java API. */
    public val java: Gradient,
    /** Reverse mode through the other paths, by name. */
    public val others: Map<String, Gradient>,
    /** Forward mode. */
    public val dual: Dual,
    /** Finite differences. */
    public val finiteDifferences: Array<Estimate>,
    /** One line per violated oracle; empty when all agree. */
    public val failures: List<String>,
    private val tol: Oracles.Tolerances,
    /** Whether some node is exactly at a kink ([Domains.atKink]): finite differences were not compared. */
    public val atKink: Boolean = false,
) {
    public val passed: Boolean get() = failures.isEmpty()

    /**
     * A report of this verdict: the expression as Kotlin DSL source, the seed, the inputs as hex
     * floats, every oracle's value and error, the failures, and the first node (operands first)
     * where reverse and forward mode disagree.
     */
    public fun report(seed: Long? = null): String = buildString {
        val s = sample
        appendLine((if (passed) "Gradient check passed" else "Gradient check FAILED") +
            (if (seed != null) " (seed $seed)" else "") + ": ${s.expr.size} nodes, depth ${s.expr.depth}" +
            if (s.expr.hasSharedNodes) ", with shared nodes" else "")
        appendLine(s.toKotlin().prependIndent("  "))
        appendLine("inputs: ${s.inputsHex()}")
        if (atKink) appendLine("at a kink or tie (PyTorch's conventions there): finite differences not compared")
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
    public fun firstDisagreement(): String? {
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
