package dev.adjoint.verify

// readme:gradcheck-kotlin
import dev.adjoint.dsl.exp
import dev.adjoint.dsl.ln
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
        checkAll(PropTestConfig(seed = 42, iterations = 500), Exprs.samples(Shape.DAG)) { sample ->
            val verdict = Oracles.check(sample)
            if (!verdict.passed) throw AssertionError(verdict.report(seed = 42))
        }
    }
}
// readme:end
