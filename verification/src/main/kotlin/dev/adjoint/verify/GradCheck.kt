package dev.adjoint.verify

import dev.adjoint.Value
import java.util.Locale
import java.util.function.Function
import kotlin.math.abs
import kotlin.math.max

/**
 * Checks a function's reverse-mode gradient against central finite differences with Richardson
 * extrapolation, input by input.
 *
 * An input passes when |analytic − numeric| ≤ [Tolerance.absolute] + [Tolerance.relative] ·
 * max(|analytic|, |numeric|) + [Tolerance.estimates] · (the finite difference's own error
 * estimate). The defaults, absolute 1e-8, relative 1e-6 and estimates 4, are tighter than
 * PyTorch's gradcheck (atol 1e-5, rtol 1e-3) because extrapolation makes the numeric derivative
 * accurate to about 1e-10 for smooth functions, and the estimate keeps ill-conditioned points from
 * failing falsely.
 *
 * ```java
 * GradCheck.Report r = GradCheck.check(x -> x.get(0).times(x.get(1)).sin(), 0.5, -1.5);
 * GradCheck.assertGradients(x -> x.get(0).times(x.get(1)).sin(), 0.5, -1.5); // throws with the report
 * ```
 */
object GradCheck {
    /** How far analytic and numeric derivatives may differ; see [GradCheck]. */
    data class Tolerance @JvmOverloads constructor(
        val absolute: Double = 1e-8,
        val relative: Double = 1e-6,
        val estimates: Double = 4.0,
    ) {
        init {
            require(absolute >= 0 && relative >= 0 && estimates >= 0) {
                "Tolerance: every bound must be non-negative, got absolute=$absolute, relative=$relative, estimates=$estimates"
            }
        }
    }

    /** The defaults: absolute 1e-8, relative 1e-6, estimates 4. */
    @JvmField
    val DEFAULT = Tolerance()

    /** One input's derivatives. */
    data class Entry(
        val index: Int,
        val input: Double,
        val analytic: Double,
        val numeric: Double,
        /** The finite difference's own error estimate. */
        val numericError: Double,
        val absoluteError: Double,
        val relativeError: Double,
        val passed: Boolean,
    )

    /** The result of a check: the value and one [Entry] per input. */
    class Report internal constructor(val value: Double, val entries: List<Entry>, val tolerance: Tolerance) {
        val passed: Boolean get() = entries.all { it.passed }

        /** The largest relative error over the inputs. */
        val maxRelativeError: Double get() = entries.maxOfOrNull { it.relativeError } ?: 0.0

        override fun toString(): String = buildString {
            appendLine("GradCheck ${if (passed) "passed" else "FAILED"}: f = $value, tolerance $tolerance")
            appendLine(String.format(Locale.ROOT, "  %-5s %-24s %-24s %-24s %-10s %-10s %s", "input", "x", "analytic", "numeric", "abs err", "rel err", ""))
            for (e in entries) {
                appendLine(String.format(Locale.ROOT, "  x%-4d %-24s %-24s %-24s %-10.3e %-10.3e %s", e.index, e.input, e.analytic,
                    "${e.numeric}", e.absoluteError, e.relativeError, if (e.passed) "ok" else "FAIL"))
            }
        }.trimEnd()
    }

    /** Checks [f] at the point [at] with the default tolerance. */
    @JvmStatic
    fun check(f: Function<List<Value>, Value>, vararg at: Double): Report = check(f, DEFAULT, *at)

    /** Checks [f] at the point [at]. */
    @JvmStatic
    fun check(f: Function<List<Value>, Value>, tolerance: Tolerance, vararg at: Double): Report {
        require(at.isNotEmpty()) { "GradCheck: no point given" }
        for ((i, v) in at.withIndex()) require(v.isFinite()) { "GradCheck: input $i is $v" }
        val leaves = at.map { Value.of(it) }
        val out = f.apply(leaves) ?: throw IllegalArgumentException("GradCheck: the function returned null")
        require(out.data().isFinite()) { "GradCheck: f(${at.joinToString()}) = ${out.data()}, not a finite value" }
        out.backward()
        val numeric = Evaluate.finiteDifferences({ x -> f.apply(x.map { Value.of(it) }).data() }, at)
        val entries = at.indices.map { i ->
            val a = leaves[i].grad()
            val n = numeric[i]
            val err = abs(a - n.value)
            val scale = max(abs(a), abs(n.value))
            val rel = if (scale == 0.0) 0.0 else err / scale
            val ok = err <= tolerance.absolute + tolerance.relative * scale + tolerance.estimates * n.error
            Entry(i, at[i], a, n.value, n.error, err, rel, ok)
        }
        return Report(out.data(), entries, tolerance)
    }

    /** Checks [f] at [at] and throws an [AssertionError] carrying the report if any input fails. */
    @JvmStatic
    fun assertGradients(f: Function<List<Value>, Value>, vararg at: Double): Report = assertGradients(f, DEFAULT, *at)

    /** Like [assertGradients] with a tolerance. */
    @JvmStatic
    fun assertGradients(f: Function<List<Value>, Value>, tolerance: Tolerance, vararg at: Double): Report {
        val r = check(f, tolerance, *at)
        if (!r.passed) throw AssertionError(r.toString())
        return r
    }
}

/** Kotlin: `gradCheck(0.5, -1.5) { (a, b) -> sin(a * b) }`. */
fun gradCheck(vararg at: Double, tolerance: GradCheck.Tolerance = GradCheck.DEFAULT, f: (List<Value>) -> Value): GradCheck.Report =
    GradCheck.check(Function(f), tolerance, *at)

/** Kotlin: `assertGradients(0.5, -1.5) { (a, b) -> sin(a * b) }`; throws with the report on failure. */
fun assertGradients(vararg at: Double, tolerance: GradCheck.Tolerance = GradCheck.DEFAULT, f: (List<Value>) -> Value): GradCheck.Report =
    GradCheck.assertGradients(Function(f), tolerance, *at)
