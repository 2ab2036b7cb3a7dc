package dev.adjoint.verify.kotest

// readme:gradcheck-kotlin
import dev.adjoint.dsl.exp
import dev.adjoint.dsl.ln
import dev.adjoint.verify.Shape
import dev.adjoint.verify.assertGradients
import dev.adjoint.verify.kotest.DslOracles
import dev.adjoint.verify.kotest.ExprArbs
import io.kotest.property.PropTestConfig
import io.kotest.property.checkAll
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test

class MyGradientTest {
    @Test
    fun softplusTimesWeight() {
        assertGradients(0.3, -1.2) { (x, w) -> ln(exp(x) + 1.0) * w }
    }

    @Test
    fun engineOnRandomExpressionsWithSharedNodes() = runBlocking<Unit> {
        checkAll(PropTestConfig(seed = 42, iterations = 500), ExprArbs.samples(Shape.DAG)) { sample ->
            val verdict = DslOracles.check(sample)
            if (!verdict.passed) throw AssertionError(verdict.report(seed = 42))
        }
    }
}
// readme:end
