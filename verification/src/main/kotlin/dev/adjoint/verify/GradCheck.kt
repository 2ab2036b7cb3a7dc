package dev.adjoint.verify

import dev.adjoint.Derivatives
import dev.adjoint.Primitive
import dev.adjoint.Tape
import dev.adjoint.Value
import dev.adjoint.nn.Module
import java.util.Locale
import java.util.function.DoubleUnaryOperator
import java.util.function.Function
import java.util.function.Supplier
import kotlin.math.abs
import kotlin.math.max
import kotlin.math.min

/**
 * Checks reverse-mode gradients against finite differences, input by input, and never passes a
 * gradient the differences cannot vouch for.
 *
 * For each input xᵢ, central differences are taken on a ladder of steps (h₀ = max(1, |xᵢ|)/8 halved
 * 40 times, or from [Tolerance.step]), refined by Richardson extrapolation, with an error bound u
 * that counts truncation (the spread of neighbouring extrapolations), f's round-off at its
 * magnitude and f's measured noise (divided by the step); the step with the smallest bound is
 * kept, among those where f looks smooth. Then, with τ = `absolute + relative·|numeric|` and
 * err = |analytic − numeric|:
 * - **PASSED** when err + `estimates`·u ≤ τ: whatever the true derivative within the bound, the
 *   analytic one is within the tolerance of it;
 * - **FAILED** when err > τ + `estimates`·u: no derivative within the bound is within the tolerance;
 * - an input whose analytic and numeric derivatives are both exactly 0 (a dead ReLU's weight) is
 *   held to `relative` times the largest |numeric| of the check (at most 1) instead of its own 0;
 * - **INCONCLUSIVE** otherwise (for instance |f| ≫ |f'|·|x|, so that f's rounding swamps the
 *   differences, or a kink within every step), which fails unless [Tolerance.acceptInconclusive];
 *   the report says why and what to do.
 *
 * The defaults (PyTorch's gradcheck names in parentheses): `absolute` (atol) 0, `relative` (rtol)
 * 1e-6, `estimates` 4, `step` (eps) automatic. PyTorch's defaults are atol 1e-5, rtol 1e-3 with
 * one fixed step of 1e-6, which cannot tell a wrong gradient from round-off when |f| is large; an
 * absolute tolerance is a claim about the scale of f', so it is 0 unless you set it.
 *
 * Also: second order ([checkSecondOrder], Hessian columns by forward over reverse against
 * differences of the gradient), every parameter of a [Module] ([checkModel]), and recorded
 * [Tape]s ([checkTape]), and users' own [Primitive]s at random points of a box ([checkPrimitive]). Stateless and thread-safe (the functions it calls need not be).
 *
 * ```java
 * GradCheck.Report r = GradCheck.check(x -> x.get(0).times(x.get(1)).sin(), 0.5, -1.5);
 * GradCheck.assertGradients(x -> x.get(0).times(x.get(1)).sin(), 0.5, -1.5); // throws with the report
 * ```
 */
public object GradCheck {
    /** How far analytic and numeric derivatives may differ, and how steps are taken; see [GradCheck]. */
    public data class Tolerance @JvmOverloads constructor(
        /** atol: the absolute part of τ. */
        val absolute: Double = 0.0,
        /** rtol: the part of τ relative to |numeric|. */
        val relative: Double = 1e-6,
        /** How many times the numeric derivative's error bound is allowed for. */
        val estimates: Double = 4.0,
        /** The largest finite-difference step; 0 picks max(1, |xᵢ|)/8. Smaller steps down to 2⁻⁴⁰ of it are tried. */
        val step: Double = 0.0,
        /** Whether an inconclusive input counts as passed (it fails by default). */
        val acceptInconclusive: Boolean = false,
    ) {
        init {
            require(absolute >= 0 && relative >= 0 && estimates >= 0 && step >= 0) {
                "Tolerance: every bound must be non-negative, got absolute=$absolute, relative=$relative, estimates=$estimates, step=$step"
            }
        }
    }

    /** The defaults: absolute 0, relative 1e-6, estimates 4, automatic steps, inconclusive fails. */
    @JvmField
    public val DEFAULT: Tolerance = Tolerance()

    /** An input's verdict. */
    public enum class Outcome { PASSED, FAILED, INCONCLUSIVE }

    /** One derivative's check. */
    public class Entry internal constructor(
        /** The input's index (for second order, the row: `∂²f/∂x[index]∂x[column]`). */
        public val index: Int,
        /** How the report names it: `x0`, or `∂²/∂x1∂x0`. */
        public val name: String,
        public val input: Double,
        public val analytic: Double,
        public val numeric: Double,
        /** The numeric derivative's error bound u (before `estimates`). */
        public val numericError: Double,
        public val absoluteError: Double,
        public val relativeError: Double,
        public val outcome: Outcome,
        /** Why it is not PASSED, and what to do; empty when PASSED. */
        public val reason: String,
        /** The finite-difference step used (0 if none was usable). */
        public val step: Double,
        private val acceptInconclusive: Boolean,
    ) {
        public val passed: Boolean get() = outcome == Outcome.PASSED || (outcome == Outcome.INCONCLUSIVE && acceptInconclusive)
    }

    /** The result of a check: the value and one [Entry] per derivative checked. */
    public class Report internal constructor(public val value: Double, public val entries: List<Entry>, public val tolerance: Tolerance, private val what: String) {
        public val passed: Boolean get() = entries.all { it.passed }

        /** FAILED if any entry failed, else INCONCLUSIVE if any was, else PASSED. */
        public val outcome: Outcome
            get() = when {
                entries.any { it.outcome == Outcome.FAILED } -> Outcome.FAILED
                entries.any { it.outcome == Outcome.INCONCLUSIVE } -> Outcome.INCONCLUSIVE
                else -> Outcome.PASSED
            }

        /** Throws an [AssertionError] with this report unless it passed; returns it otherwise. */
        public fun orThrow(): Report {
            if (!passed) throw AssertionError(toString())
            return this
        }

        /** The largest relative error over the entries. */
        public val maxRelativeError: Double get() = entries.maxOfOrNull { it.relativeError } ?: 0.0

        override fun toString(): String = buildString {
            val verdict = if (outcome == Outcome.INCONCLUSIVE && passed) "INCONCLUSIVE (accepted)" else outcome.name
            appendLine("GradCheck $verdict: $what, f = $value, tolerance $tolerance")
            val width = max(5, entries.maxOfOrNull { it.name.length } ?: 0)
            appendLine(String.format(Locale.ROOT, "  %-${width}s %-24s %-24s %-24s %-9s %-10s %-10s %s", "input", "x", "analytic", "numeric", "± bound",
                "abs err", "rel err", ""))
            for (e in entries) {
                appendLine(String.format(Locale.ROOT, "  %-${width}s %-24s %-24s %-24s %-9.1e %-10.3e %-10.3e %s", e.name, e.input, e.analytic, e.numeric,
                    tolerance.estimates * e.numericError, e.absoluteError, e.relativeError, e.outcome))
            }
            for (e in entries) if (e.reason.isNotEmpty()) appendLine("  ${e.name}: ${e.reason}")
            if (outcome == Outcome.INCONCLUSIVE && !tolerance.acceptInconclusive) {
                appendLine("  An inconclusive check fails: it could not vouch for the gradient. Tolerance(acceptInconclusive = true) accepts it.")
            }
        }.trimEnd()
    }

    /** Checks [f] at the point [at] with the default tolerance. */
    @JvmStatic
    public fun check(f: Function<List<Value>, Value>, vararg at: Double): Report = check(f, DEFAULT, *at)

    /** Checks [f]'s gradient at the point [at]. */
    @JvmStatic
    public fun check(f: Function<List<Value>, Value>, tolerance: Tolerance, vararg at: Double): Report {
        checkPoint(at)
        val leaves = at.map { Value.of(it) }
        val out = f.apply(leaves) ?: throw IllegalArgumentException("GradCheck: the function returned null")
        require(out.data().isFinite()) { "GradCheck: f(${at.joinToString()}) = ${out.data()}, not a finite value" }
        out.backward()
        val entries = entries(at.size, { i ->
            leaves[i].grad() to Differences.derivative(along(at, i) { x -> f.apply(x.map { Value.of(it) }).data() }, at[i], tolerance.step)
        }, { i -> Triple(i, "x$i", at[i]) }, tolerance)
        return Report(out.data(), entries, tolerance, "gradient at ${at.size} input${if (at.size == 1) "" else "s"}")
    }

    /**
     * Second order (PyTorch's gradgradcheck): every column i of the Hessian, by forward over reverse
     * (`Derivatives.hvp` along xᵢ), against finite differences of the reverse-mode gradient along
     * xᵢ; one entry per (row, column).
     */
    @JvmStatic
    public fun checkSecondOrder(f: Function<List<Value>, Value>, vararg at: Double): Report = checkSecondOrder(f, DEFAULT, *at)

    /** [checkSecondOrder] with a tolerance. */
    @JvmStatic
    public fun checkSecondOrder(f: Function<List<Value>, Value>, tolerance: Tolerance, vararg at: Double): Report {
        checkPoint(at)
        val n = at.size
        val value = f.apply(at.map { Value.of(it) }).data()
        require(value.isFinite()) { "GradCheck: f(${at.joinToString()}) = $value, not a finite value" }
        val columns = Array(n) { i -> Derivatives.hvp(f, at, DoubleArray(n).also { it[i] = 1.0 }) }
        val entries = entries(n * n, { k ->
            val i = k / n
            val j = k % n
            columns[i][j] to Differences.derivative(along(at, i) { x -> Derivatives.gradient(f, x)[j] }, at[i], tolerance.step)
        }, { k -> Triple(k % n, "∂²/∂x${k % n}∂x${k / n}", at[k / n]) }, tolerance)
        return Report(value, entries, tolerance, "Hessian at $n input${if (n == 1) "" else "s"} (forward over reverse vs differences of the gradient)")
    }

    /**
     * Checks the gradient of [loss] with respect to every parameter of [model]: [loss] must build
     * the loss afresh from the parameters' current values on each call. Parameters' values are
     * restored; their gradients are left zeroed.
     */
    @JvmStatic
    @JvmOverloads
    public fun checkModel(model: Module, loss: Supplier<Value>, tolerance: Tolerance = DEFAULT): Report =
        checkParameters(model.parameters(), loss, tolerance)

    /** Like [checkModel], for any list of leaves that [loss] reads. */
    @JvmStatic
    @JvmOverloads
    public fun checkParameters(parameters: List<Value>, loss: Supplier<Value>, tolerance: Tolerance = DEFAULT): Report {
        require(parameters.isNotEmpty()) { "GradCheck: no parameters given" }
        val at = DoubleArray(parameters.size) { parameters[it].data() }
        checkPoint(at)
        parameters.forEach { it.zeroGrad() }
        val out = loss.get()
        require(out.data().isFinite()) { "GradCheck: the loss is ${out.data()}, not a finite value" }
        out.backward()
        val analytic = DoubleArray(parameters.size) { parameters[it].grad() }
        parameters.forEach { it.zeroGrad() }
        val entries = entries(parameters.size, { i ->
            val p = parameters[i]
            try {
                analytic[i] to Differences.derivative({ v -> p.setData(v); loss.get().data() }, at[i], tolerance.step)
            } finally {
                p.setData(at[i])
            }
        }, { i -> Triple(i, "p$i", at[i]) }, tolerance)
        return Report(out.data(), entries, tolerance, "gradient with respect to ${parameters.size} parameter${if (parameters.size == 1) "" else "s"}")
    }

    /** Checks a recorded tape's gradient (`tape.gradient`) at [at] against differences of `tape.value`. */
    @JvmStatic
    public fun checkTape(tape: Tape, vararg at: Double): Report = checkTape(tape, DEFAULT, *at)

    /** [checkTape] with a tolerance. */
    @JvmStatic
    public fun checkTape(tape: Tape, tolerance: Tolerance, vararg at: Double): Report {
        checkPoint(at)
        val g = DoubleArray(at.size)
        val value = tape.gradient(at, g)
        require(value.isFinite()) { "GradCheck: the tape's value at (${at.joinToString()}) is $value, not a finite value" }
        val entries = entries(at.size, { i ->
            g[i] to Differences.derivative(along(at, i) { x -> tape.value(x) }, at[i], tolerance.step)
        }, { i -> Triple(i, "x$i", at[i]) }, tolerance)
        return Report(value, entries, tolerance, "recorded tape's gradient at ${at.size} input${if (at.size == 1) "" else "s"}")
    }

    /**
     * Property-tests a user's own differentiable function: [f]'s gradient (and its Hessian, when it
     * implements `Primitive.hessian`), applied with `Value.apply`, against finite differences of
     * `f.value` at [points] random points of the box [lo]ᵢ < xᵢ < [hi]ᵢ drawn from [seed] (half
     * uniform, half spread over the decades of |xᵢ| the interval holds, down to 10⁻⁶ of its
     * largest when it reaches 0), each checked like [check].
     * A failing point is shrunk to a simpler one that still fails; the report prints it with its
     * per-input report. A point where `f.value` is not finite, or that throws, fails.
     */
    @JvmStatic
    @JvmOverloads
    public fun checkPrimitive(f: Primitive, lo: DoubleArray, hi: DoubleArray, points: Int = 100, seed: Long = 0, tolerance: Tolerance = DEFAULT): PrimitiveReport =
        PrimitiveCheck.run(f, lo, hi, points, seed, tolerance)

    /** [checkPrimitive], throwing an [AssertionError] with the report unless every point passes. */
    @JvmStatic
    @JvmOverloads
    public fun assertPrimitive(f: Primitive, lo: DoubleArray, hi: DoubleArray, points: Int = 100, seed: Long = 0, tolerance: Tolerance = DEFAULT): PrimitiveReport =
        checkPrimitive(f, lo, hi, points, seed, tolerance).orThrow()

    /** Checks [f] at [at] and throws an [AssertionError] carrying the report unless every input passes. */
    @JvmStatic
    public fun assertGradients(f: Function<List<Value>, Value>, vararg at: Double): Report = assertGradients(f, DEFAULT, *at)

    /** Like [assertGradients] with a tolerance. */
    @JvmStatic
    public fun assertGradients(f: Function<List<Value>, Value>, tolerance: Tolerance, vararg at: Double): Report = check(f, tolerance, *at).orThrow()

    private fun checkPoint(at: DoubleArray) {
        require(at.isNotEmpty()) { "GradCheck: no point given" }
        for ((i, v) in at.withIndex()) require(v.isFinite()) { "GradCheck: input $i is $v" }
    }

    /** f along coordinate i of [at]: a function of that coordinate alone. */
    private fun along(at: DoubleArray, i: Int, f: (DoubleArray) -> Double) = DoubleUnaryOperator { xi ->
        f(at.copyOf().also { it[i] = xi })
    }

    /**
     * The entries of one check: `largest` is the largest |numeric| among them, the scale below which
     * an input whose analytic and numeric derivatives are both exactly 0 is checked (`relative`
     * times it): a dead ReLU's weights then pass when the others are resolved, the gradient being
     * right to `relative` as a vector.
     */
    private fun entries(count: Int, make: (Int) -> Pair<Double, Derivative>, describe: (Int) -> Triple<Int, String, Double>, tol: Tolerance): List<Entry> {
        val made = List(count) { make(it) }
        val largest = made.maxOf { (_, n) -> if (n.bound.isFinite() && n.value.isFinite()) abs(n.value) else 0.0 }
        return made.indices.map { k ->
            val (analytic, n) = made[k]
            val (index, name, x) = describe(k)
            entry(index, name, x, analytic, n, tol, largest)
        }
    }

    private fun entry(index: Int, name: String, x: Double, analytic: Double, n: Derivative, tol: Tolerance, largest: Double): Entry {
        val err = abs(analytic - n.value)
        val scale = max(abs(analytic), abs(n.value))
        val rel = if (scale == 0.0) 0.0 else err / scale
        val zeros = analytic == 0.0 && n.value == 0.0
        // a claimed 0 is held to relative × the largest |numeric|, but never looser than relative itself in absolute terms
        val tau = tol.absolute + tol.relative * (if (zeros) min(largest, 1.0) else abs(n.value)) + java.lang.Double.MIN_NORMAL
        val u = tol.estimates * n.bound
        val (outcome, reason) = when {
            !analytic.isFinite() -> Outcome.FAILED to "the analytic derivative is $analytic"
            n.limit == Derivative.Limit.NOT_SMOOTH -> Outcome.INCONCLUSIVE to
                "no finite-difference step from ${e(tol.step.takeIf { it > 0 } ?: (max(1.0, abs(x)) / 8))} down by halves looked smooth and finite: " +
                "f has a kink, a jump or the edge of its domain within every step of $name = $x. Check at a point farther from it."
            n.limit == Derivative.Limit.INCONSISTENT -> Outcome.INCONCLUSIVE to
                "the finite differences disagree with themselves along $name: the step with the smallest error bound (${e(n.step)}) gives " +
                "${n.value}, and a finer step gives something else beyond both their bounds, so f has structure between those scales " +
                "(a staircase, jumps, or an oscillation the coarser steps step over). Check a smooth f, or at a point away from its jumps."
            err > tau + u -> Outcome.FAILED to "|analytic - numeric| = ${e(err)} exceeds the tolerance ${e(tau)} plus the numeric error bound ${e(u)}"
            n.noisy -> Outcome.INCONCLUSIVE to
                "f is noisy or not smooth along $name: it wobbles by ±${e(n.noise)} between points 1e-6 apart, far more than its rounding, so " +
                "the slope the finite differences measure (over steps of ${e(n.step)}) need not be f's derivative at the point. Check a smooth f " +
                "at a point away from kinks and jumps (without random terms, oscillations below the step, or large terms that cancel)."
            err + u <= tau -> Outcome.PASSED to ""
            zeros -> Outcome.INCONCLUSIVE to
                "f does not move with $name within its rounding: its derivative may be 0, as claimed, or anything up to ±${e(u)}, more than " +
                "the tolerance ${e(tau)}. Check at a point where f is smaller (subtract its constant part), or, if ±${e(u)} is negligible, " +
                "set absolute to that."
            n.limit == Derivative.Limit.ROUNDOFF -> Outcome.INCONCLUSIVE to
                "the finite differences resolve this derivative only to ±${e(u)}, more than the tolerance ${e(tau)}: f's rounding or noise " +
                "(±${e(n.noise)}, at |f| up to its magnitude) divided by the best step ${e(n.step)} swamps it, because |f| is large or noisy " +
                "compared with how much $name changes it. Subtract f's constant part (or check the function before a large offset is added), " +
                "rescale, or, if ±${e(err + u)} is good enough, set absolute to that."
            else -> Outcome.INCONCLUSIVE to
                "the finite differences reach only ±${e(u)} here (best step ${e(n.step)}), more than the tolerance ${e(tau)}: f's derivative " +
                "changes fast near $name = $x. Check at another point, or loosen relative/absolute to ${e(err + u)}."
        }
        return Entry(index, name, x, analytic, n.value, n.bound, err, rel, outcome, reason, n.step, tol.acceptInconclusive)
    }

    private fun e(x: Double) = String.format(Locale.ROOT, "%.3e", x)
}

/** Kotlin: `gradCheck(0.5, -1.5) { (a, b) -> sin(a * b) }`. */
public fun gradCheck(vararg at: Double, tolerance: GradCheck.Tolerance = GradCheck.DEFAULT, f: (List<Value>) -> Value): GradCheck.Report =
    GradCheck.check(Function(f), tolerance, *at)

/** Kotlin: `assertGradients(0.5, -1.5) { (a, b) -> sin(a * b) }`; throws with the report unless it passes. */
public fun assertGradients(vararg at: Double, tolerance: GradCheck.Tolerance = GradCheck.DEFAULT, f: (List<Value>) -> Value): GradCheck.Report =
    GradCheck.assertGradients(Function(f), tolerance, *at)
