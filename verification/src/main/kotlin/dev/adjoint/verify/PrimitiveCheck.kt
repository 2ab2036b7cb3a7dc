package dev.adjoint.verify

import dev.adjoint.Primitive
import dev.adjoint.Value
import java.util.Locale
import java.util.SplittableRandom
import java.util.function.Function
import kotlin.math.abs
import kotlin.math.ln
import kotlin.math.exp
import kotlin.math.max

/**
 * The result of [GradCheck.checkPrimitive]: a user's [Primitive] checked at seeded random points of
 * the box the user gave, each point's gradient (and, when the primitive gives one, its Hessian)
 * checked like [GradCheck.check], through `Value.apply`. Immutable.
 *
 * [outcome] is FAILED if some point failed, else INCONCLUSIVE if some point was, else PASSED; a
 * failing point is shrunk to the simplest point of the box that still fails (0, ±1, fewer digits)
 * and its report printed, with the point as exact hex floats.
 */
public class PrimitiveReport internal constructor(
    /** The primitive's name. */
    public val name: String,
    /** The box's lower corner. */
    public val lo: List<Double>,
    /** The box's upper corner. */
    public val hi: List<Double>,
    /** The seed of the points. */
    public val seed: Long,
    /** One check per point, in the order drawn. */
    public val points: List<Point>,
    /** The first failing point, shrunk (else the first inconclusive one); null when every point passed. */
    public val counterexample: Point?,
) {
    /** One point's checks: the gradient's, and the Hessian's when the primitive gives second derivatives. */
    public class Point internal constructor(
        public val x: List<Double>,
        /** The gradient's check; null when [problem] says why there is none. */
        public val gradient: GradCheck.Report?,
        /** The Hessian's check; null when the primitive gives no second derivatives (or [problem]). */
        public val hessian: GradCheck.Report?,
        /** Why the point could not be checked (the primitive's value is not finite, or it threw); empty otherwise. */
        public val problem: String,
    ) {
        /** FAILED when [problem] or a report failed, else INCONCLUSIVE or PASSED as the reports say. */
        public val outcome: GradCheck.Outcome
            get() {
                if (problem.isNotEmpty()) return GradCheck.Outcome.FAILED
                val outcomes = listOfNotNull(gradient, hessian).map { it.outcome }
                return when {
                    GradCheck.Outcome.FAILED in outcomes -> GradCheck.Outcome.FAILED
                    GradCheck.Outcome.INCONCLUSIVE in outcomes -> GradCheck.Outcome.INCONCLUSIVE
                    else -> GradCheck.Outcome.PASSED
                }
            }

        /** Whether both reports passed (an inconclusive one passes only when the tolerance accepts it). */
        public val passed: Boolean get() = problem.isEmpty() && listOfNotNull(gradient, hessian).all { it.passed }
    }

    /** Whether every point passed. */
    public val passed: Boolean get() = points.all { it.passed }

    /** FAILED if any point failed, else INCONCLUSIVE if any was, else PASSED. */
    public val outcome: GradCheck.Outcome
        get() = when {
            points.any { it.outcome == GradCheck.Outcome.FAILED } -> GradCheck.Outcome.FAILED
            points.any { it.outcome == GradCheck.Outcome.INCONCLUSIVE } -> GradCheck.Outcome.INCONCLUSIVE
            else -> GradCheck.Outcome.PASSED
        }

    /** Throws an [AssertionError] with this report unless every point passed; returns it otherwise. */
    public fun orThrow(): PrimitiveReport {
        if (!passed) throw AssertionError(toString())
        return this
    }

    override fun toString(): String = buildString {
        val verdict = if (outcome == GradCheck.Outcome.INCONCLUSIVE && passed) "INCONCLUSIVE (accepted)" else outcome.name
        val box = lo.indices.joinToString(" × ") { "[${lo[it]}, ${hi[it]}]" }
        val second = if (points.any { it.hessian != null }) "gradient and Hessian" else "gradient"
        appendLine("GradCheck $verdict: primitive '$name', its $second at ${points.size} random points of $box (seed $seed)")
        val count = GradCheck.Outcome.values().associateWith { o -> points.count { it.outcome == o } }
        append("  ${count[GradCheck.Outcome.PASSED]} passed, ${count[GradCheck.Outcome.FAILED]} failed, ${count[GradCheck.Outcome.INCONCLUSIVE]} inconclusive")
        val c = counterexample ?: return@buildString
        appendLine()
        appendLine("  ${if (c.outcome == GradCheck.Outcome.FAILED) "failing" else "inconclusive"} point (shrunk): " +
            c.x.withIndex().joinToString(", ") { (i, v) -> "x$i = ${java.lang.Double.toHexString(v)} ($v)" })
        if (c.problem.isNotEmpty()) append("  ${c.problem}")
        else append(listOfNotNull(c.gradient, c.hessian).filter { !it.passed }.joinToString("\n") { it.toString().prependIndent("  ") })
    }.trimEnd()
}

/** Draws the points, checks them and shrinks the first failure; see [GradCheck.checkPrimitive]. */
internal object PrimitiveCheck {
    fun run(f: Primitive, lo: DoubleArray, hi: DoubleArray, points: Int, seed: Long, tolerance: GradCheck.Tolerance): PrimitiveReport {
        require(lo.isNotEmpty() && lo.size == hi.size) { "checkPrimitive: the box's corners have ${lo.size} and ${hi.size} coordinates" }
        for (i in lo.indices) {
            require(lo[i].isFinite() && hi[i].isFinite() && lo[i] < hi[i]) { "checkPrimitive: coordinate $i's interval [${lo[i]}, ${hi[i]}] is empty or not finite" }
        }
        require(points > 0) { "checkPrimitive: points must be positive, got $points" }
        val second = givesHessian(f, lo, hi)
        val random = SplittableRandom(seed)
        val checked = List(points) { k -> at(f, DoubleArray(lo.size) { i -> draw(random, lo[i], hi[i], scaled = k % 2 == 1) }, second, tolerance) }
        val first = checked.firstOrNull { it.outcome == GradCheck.Outcome.FAILED } ?: checked.firstOrNull { !it.passed }
        val shrunk = first?.let { if (it.outcome == GradCheck.Outcome.FAILED) shrink(f, it, lo, hi, second, tolerance) else it }
        return PrimitiveReport(f.name(), lo.toList(), hi.toList(), seed, checked, shrunk)
    }

    /** Whether [f] gives second derivatives: its `hessian` does not throw UnsupportedOperationException at the box's centre. */
    private fun givesHessian(f: Primitive, lo: DoubleArray, hi: DoubleArray): Boolean {
        val x = DoubleArray(lo.size) { lo[it] / 2 + hi[it] / 2 }
        return try {
            f.hessian(x, f.value(x), DoubleArray(x.size * x.size))
            true
        } catch (e: UnsupportedOperationException) {
            false
        }
    }

    private fun at(f: Primitive, x: DoubleArray, second: Boolean, tolerance: GradCheck.Tolerance): PrimitiveReport.Point {
        val y = try {
            f.value(x.copyOf())
        } catch (e: RuntimeException) {
            return PrimitiveReport.Point(x.toList(), null, null, "its value threw $e")
        }
        if (!y.isFinite()) return PrimitiveReport.Point(x.toList(), null, null, "its value is $y at a point inside the box given")
        val apply = Function<List<Value>, Value> { v -> Value.apply(f, *v.toTypedArray()) }
        return try {
            val g = GradCheck.check(apply, tolerance, *x)
            val h = if (second) GradCheck.checkSecondOrder(apply, tolerance, *x) else null
            PrimitiveReport.Point(x.toList(), g, h, "")
        } catch (e: RuntimeException) {
            PrimitiveReport.Point(x.toList(), null, null, "checking it threw $e")
        }
    }

    /**
     * A point of (lo, hi): even draws uniform, odd ones uniform in the logarithm of |x| over the
     * magnitudes the interval holds (down to its end nearer 0, or to 10⁻⁶ of its largest when it
     * reaches 0), so that a box spanning decades is checked at every scale. Never an end point.
     */
    private fun draw(random: SplittableRandom, lo: Double, hi: Double, scaled: Boolean): Double {
        while (true) {
            val x = if (!scaled) lo + (hi - lo) * random.nextDouble() else {
                // the sides of 0 the interval has, each with its magnitudes
                val top = max(abs(lo), abs(hi))
                val positive = hi > 0 && (lo >= 0 || random.nextBoolean())
                val far = if (positive) hi else -lo
                val near = if (positive) max(lo, 0.0) else max(-hi, 0.0)
                val small = if (near > 0) near else top * 1e-6
                val m = exp(ln(small) + (ln(far) - ln(small)) * random.nextDouble())
                if (positive) m else -m
            }
            if (x > lo && x < hi) return x
        }
    }

    /** The simplest point of the box where [f] still fails as [p] does: coordinates set to 0 or ±1, or to fewer digits, one at a time. */
    private fun shrink(f: Primitive, p: PrimitiveReport.Point, lo: DoubleArray, hi: DoubleArray, second: Boolean, tolerance: GradCheck.Tolerance): PrimitiveReport.Point {
        var best = p
        val target = p.outcome
        for (i in lo.indices) {
            for (candidate in simpler(best.x[i])) {
                if (!(candidate > lo[i] && candidate < hi[i]) || candidate == best.x[i]) continue
                val x = best.x.toDoubleArray().also { it[i] = candidate }
                val q = at(f, x, second, tolerance)
                if (q.outcome == target) {
                    best = q
                    break
                }
            }
        }
        return best
    }

    /** Simpler numbers near [v], simplest first: 0, ±1, then [v] to 1, 2, 3 and 6 significant digits. */
    private fun simpler(v: Double): List<Double> =
        listOf(0.0, 1.0, -1.0) + listOf(1, 2, 3, 6).map { String.format(Locale.ROOT, "%.${it - 1}e", v).toDouble() }
}
