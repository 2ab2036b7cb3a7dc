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
import dev.adjoint.nn.Adam
import dev.adjoint.nn.Dataset
import dev.adjoint.nn.Init
import dev.adjoint.nn.MLP
import java.nio.file.Path
import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import kotlin.math.exp
import kotlin.math.ln
import org.junit.jupiter.api.io.TempDir

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

    @Test
    fun multiClassWithMiniBatchesAndValidation(@TempDir dir: Path) {
        val file = dir.resolve("spirals-model.json")
        // readme:kotlin-multi-class
        val all = Dataset.spirals(100, 3, 0.2, 1)     // 3 classes, labels 0, 1, 2
        val train = all.slice(0, 240)
        val heldOut = all.slice(240, 300)
        val model = mlp(inputs = 2, init = Init.PYTORCH) { dense(16, relu); dense(16, relu); dense(3) }
        val adam = Adam.of(model.parameters(), 0.01)   // reused, its moments survive across fit calls
        val history = model.fit(train, epochs = 80, loss = Losses.softmaxCrossEntropy, optimizer = adam,
            batchSize = 32, validation = heldOut) {
            seed = 1          // the shuffling of mini-batches
            patience = 20     // early stopping on the validation loss, keeping the best weights
            onEpoch { if (it.epoch % 20 == 0) println("epoch ${it.epoch}: validation accuracy ${it.validationAccuracy}") }
        }
        println(history.epochs.last().validationAccuracy)  // above 0.97
        model.save(file)
        val scores = MLP.load(file).predict(0.5, -0.2)      // 3 scores
        // readme:end
        assertTrue(history.epochs.maxOf { it.validationAccuracy } > 0.97, history.epochs.last().toString())
        assertTrue(history.epochs[history.bestEpoch].validationAccuracy > 0.97, history.epochs[history.bestEpoch].toString())
        assertEquals(3, scores.size)
        assertArrayEquals(model.predict(0.5, -0.2), scores, 0.0)
    }
}
