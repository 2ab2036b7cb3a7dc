package dev.adjoint.verify.kotest

import dev.adjoint.Anomaly
import dev.adjoint.Value
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Test
import java.util.concurrent.Executors

/**
 * `Value.backward()` sweeps a graph made on one thread in one go by its fast path; under anomaly
 * detection, and for a graph made on more than one thread, it linearises the graph first and runs
 * each node's rule from the node (unary, binary, with a constant, n-ary). Both give every gradient
 * bitwise as the fast path does.
 */
class LinearisedSweepTest {
    private fun graph(x: Value, y: Value, z: Value, made: (() -> Value) -> Value): Value {
        val p = made { x.times(y).plus(x.exp()) }
        val q = y.minus(z).div(z.tanh().plus(2.0)).times(3.0)
        return Value.dot(listOf(p, q), listOf(z, x)).plus(Value.sum(listOf(p, q.times(q))))
    }

    private fun gradients(made: (() -> Value) -> Value, sweep: (Value) -> Unit): List<Long> {
        val leaves = listOf(Value.of(0.7), Value.of(-1.3), Value.of(0.4))
        val out = graph(leaves[0], leaves[1], leaves[2], made)
        sweep(out)
        return leaves.map { it.grad().toRawBits() } + out.data().toRawBits()
    }

    @Test
    fun underDetectionAndAcrossThreadsTheGradientsAreTheFastPathsBitwise() {
        val here: (() -> Value) -> Value = { it() }
        val fast = gradients(here) { it.backward() }
        assertEquals(fast, gradients(here) { out -> Anomaly.run { out.backward() } }, "under anomaly detection")
        val pool = Executors.newSingleThreadExecutor()
        try {
            val elsewhere: (() -> Value) -> Value = { body -> pool.submit<Value> { body() }.get() }
            assertEquals(fast, gradients(elsewhere) { it.backward() }, "a graph made on two threads")
        } finally {
            pool.shutdown()
        }
    }
}
