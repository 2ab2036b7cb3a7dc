package dev.adjoint.dsl

import dev.adjoint.nn.Dataset
import java.io.ByteArrayOutputStream
import java.io.PrintStream
import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

class TrainingTest {
    private fun stderrOf(body: () -> Unit): String {
        val old = System.err
        val buffer = ByteArrayOutputStream()
        System.setErr(PrintStream(buffer, true, Charsets.UTF_8))
        try {
            body()
        } finally {
            System.setErr(old)
        }
        return buffer.toString(Charsets.UTF_8)
    }

    @Test
    fun progressBarOnlyWhenAskedOrOnATerminal() {
        val data = Dataset.xor()
        val quiet = stderrOf { mlp(inputs = 2) { dense(4, relu); dense(1) }.fit(data, epochs = 5, loss = Losses.mse, optimizer = sgd(0.1)) }
        assertEquals("", quiet, "tests run without a console, so fit stays quiet by default")
        val bar = stderrOf {
            mlp(inputs = 2) { dense(4, relu); dense(1) }.fit(data, epochs = 5, loss = Losses.mse, optimizer = sgd(0.1)) { progress = true }
        }
        assertTrue(bar.startsWith("\r[######"), bar)
        assertTrue(bar.contains("\r[##############################] 5/5  loss "), bar)
        assertTrue(bar.endsWith("\n"), "the bar ends its line when training ends")
    }

    @Test
    fun callbacksSeeEveryStepAndTapeEqualsDynamic() {
        val data = Dataset.moons(40, 0.1, 3)
        val seen = ArrayList<Int>()
        val a = mlp(inputs = 2) { dense(8, tanh); dense(1) }.fit(data, epochs = 20, optimizer = adam(0.05)) { l2 = 1e-3; onStep { seen += it.step } }
        val b = mlp(inputs = 2) { dense(8, tanh); dense(1) }.fit(data, epochs = 20, optimizer = adam(0.05), execution = Execution.DYNAMIC) { l2 = 1e-3 }
        assertEquals((0 until 20).toList(), seen)
        assertArrayEquals(b.loss, a.loss, 0.0)
        assertArrayEquals(b.accuracy, a.accuracy, 0.0)
        assertTrue(a.last.loss < a.steps.first().loss)
    }

    @Test
    fun tapeEqualsDynamicForEveryLossIncludingOnesTheRowParallelTapeRefuses() {
        val moons = Dataset.moons(30, 0.1, 5)
        val zeroOne = Dataset.of(Array(moons.size()) { moons.x(it) }, DoubleArray(moons.size()) { if (moons.y(it) > 0) 1.0 else 0.0 })
        val reversed = LossFunction { s, y -> dev.adjoint.nn.Loss.mse(s.reversed(), y.reversedArray()) }
        val firstTen = LossFunction { s, y -> dev.adjoint.nn.Loss.hinge(s.subList(0, 10), y.copyOf(10)) } // ignores rows: recorded whole
        for ((data, loss) in listOf(moons to Losses.hinge, moons to Losses.mse, zeroOne to Losses.binaryCrossEntropy, moons to reversed, moons to firstTen)) {
            fun run(execution: Execution) =
                mlp(inputs = 2) { dense(6, relu); dense(6, sigmoid); dense(1) }.fit(data, epochs = 8, loss = loss, optimizer = sgd(0.2, 0.9), execution = execution) { l2 = 1e-3 }
            val taped = run(Execution.TAPE)
            val dynamic = run(Execution.DYNAMIC)
            assertArrayEquals(dynamic.loss, taped.loss, 0.0)
            assertArrayEquals(dynamic.accuracy, taped.accuracy, 0.0)
        }
    }

    @Test
    fun badArgumentsAreNamed() {
        assertEquals("mlp: no layers; add one with dense(units)", assertThrows(IllegalArgumentException::class.java) { mlp(inputs = 2) {} }.message)
        assertEquals("dense: units must be at least 1, was 0", assertThrows(IllegalArgumentException::class.java) { mlp(inputs = 2) { dense(0) } }.message)
        assertEquals("fit: epochs must be non-negative, was -1", assertThrows(IllegalArgumentException::class.java) {
            mlp(inputs = 2) { dense(1) }.fit(Dataset.xor(), epochs = -1, optimizer = sgd(0.1))
        }.message)
    }
}
