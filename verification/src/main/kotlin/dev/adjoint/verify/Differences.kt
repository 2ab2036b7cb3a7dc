package dev.adjoint.verify

import java.util.function.DoubleUnaryOperator
import kotlin.math.abs
import kotlin.math.max
import kotlin.math.sqrt

/**
 * A finite-difference derivative with an error bound that accounts for round-off and noise as
 * well as truncation, and why it could not do better.
 *
 * [value] is the derivative, [bound] a bound on its error (truncation, from the spread of
 * neighbouring Richardson extrapolations, plus the noise [noise] of f divided by the step), [step]
 * the step it was taken at (0 when no step gave a usable estimate), [smooth] whether some step
 * looked smooth (second differences shrinking as a smooth function's do), and [limit] what
 * dominates the bound.
 */
public class Derivative internal constructor(
    public val value: Double,
    public val bound: Double,
    public val step: Double,
    public val noise: Double,
    public val smooth: Boolean,
    public val limit: Limit,
    /** Whether f's measured noise is far above its rounding (over a thousand ulps of its magnitude): structure below the step. */
    public val noisy: Boolean = false,
) {
    /** What limits a finite-difference derivative's accuracy. */
    public enum class Limit {
        /** f's rounding or noise divided by the step. */
        ROUNDOFF,

        /** How fast the derivative changes near the point (truncation). */
        TRUNCATION,

        /** No step gave a smooth, finite estimate: a kink, a discontinuity or the edge of a domain is within every step. */
        NOT_SMOOTH,

        /**
         * The step with the smallest bound disagrees with a finer step beyond both their bounds:
         * f has structure between the steps' scales (a staircase, an oscillation the coarse steps
         * alias), so no step can be trusted.
         */
        INCONSISTENT,
    }

    override fun toString(): String = "$value ± ${"%.1e".format(bound)}"
}

/**
 * Central differences on a ladder of steps, h₀·2⁻ʲ for j = 0..[STEPS] (down to about 10⁻¹³ h₀): at each step the central
 * difference and its Richardson extrapolation with the next step; the step kept is the one whose
 * error bound is smallest, among those where f looks smooth (its second difference shrinks at
 * least as fast as 0.3× per halving, as h² does, beyond noise) and finite. The noise of f is the
 * larger of its rounding at its magnitude (one ulp of the largest |f| seen) and an estimate from
 * high-order differences of f at 9 points, at three spacings (Moré and Wild's ECnoise, simplified), which
 * catches cancellation inside f and random noise.
 */
internal object Differences {
    const val STEPS = 40

    /**
     * The derivative of f at [at]: steps from h₀ = max(1, |at|) / 8 (or [step] when positive), and
     * for 0 < |at| < 10⁻³ also from |at| / 8, the ladder with the smaller bound kept. Steps are
     * taken as represented: (at + h) - at, not h.
     */
    fun derivative(f: DoubleUnaryOperator, at: Double, step: Double = 0.0): Derivative {
        val wide = ladder(f, at, max(1.0, abs(at)), step)
        // an input much smaller than 1 gets a second ladder at its own scale
        if (step > 0 || at == 0.0 || abs(at) >= 1e-3) return wide
        val narrow = ladder(f, at, abs(at), 0.0)
        return if (narrow.bound < wide.bound) narrow else wide
    }

    /** One ladder of steps from [scale] / 8 (or [step]). */
    private fun ladder(f: DoubleUnaryOperator, at: Double, scale: Double, step: Double): Derivative {
        val f0 = f.applyAsDouble(at)
        val h0 = if (step > 0) step else scale / 8
        val noise = noise(f, at, f0, scale)
        val h = DoubleArray(STEPS + 1)
        val d = DoubleArray(STEPS + 1)
        val s = DoubleArray(STEPS + 1)
        val finite = BooleanArray(STEPS + 1)
        // the largest |f| seen at each step: f's rounding there is an ulp of it
        val mag = DoubleArray(STEPS + 1) { abs(f0) }
        for (j in 0..STEPS) {
            val want = h0 * Math.scalb(1.0, -j)
            val xu = at + want
            val xd = at - want
            val hu = xu - at
            val hd = at - xd
            val up = f.applyAsDouble(xu)
            val down = f.applyAsDouble(xd)
            h[j] = want
            finite[j] = up.isFinite() && down.isFinite() && hu > 0 && hd > 0
            if (!finite[j]) continue
            mag[j] = max(abs(f0), max(abs(up), abs(down)))
            d[j] = (up - down) / (hu + hd)
            s[j] = up - 2 * f0 + down
        }
        // f's noise, or its rounding at its magnitude over steps from..to (not at the largest steps' |f|, which may be far larger)
        fun eps(from: Int, to: Int): Double {
            var m = 0.0
            for (k in from..to) m = max(m, mag[k])
            return max(noise, Math.ulp(m))
        }
        // Richardson: r[j] = (4 d[j+1] - d[j]) / 3 (error O(h⁴) for smooth f)
        val r = DoubleArray(STEPS) { (4 * d[it + 1] - d[it]) / 3 }
        fun ok(j: Int) = j in 0 until STEPS && finite[j] && finite[j + 1]
        fun smoothPair(m: Int) = finite[m] && finite[m + 1] && abs(s[m + 1]) <= 0.3 * abs(s[m]) + 8 * eps(m, m + 1)
        fun window(j: Int) = j in 1 until STEPS - 1 && ok(j - 1) && ok(j) && ok(j + 1)
        // the error bound of r[j]: truncation (the spread of its neighbours) plus round-off
        fun round(j: Int) = 3 * eps(j - 1, j + 2) / h[j]
        fun bound(j: Int) = max(abs(r[j] - r[j - 1]), abs(r[j] - r[j + 1])) + round(j)
        var best = -1
        var bestBound = Double.POSITIVE_INFINITY
        var anySmooth = false
        for (j in 1 until STEPS - 1) {
            if (!window(j)) continue
            if (!(smoothPair(j - 1) && smoothPair(j) && smoothPair(j + 1))) continue
            anySmooth = true
            val bound = bound(j)
            if (bound < bestBound) {
                best = j
                bestBound = bound
            }
        }
        if (best < 0) {
            // no smooth window: report the finest finite central difference, unbounded
            val j = (STEPS downTo 0).firstOrNull { finite[it] }
            return Derivative(if (j == null) Double.NaN else d[j], Double.POSITIVE_INFINITY, 0.0, eps(0, STEPS), anySmooth, Derivative.Limit.NOT_SMOOTH)
        }
        // every finer step must agree with the kept one within both bounds: a staircase or an
        // oscillation whose period the coarse steps alias looks smooth at those steps only
        for (j in best + 1 until STEPS - 1) {
            if (window(j) && abs(r[j] - r[best]) > CONSISTENT * (bestBound + bound(j))) {
                return Derivative(r[best], Double.POSITIVE_INFINITY, h[best], eps(best - 1, best + 2), true, Derivative.Limit.INCONSISTENT, true)
            }
        }
        val bestRound = round(best)
        val limit = if (bestRound >= bestBound - bestRound) Derivative.Limit.ROUNDOFF else Derivative.Limit.TRUNCATION
        val near = (best - 1..best + 2).maxOf { mag[it] }
        return Derivative(r[best], bestBound, h[best], max(noise, Math.ulp(near)), true, limit, noise > 1e3 * Math.ulp(near))
    }

    /**
     * The noise level of f near [at]: sqrt(mean((Δᵏf)²) / C(2k, k)) for k = 4..6 over 9 points
     * δ apart, the largest of these over three spacings δ (10⁻⁶, 3.7·10⁻⁸ and 1.3·10⁻⁹ times
     * [scale], so that an oscillation aliased to something smooth at one spacing shows at another);
     * 0 when f is not finite there. A spacing counts only where the level does not fall off with k
     * as smooth structure's does (to less than half from k = 4 to 6), as in ECnoise.
     */
    private fun noise(f: DoubleUnaryOperator, at: Double, f0: Double, scale: Double): Double {
        var level = 0.0
        for (spacing in NOISE_SPACINGS) {
            val delta = spacing * scale
            val v = DoubleArray(9) { if (it == 4) f0 else f.applyAsDouble(at + (it - 4) * delta) }
            if (v.any { !it.isFinite() }) return 0.0
            var diff = v
            val levels = DoubleArray(7)
            for (k in 1..6) {
                diff = DoubleArray(diff.size - 1) { diff[it + 1] - diff[it] }
                if (k < 4) continue
                // scaled by the largest difference, so that squares neither overflow nor underflow
                val big = diff.maxOf { abs(it) }
                if (big == 0.0 || !big.isFinite()) continue
                val mean = diff.sumOf { (it / big) * (it / big) } / diff.size
                levels[k] = big * sqrt(mean / binomial(2 * k, k))
            }
            // noise keeps its level as k grows; smooth structure resolved at this spacing (an
            // oscillation of less than about 1.5 radians per point) falls off, and is not noise
            if (levels[6] >= 0.5 * levels[4]) level = max(level, levels.maxOf { it })
        }
        return level
    }

    /** How many times their two bounds a finer step's estimate may differ from the kept one's. */
    private const val CONSISTENT = 8.0

    private val NOISE_SPACINGS = doubleArrayOf(1e-6, 3.7e-8, 1.3e-9)

    private fun binomial(n: Int, k: Int): Double {
        var b = 1.0
        for (i in 1..k) b = b * (n - k + i) / i
        return b
    }
}
