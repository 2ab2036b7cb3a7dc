package dev.adjoint.verify

import dev.adjoint.Value
import dev.adjoint.dsl.sin
import dev.adjoint.dsl.tanh
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import dev.adjoint.Tape
import dev.adjoint.nn.Loss
import dev.adjoint.nn.MLP
import java.util.function.Function
import java.util.function.Supplier

class GradCheckTest {
    @Test
    fun correctGradientsPassWithTinyErrors() {
        val r = gradCheck(0.5, -1.5) { (a, b) -> sin(a * b) + tanh(a) }
        assertTrue(r.passed, r.toString())
        assertEquals(2, r.entries.size)
        assertEquals(-1.5 * Math.cos(-0.75) + 1 - Math.tanh(0.5) * Math.tanh(0.5), r.entries[0].analytic, 1e-15)
        assertTrue(r.maxRelativeError < 1e-9, r.toString())
        assertTrue(r.toString().startsWith("GradCheck PASSED"), r.toString())
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
        assertTrue(e.message!!.contains("FAILED"), e.message)
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
    fun inconclusiveFailsByDefaultAndSaysWhatToDo() {
        // |f| = 1e12 swamps a derivative of 2: the differences resolve it only to about ±1e-3
        val f = Function<List<Value>, Value> { (x) -> x.times(x).plus(1e12) }
        val r = GradCheck.check(f, 1.0)
        assertEquals(GradCheck.Outcome.INCONCLUSIVE, r.outcome, r.toString())
        assertFalse(r.passed, r.toString())
        assertTrue(r.toString().contains("Subtract f's constant part"), r.toString())
        assertTrue(r.toString().contains("acceptInconclusive"), r.toString())
        assertTrue(GradCheck.check(f, GradCheck.Tolerance(acceptInconclusive = true), 1.0).passed)
        // with a tolerance the differences can decide, it passes
        assertEquals(GradCheck.Outcome.PASSED, GradCheck.check(f, GradCheck.Tolerance(absolute = 0.1), 1.0).outcome)
    }

    @Test
    fun aKinkWithinEveryStepIsInconclusive() {
        val r = GradCheck.check(Function { (x) -> x.abs() }, 0.0)
        assertEquals(GradCheck.Outcome.INCONCLUSIVE, r.outcome, r.toString())
        assertTrue(r.toString().contains("kink"), r.toString())
        // the gradient of a dead ReLU is exactly 0 and f does not move: it passes beside a resolved input
        assertEquals(GradCheck.Outcome.PASSED, GradCheck.check(Function { (x, y) -> x.relu().plus(y) }, -1.0, 2.0).outcome)
    }

    @Test
    fun secondOrder() {
        val f = Function<List<Value>, Value> { (a, b) -> a.times(b).sin().plus(a.pow(3.0)) }
        val r = GradCheck.checkSecondOrder(f, 0.5, -1.5)
        assertEquals(GradCheck.Outcome.PASSED, r.outcome, r.toString())
        assertEquals(4, r.entries.size)
        // ∂²/∂a² = -b² sin(ab) + 6a
        assertEquals(-2.25 * Math.sin(-0.75) + 3.0, r.entries[0].analytic, 1e-12, r.toString())
        assertTrue(r.toString().contains("∂²/∂x1∂x0"), r.toString())
        // a gradient that is right while its derivative is not: the engine sees c(x) as a constant
        val wrong = Function<List<Value>, Value> { (x) -> x.pow(2.0).times(Value.of(x.data())).div(3.0).plus(x.pow(3.0).times(2.0 / 3.0)) }
        assertEquals(GradCheck.Outcome.FAILED, GradCheck.checkSecondOrder(wrong, 0.8).outcome)
    }

    @Test
    fun everyParameterOfAModelAndARecordedTape() {
        val model = MLP(2, 3, 1)
        val x = listOf(listOf(0.5, -1.0), listOf(1.5, 0.25))
        val loss = Supplier { Loss.mse(x.map { row -> model.apply(row.map { Value.of(it) })[0] }, doubleArrayOf(1.0, -1.0)) }
        val r = GradCheck.checkModel(model, loss)
        assertEquals(model.parameters().size, r.entries.size)
        assertEquals(GradCheck.Outcome.PASSED, r.outcome, r.toString())
        assertEquals(0.0, model.parameters()[0].grad(), 0.0)
        val tape = Tape.record(doubleArrayOf(0.5, -1.5)) { (a, b) -> a.times(b).sin() }
        assertEquals(GradCheck.Outcome.PASSED, GradCheck.checkTape(tape, 0.3, 0.7).outcome)
    }

    @Test
    fun badInputIsNamed() {
        val f = Function<List<Value>, Value> { v -> v[0].log() }
        assertEquals("GradCheck: input 1 is NaN", assertThrows(IllegalArgumentException::class.java) { GradCheck.check(f, 1.0, Double.NaN) }.message)
        assertEquals("GradCheck: no point given", assertThrows(IllegalArgumentException::class.java) { GradCheck.check(f) }.message)
        assertEquals("GradCheck: f(-1.0) = NaN, not a finite value", assertThrows(IllegalArgumentException::class.java) { GradCheck.check(f, -1.0) }.message)
    }
}
