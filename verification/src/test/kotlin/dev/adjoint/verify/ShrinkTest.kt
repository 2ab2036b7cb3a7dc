package dev.adjoint.verify

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/** Shrinking finds small expressions, and the printer's Kotlin reads as users write it. */
class ShrinkTest {
    @Test
    fun greedyShrinkingReachesTheSmallestFailingExpression() {
        // the smallest failing expressions: tanh(x0), x0 / x0 or value(c) / x0, and t0 = x0 + x1 used twice
        // (or, when the candidates that stay in the safe domain allow no smaller, t0 = relu(x0) in t0 / (t0 + 0.5))
        val predicates = listOf<Triple<String, Int, (Sample) -> Boolean>>(
            Triple("contains tanh", 2) { s -> s.expr.nodes().any { it.kind == Op.TANH } },
            Triple("contains a division", 3) { s -> s.expr.nodes().any { it.kind == Op.DIV } },
            Triple("contains a shared node", 5) { s -> s.expr.hasSharedNodes },
        )
        for ((name, bound, fails) in predicates) {
            var found = 0
            for (seed in 0 until 300) {
                val s = Exprs.generate(kotlin.random.Random(seed), Shape.DAG, 4, 7)
                if (!fails(s)) continue
                found++
                val small = ExprShrinker.minimize(s) { fails(it) }
                assertTrue(small.expr.size <= bound, "$name: shrunk to ${small.expr.size} nodes: $small from $s")
            }
            assertTrue(found >= 20, "$name: only $found samples")
        }
    }

    @Test
    fun printsCompilableDslSource() {
        val x0 = Expr.Var(0)
        val x1 = Expr.Var(1)
        val prod = Expr.Binary(BinaryOp.MUL, x0, x1)
        val seed = Expr.Unary(UnaryOp.TANH, Expr.Binary(BinaryOp.ADD, prod, Expr.PowC(x0, 2.0)))
        assertEquals("tanh(x0 * x1 + x0.pow(2))", seed.toKotlin())
        val shared = Expr.Binary(BinaryOp.SUB, prod, Expr.Binary(BinaryOp.DIV, Expr.Const(2.5), prod))
        assertEquals("val t0 = x0 * x1\nt0 - 2.5 / t0", shared.toKotlin())
        assertEquals("-(x0 - x1) * (-1.5)", Expr.Binary(BinaryOp.MUL, Expr.Unary(UnaryOp.NEG, Expr.Binary(BinaryOp.SUB, x0, x1)), Expr.Const(-1.5)).toKotlin())
        assertEquals("x0 - (x1 + x0)", Expr.Binary(BinaryOp.SUB, x0, Expr.Binary(BinaryOp.ADD, x1, x0)).toKotlin())
        assertEquals("sum(listOf(x0, value(2.0))).pow(x1)", Expr.Binary(BinaryOp.POW, Expr.Sum(listOf(x0, Expr.Const(2.0))), x1).toKotlin())
        assertEquals("grad(1.5, -2.0) { (x0, x1) -> tanh(x0 * x1 + x0.pow(2)) }", Sample(seed, doubleArrayOf(1.5, -2.0)).toKotlin())
        assertEquals(6, seed.size, "tanh, +, *, pow, and x0 and x1 once each")
    }

    @Test
    fun unusedInputsAreDroppedEvenWhenNoneIsUsed() {
        // fails on 5aa73d2: a failure that shrinks to a constant kept every input, `grad(a, b, c) { sigmoid(value(1.0)) }`
        val constant = Sample(Expr.Unary(UnaryOp.SIGMOID, Expr.Const(1.0)), doubleArrayOf(0.5, -1.25, 2.0))
        val small = ExprShrinker.minimize(constant) { s -> s.expr.nodes().any { it.kind == Op.SIGMOID } }
        assertEquals("grad(0.5) { (x0) -> sigmoid(value(0.0)) }", small.toKotlin())
        val gap = Sample(Expr.Binary(BinaryOp.MUL, Expr.Var(2), Expr.Var(2)), doubleArrayOf(0.5, -1.25, 2.0))
        assertEquals("grad(2.0) { (x0) -> x0 * x0 }", ExprShrinker.minimize(gap) { s -> s.expr.nodes().any { it.kind == Op.MUL } }.toKotlin())
    }
}
