package dev.adjoint.verify

import dev.adjoint.Value
import dev.adjoint.dsl.sin
import dev.adjoint.dsl.tanh
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.util.function.Function

class GradCheckTest {
    @Test
    fun correctGradientsPassWithTinyErrors() {
        val r = gradCheck(0.5, -1.5) { (a, b) -> sin(a * b) + tanh(a) }
        assertTrue(r.passed, r.toString())
        assertEquals(2, r.entries.size)
        assertEquals(-1.5 * Math.cos(-0.75) + 1 - Math.tanh(0.5) * Math.tanh(0.5), r.entries[0].analytic, 1e-15)
        assertTrue(r.maxRelativeError < 1e-9, r.toString())
        assertTrue(r.toString().startsWith("GradCheck passed"), r.toString())
    }

    @Test
    fun aGradientThatIgnoresADependencyFails() {
        // f(x) = x · c where c holds x's value but is a separate leaf: the analytic derivative misses c
        val detached = Function<List<Value>, Value> { v -> v[0].times(Value.of(v[0].data())) }
        val r = GradCheck.check(detached, 1.5)
        assertFalse(r.passed, r.toString())
        assertEquals(1.5, r.entries[0].analytic, 0.0)
        assertEquals(3.0, r.entries[0].numeric, 1e-8)
        val e = assertThrows(AssertionError::class.java) { GradCheck.assertGradients(detached, 1.5) }
        assertTrue(e.message!!.contains("FAIL"), e.message)
        assertTrue(e.message!!.contains("x0"), e.message)
    }

    @Test
    fun toleranceCanBeChanged() {
        val detached = Function<List<Value>, Value> { v -> v[0].times(Value.of(v[0].data())) }
        assertTrue(GradCheck.check(detached, GradCheck.Tolerance(absolute = 2.0), 1.5).passed)
        val e = assertThrows(IllegalArgumentException::class.java) { GradCheck.Tolerance(relative = -1.0) }
        assertTrue(e.message!!.contains("relative=-1.0"), e.message)
    }

    @Test
    fun badInputIsNamed() {
        val f = Function<List<Value>, Value> { v -> v[0].log() }
        assertEquals("GradCheck: input 1 is NaN", assertThrows(IllegalArgumentException::class.java) { GradCheck.check(f, 1.0, Double.NaN) }.message)
        assertEquals("GradCheck: no point given", assertThrows(IllegalArgumentException::class.java) { GradCheck.check(f) }.message)
        assertEquals("GradCheck: f(-1.0) = NaN, not a finite value", assertThrows(IllegalArgumentException::class.java) { GradCheck.check(f, -1.0) }.message)
    }
}
