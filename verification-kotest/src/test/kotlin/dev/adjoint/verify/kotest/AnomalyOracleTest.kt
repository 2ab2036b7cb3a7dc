package dev.adjoint.verify.kotest

import dev.adjoint.Anomaly
import dev.adjoint.AnomalyException
import dev.adjoint.Value
import dev.adjoint.verify.BinaryOp
import dev.adjoint.verify.Domains
import dev.adjoint.verify.Evaluate
import dev.adjoint.verify.Expr
import dev.adjoint.verify.Sample
import dev.adjoint.verify.UnaryOp
import io.kotest.property.PropTestConfig
import io.kotest.property.checkAll
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/** Anomaly detection names the node that makes the first NaN, whatever comes before it. */
class AnomalyOracleTest {
    @Test
    fun theFirstNaNIsNamed() = runBlocking<Unit> {
        checkAll(PropTestConfig(seed = 99, iterations = 1000), ExprArbs.mixed()) { s ->
            if (!Domains.valid(s)) return@checkAll
            // sqrt(-(e² + 1)) is NaN for every e, and e itself is finite
            val poisoned = Expr.Unary(UnaryOp.SQRT, Expr.Unary(UnaryOp.NEG, Expr.Binary(BinaryOp.ADD, Expr.PowC(s.expr, 2.0), Expr.Const(1.0))))
            val e = runCatching { Anomaly.detect { Evaluate.javaGraph(poisoned, s.inputs.map { Value.of(it) }) } }.exceptionOrNull()
            assertTrue(e is AnomalyException, "expected an AnomalyException for ${Sample(poisoned, s.inputs)}, got $e")
            e as AnomalyException
            assertEquals("sqrt", e.op(), e.message)
            val e2 = Evaluate.value(s.expr, s.inputs)
            assertEquals(-(e2 * e2 + 1.0), e.inputs()[0], 1e-12 * (1 + e2 * e2), e.message)
        }
    }
}
