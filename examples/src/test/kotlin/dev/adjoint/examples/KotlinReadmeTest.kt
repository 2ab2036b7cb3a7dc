package dev.adjoint.examples

import dev.adjoint.dsl.Losses
import dev.adjoint.dsl.fit
import dev.adjoint.dsl.gradient
import dev.adjoint.dsl.grad
import dev.adjoint.dsl.invoke
import dev.adjoint.dsl.mlp
import dev.adjoint.dsl.primitive
import dev.adjoint.dsl.pow
import dev.adjoint.dsl.sgd
import dev.adjoint.dsl.tanh
import dev.adjoint.nn.Dataset
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Test
import kotlin.math.exp
import kotlin.math.ln

/** The README's Kotlin examples, run as written (ReadmeTest checks the README holds them). */
class KotlinReadmeTest {
    @Test
    fun quickStart() {
        // readme:kotlin-quick-start
        val g = grad(2.0, -3.0) { (a, b) -> tanh(a * b + a.pow(2)) }
        println(g.value)   // -0.9640275800758169
        println(g[0])      // ∂/∂a = 0.07065082485316443
        println(g[1])      // ∂/∂b = 0.14130164970632886

        val h = gradient {
            val x = variable(2.0)
            val y = variable(-3.0)
            tanh(x * y + (x pow 2))
        }
        println(h.gradient.toList())  // [0.07065082485316443, 0.14130164970632886]
        // readme:end
        assertEquals(-0.9640275800758169, g.value)
        assertEquals(0.07065082485316443, g[0])
        assertEquals(0.14130164970632886, g[1])
        assertEquals(listOf(0.07065082485316443, 0.14130164970632886), h.gradient.toList())
    }

    @Test
    fun customPrimitive() {
        // readme:kotlin-primitive
        // Lambert's W: the w with w·e^w = x, found by Newton's method (a solver the engine cannot
        // differentiate through), with its known derivative dW/dx = 1 / (e^w·(1 + w))
        val lambertW = primitive("lambertW",
            value = { x ->
                var w = ln(1.0 + x[0])
                repeat(40) { w -= (w * exp(w) - x[0]) / (exp(w) * (1 + w)) }
                w
            },
            gradient = { _, w -> doubleArrayOf(1 / (exp(w) * (1 + w))) })
        val g = grad(1.0) { (x) -> lambertW(x) * x }
        println(g.value)  // W(1) = Ω = 0.5671432904097838
        println(g[0])     // W(1) + W'(1) = 0.9290395470446731
        // readme:end
        val omega = 0.5671432904097838
        assertEquals(omega, g.value, 1e-16)
        assertEquals(omega + 1 / (exp(omega) * (1 + omega)), g[0], 1e-15)
    }

    @Test
    fun modelDsl() {
        // readme:kotlin-model
        val data = Dataset.moons(100, 0.1, 42)
        val model = mlp(inputs = 2) { dense(16, relu); dense(16, relu); dense(1) }
        val history = model.fit(data, epochs = 100, loss = Losses.hinge, optimizer = sgd { k -> 1.0 - 0.9 * k / 100 }) {
            l2 = 1e-4
            onStep { if (it.step % 25 == 0) println("step ${it.step}: loss ${it.loss}") }
        }
        println(history.last.accuracy)  // 1.0
        // readme:end
        assertEquals(1.0, history.last.accuracy)
    }
}
