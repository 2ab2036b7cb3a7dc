package dev.adjoint.verify.kotest

import dev.adjoint.verify.Op
import dev.adjoint.verify.Shape
import io.kotest.property.PropTestConfig
import io.kotest.property.checkAll
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/** Kotest shrinks a failing property through the verification module's shrinker. */
class KotestShrinkTest {
    @Test
    fun kotestShrinksAFailingPropertyThroughOurShrinker() {
        val e = assertThrows<AssertionError> {
            runBlocking {
                checkAll(PropTestConfig(seed = 7, iterations = 2000), ExprArbs.samples(Shape.TREE)) { s ->
                    if (s.expr.nodes().any { it.kind == Op.COS }) throw AssertionError("has cos: ${s.expr.size} nodes")
                }
            }
        }
        assertTrue(e.message!!.contains("has cos: 2 nodes") || e.message!!.contains("has cos: 1 nodes"), e.message)
    }
}
