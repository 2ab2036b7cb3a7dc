package dev.adjoint.verify.kotest

import dev.adjoint.verify.Domains
import dev.adjoint.verify.Op
import dev.adjoint.verify.Sample
import dev.adjoint.verify.Shape
import io.kotest.property.PropTestConfig
import io.kotest.property.checkAll
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/**
 * README's example property (`MyGradientTest.engineOnRandomExpressionsWithSharedNodes`: seed 42,
 * 500 DAGs) against an engine broken in one op with a domain: every sample Kotest shrinks through
 * stays inside the safe domains, so the report is never one a correct engine fails too (the
 * former `ln(x0)` at x0 = -0.835).
 */
class ShrinkDomainTest {
    @Test
    fun readmesExampleShrinksInsideTheSafeDomains() {
        for (broken in listOf(Op.LOG, Op.SQRT, Op.DIV, Op.ASIN, Op.TAN)) {
            val seen = ArrayList<Sample>()
            val e = assertThrows<AssertionError> {
                runBlocking {
                    checkAll(PropTestConfig(seed = 42, iterations = 500), ExprArbs.samples(Shape.DAG)) { sample ->
                        // a correct engine passes everywhere; the broken one fails wherever the op appears
                        val verdict = DslOracles.check(sample)
                        if (!verdict.passed) throw AssertionError(verdict.report(seed = 42))
                        if (sample.expr.nodes().any { it.kind == broken }) {
                            seen += sample
                            throw AssertionError("$broken is broken: ${sample.toKotlin()}")
                        }
                    }
                }
            }
            assertTrue(seen.size > 1, "$broken: no shrinking happened")
            val invalid = seen.filter { !Domains.valid(it) }
            assertTrue(invalid.isEmpty(), "$broken: shrunk out of the safe domain: $invalid")
            val last = seen.last()
            assertTrue(last.expr.size <= 4, "$broken: shrunk only to ${last.expr.size} nodes: $last")
            assertTrue(e.message!!.contains(last.toKotlin()), e.message)
        }
    }
}
