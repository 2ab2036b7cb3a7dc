package dev.adjoint.verify.kotest

import dev.adjoint.verify.Domains
import dev.adjoint.verify.Oracles
import io.kotest.property.PropTestConfig
import io.kotest.property.checkAll
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test

/**
 * Second order on random expressions ([Oracles.checkSecondOrder]): Hessian-vector products
 * (forward over reverse) against central differences of the gradient with Richardson
 * extrapolation, Hessians symmetric, and recorded tapes replayed at new points bitwise equal to
 * the graph. A failure shrinks and prints the same report as first order.
 */
class SecondOrderPropertyTest {
    /** A tenth of the first-order suite's samples: 2,000 by default. */
    private val iterations = (System.getProperty("adjoint.verify.iterations")?.toInt() ?: 20000) / 10

    @Test
    fun hessianVectorProductsAgainstDifferencesOfTheGradient() = runBlocking<Unit> {
        val seed = 314159L
        checkAll(PropTestConfig(seed = seed, iterations = iterations), ExprArbs.mixed(maxVars = 3, maxDepth = 5)) { s ->
            if (!Domains.valid(s)) return@checkAll
            val v = Oracles.checkSecondOrder(s)
            if (!v.passed) throw AssertionError("\n" + v.report(seed))
        }
    }
}
