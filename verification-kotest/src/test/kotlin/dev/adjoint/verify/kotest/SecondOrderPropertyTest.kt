package dev.adjoint.verify.kotest

import dev.adjoint.Derivatives
import dev.adjoint.Tape
import dev.adjoint.Value
import dev.adjoint.verify.Domains
import dev.adjoint.verify.Evaluate
import io.kotest.property.PropTestConfig
import io.kotest.property.checkAll
import java.util.function.Function
import kotlin.math.abs
import kotlin.math.max
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test

/**
 * Second order on random expressions: Hessian-vector products (forward over reverse) against
 * central differences of the gradient with Richardson extrapolation, Hessians symmetric, and the
 * recorded tape bitwise equal to the graph.
 */
class SecondOrderPropertyTest {
    /** A tenth of the first-order suite's samples: 2,000 by default. */
    private val iterations = (System.getProperty("adjoint.verify.iterations")?.toInt() ?: 20000) / 10

    @Test
    fun hessianVectorProductsAgainstDifferencesOfTheGradient() = runBlocking<Unit> {
        val seed = 314159L
        checkAll(PropTestConfig(seed = seed, iterations = iterations), ExprArbs.mixed(maxVars = 3, maxDepth = 5)) { s ->
            if (!Domains.valid(s)) return@checkAll
            val f = Function<List<Value>, Value> { leaves -> Evaluate.javaGraph(s.expr, leaves)[s.expr]!! }
            val x = s.inputs
            val v = DoubleArray(x.size) { if (it % 2 == 0) 1.0 else -0.5 }
            val hv = Derivatives.hvp(f, x, v)
            val tapeHv = DoubleArray(x.size)
            Tape.record(x, f).hvp(x, v, tapeHv, null)
            // d/dt ∇f(x + t v) at t = 0, by Richardson-extrapolated central differences of the gradient
            val fd = Array(x.size) { i ->
                Evaluate.finiteDifferences({ t -> Evaluate.reverseJava(s.expr, DoubleArray(x.size) { x[it] + t[0] * v[it] }).gradient[i] }, doubleArrayOf(0.0))[0]
            }
            val h = Derivatives.hessian(f, x)
            val scale = max(1.0, h.maxOf { row -> row.maxOf { abs(it) } })
            val problems = ArrayList<String>()
            for (i in x.indices) {
                if (hv[i].toRawBits() != tapeHv[i].toRawBits()) problems += "H·v[$i]: graph ${hv[i]}, tape ${tapeHv[i]}"
                val tol = 4 * fd[i].error + 1e-6 * max(scale, abs(fd[i].value))
                if (!(abs(hv[i] - fd[i].value) <= tol)) problems += "H·v[$i] = ${hv[i]}, differences of the gradient give ${fd[i]}"
                for (j in x.indices) {
                    if (!(abs(h[i][j] - h[j][i]) <= 1e-10 * scale)) problems += "H[$i][$j] = ${h[i][j]} but H[$j][$i] = ${h[j][i]}"
                }
            }
            if (problems.isNotEmpty()) throw AssertionError("\n${s.toKotlin()}\ninputs: ${s.inputsHex()}, v = ${v.toList()}\n" + problems.joinToString("\n"))
        }
    }
}
