package dev.adjoint.dsl

import dev.adjoint.Value
import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Test

class DerivativesTest {
    private val rosenbrock: (List<Value>) -> Value = { x ->
        sum((0 until x.size - 1).flatMap { i -> listOf(100.0 * (x[i + 1] - x[i].pow(2)).pow(2), (1.0 - x[i]).pow(2)) })
    }

    @Test
    fun forwardAndReverseOnASumOfThree() {
        // readme:forward-vs-reverse
        val f: (List<Value>) -> Value = { (x, y, z) -> x + y + z }
        // reverse mode: one sweep gives every partial derivative
        val reverse = grad(1.0, 2.0, 3.0, f = f).gradient                   // [1.0, 1.0, 1.0]
        // forward mode: one sweep per input direction
        val forward = (0 until 3).map { i ->
            jvp(1.0, 2.0, 3.0, direction = DoubleArray(3) { if (it == i) 1.0 else 0.0 }, f = f)
        }                                                                    // [1.0, 1.0, 1.0]
        // readme:end
        assertArrayEquals(doubleArrayOf(1.0, 1.0, 1.0), reverse, 0.0)
        assertEquals(listOf(1.0, 1.0, 1.0), forward)
    }

    @Test
    fun newtonStepOnRosenbrock() {
        // readme:newton
        var x = doubleArrayOf(-1.2, 1.0)
        repeat(7) {
            val g = gradientAt(*x, f = rosenbrock)
            val h = hessian(*x, f = rosenbrock)
            val det = h[0][0] * h[1][1] - h[0][1] * h[1][0]
            // x ← x - H⁻¹ g
            x = doubleArrayOf(x[0] - (h[1][1] * g[0] - h[0][1] * g[1]) / det,
                              x[1] - (h[0][0] * g[1] - h[1][0] * g[0]) / det)
        }
        println(x.toList())   // [1.0, 1.0], the minimum, to 1e-12
        // readme:end
        assertArrayEquals(doubleArrayOf(1.0, 1.0), x, 1e-12)
    }

    @Test
    fun extendedRosenbrockAtTheIssuesPoint() {
        val at = doubleArrayOf(-1.2, 1.0, 0.5, -0.3)
        assertArrayEquals(doubleArrayOf(-215.6, 112.0, 9.0, -110.0), gradientAt(*at, f = rosenbrock), 1e-12)
        val h = hessian(*at, f = rosenbrock)
        val expected = arrayOf(doubleArrayOf(1330.0, 480.0, 0.0, 0.0), doubleArrayOf(480.0, 1202.0, -400.0, 0.0),
            doubleArrayOf(0.0, -400.0, 622.0, -200.0), doubleArrayOf(0.0, 0.0, -200.0, 200.0))
        for (i in 0 until 4) assertArrayEquals(expected[i], h[i], 1e-12)
        assertArrayEquals(doubleArrayOf(1330.0 + 480.0, 480.0 + 1202.0, -400.0, 0.0),
            hvp(*at, direction = doubleArrayOf(1.0, 1.0, 0.0, 0.0), f = rosenbrock), 1e-12)
        val j = jacobian(0.5, 2.0) { (x, y) -> listOf(x * y, sin(x)) }
        assertArrayEquals(doubleArrayOf(2.0, 0.5), j[0], 0.0)
        assertArrayEquals(doubleArrayOf(Math.cos(0.5), 0.0), j[1], 0.0)
    }
}
