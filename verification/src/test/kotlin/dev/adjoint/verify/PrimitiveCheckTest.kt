package dev.adjoint.verify

import dev.adjoint.Primitive
import dev.adjoint.dsl.primitive
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import kotlin.math.abs
import kotlin.math.exp
import kotlin.math.ln
import kotlin.math.sign

class PrimitiveCheckTest {
    private fun softsign(name: String, slope: (Double) -> Double, second: ((Double) -> Double)? = null): Primitive = object : Primitive {
        override fun name() = name
        override fun value(x: DoubleArray) = x[0] / (1 + abs(x[0]))
        override fun gradient(x: DoubleArray, y: Double, out: DoubleArray) {
            out[0] = slope(x[0])
        }

        override fun hessian(x: DoubleArray, y: Double, out: DoubleArray) {
            if (second == null) super.hessian(x, y, out) else out[0] = second(x[0])
        }
    }

    private val right = { x: Double -> 1 / ((1 + abs(x)) * (1 + abs(x))) }

    @Test
    fun rightPrimitivesPassEverywhereInTheirBox() {
        for ((f, box) in listOf(UserPrimitives.SOFTSIGN to (-3.0 to 3.0), UserPrimitives.HYPOT to (-2.0 to 2.0))) {
            val n = if (f === UserPrimitives.HYPOT) 2 else 1
            // near an axis hypot's Hessian holds entries of 1e-5 beside 76, which differences of the
            // gradient (of magnitude 1) resolve only to about ±1e-11: an absolute tolerance says so
            val tolerance = if (n == 2) GradCheck.Tolerance(absolute = 1e-9) else GradCheck.DEFAULT
            val r = GradCheck.checkPrimitive(f, DoubleArray(n) { box.first }, DoubleArray(n) { box.second }, points = 60, seed = 3, tolerance = tolerance)
            assertEquals(GradCheck.Outcome.PASSED, r.outcome, r.toString())
            assertEquals(60, r.points.size)
            assertTrue(r.points.all { it.hessian != null }, "both give second derivatives")
            assertNull(r.counterexample)
            assertTrue(r.toString().startsWith("GradCheck PASSED: primitive '${f.name()}', its gradient and Hessian at 60 random points"), r.toString())
        }
        // the points spread over the decades the box holds, inside it
        val r = GradCheck.checkPrimitive(softsign("softsign, first order", right), doubleArrayOf(1e-9), doubleArrayOf(1e3), points = 40)
        assertEquals(GradCheck.Outcome.PASSED, r.outcome, r.toString())
        val xs = r.points.map { it.x[0] }
        assertTrue(xs.all { it > 1e-9 && it < 1e3 }, xs.toString())
        assertTrue(xs.any { it < 1e-3 } && xs.any { it > 10 }, xs.toString())
        assertTrue(r.points.all { it.hessian == null }, "no second derivatives given")
    }

    @Test
    fun aGradientWrongOnPartOfTheDomainFailsAtASimplePoint() {
        // forgets |x|: right for x ≥ 0, wrong left of 0
        val wrong = softsign("softsign without |x|", { x -> 1 / ((1 + x) * (1 + x)) })
        val r = GradCheck.checkPrimitive(wrong, doubleArrayOf(-3.0), doubleArrayOf(3.0))
        assertEquals(GradCheck.Outcome.FAILED, r.outcome, r.toString())
        assertTrue(r.points.any { it.passed } && r.points.any { !it.passed }, r.toString())
        val c = r.counterexample!!
        assertEquals(-1.0, c.x[0], r.toString())
        assertTrue(r.toString().contains("failing point (shrunk): x0 = -0x1.0p0 (-1.0)"), r.toString())
        assertTrue(r.toString().contains("FAILED"), r.toString())
        val e = assertThrows(AssertionError::class.java) { GradCheck.assertPrimitive(wrong, doubleArrayOf(-3.0), doubleArrayOf(3.0)) }
        assertEquals(r.toString(), e.message)
        // only the right half of the domain: it passes
        assertEquals(GradCheck.Outcome.PASSED, GradCheck.checkPrimitive(wrong, doubleArrayOf(0.0), doubleArrayOf(3.0)).outcome)
    }

    @Test
    fun aHessianWrongBySomeThousandthsFailsLikeTheGradient() {
        val h = { x: Double -> -2 * sign(x) / ((1 + abs(x)) * (1 + abs(x)) * (1 + abs(x))) }
        val slightlyWrong = softsign("softsign with a Hessian off by 1e-4", right, { x -> h(x) * (1 + 1e-4) })
        val r = GradCheck.checkPrimitive(slightlyWrong, doubleArrayOf(0.5), doubleArrayOf(4.0), points = 20)
        assertEquals(GradCheck.Outcome.FAILED, r.outcome, r.toString())
        val c = r.counterexample!!
        assertEquals(GradCheck.Outcome.PASSED, c.gradient!!.outcome)
        assertEquals(GradCheck.Outcome.FAILED, c.hessian!!.outcome)
        // the second-order report has the same header and table as the first-order one
        assertTrue(r.toString().contains("GradCheck FAILED: Hessian at 1 input"), r.toString())
        assertTrue(r.toString().contains("∂²/∂x0∂x0"), r.toString())
    }

    @Test
    fun kotlinPrimitivesAndTheirDomain() {
        // readme:primitive-check-kotlin
        val logistic = primitive("logistic",
            value = { x -> 1 / (1 + exp(-x[0])) },
            gradient = { _, y -> doubleArrayOf(y * (1 - y)) })
        GradCheck.assertPrimitive(logistic, lo = doubleArrayOf(-8.0), hi = doubleArrayOf(8.0), points = 200, seed = 7)
        // readme:end
        // a value that is not finite inside the box fails, naming it
        val log = primitive("log", value = { x -> ln(x[0]) }, gradient = { x, _ -> doubleArrayOf(1 / x[0]) })
        val r = GradCheck.checkPrimitive(log, doubleArrayOf(-1.0), doubleArrayOf(1.0), points = 10)
        assertEquals(GradCheck.Outcome.FAILED, r.outcome, r.toString())
        // shrunk to 0, where it is -Infinity
        assertEquals(0.0, r.counterexample!!.x[0], r.toString())
        assertTrue(r.toString().contains("its value is -Infinity at a point inside the box given"), r.toString())
        assertTrue(r.points.any { it.problem == "its value is NaN at a point inside the box given" }, r.toString())
        assertEquals(GradCheck.Outcome.PASSED, GradCheck.checkPrimitive(log, doubleArrayOf(0.0), doubleArrayOf(1e6), points = 30).outcome)
    }

    @Test
    fun badBoxesAreNamed() {
        val f = UserPrimitives.SOFTSIGN
        assertEquals("checkPrimitive: coordinate 0's interval [1.0, 1.0] is empty or not finite",
            assertThrows(IllegalArgumentException::class.java) { GradCheck.checkPrimitive(f, doubleArrayOf(1.0), doubleArrayOf(1.0)) }.message)
        assertEquals("checkPrimitive: the box's corners have 1 and 2 coordinates",
            assertThrows(IllegalArgumentException::class.java) { GradCheck.checkPrimitive(f, doubleArrayOf(1.0), doubleArrayOf(1.0, 2.0)) }.message)
        assertEquals("checkPrimitive: points must be positive, got 0",
            assertThrows(IllegalArgumentException::class.java) { GradCheck.checkPrimitive(f, doubleArrayOf(0.0), doubleArrayOf(1.0), points = 0) }.message)
    }
}
