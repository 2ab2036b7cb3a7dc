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
    fun badArgumentsAreNamed() {
        assertEquals("mlp: no layers; add one with dense(units)", assertThrows(IllegalArgumentException::class.java) { mlp(inputs = 2) {} }.message)
        assertEquals("dense: units must be at least 1, was 0", assertThrows(IllegalArgumentException::class.java) { mlp(inputs = 2) { dense(0) } }.message)
        assertEquals("fit: epochs must be non-negative, was -1", assertThrows(IllegalArgumentException::class.java) {
            mlp(inputs = 2) { dense(1) }.fit(Dataset.xor(), epochs = -1, optimizer = sgd(0.1))
        }.message)
    }
}
