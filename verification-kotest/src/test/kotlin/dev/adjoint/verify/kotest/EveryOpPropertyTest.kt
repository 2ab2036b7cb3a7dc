package dev.adjoint.verify.kotest

import dev.adjoint.verify.BinaryOp
import dev.adjoint.verify.Domains
import dev.adjoint.verify.ExprShrinker
import dev.adjoint.verify.Exprs
import dev.adjoint.verify.Expr
import dev.adjoint.verify.Op
import dev.adjoint.verify.Oracles
import dev.adjoint.verify.Sample
import dev.adjoint.verify.Shape
import dev.adjoint.verify.UnaryOp
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.TestFactory
import kotlin.math.round
import kotlin.random.Random

/**
 * Every op of the registry's view ([Op]) as the root of small random expressions, a fixed number
 * of valid samples each, through the first-order oracles (graph, DSL, forward mode, finite
 * differences, tapes replayed at new points, batch tapes with shared operands) and the
 * second-order ones (Hessian-vector products against differences of the gradient, tapes' `hvp`).
 * The random expressions of [ThreeWayPropertyTest] reach every op too, but a rare op's second
 * derivatives only a few times per run; here each op's every column runs on operands that are
 * variables (both sides the same one, too), products of variables (cross second derivatives) and
 * small random subexpressions.
 *
 * `-Dadjoint.verify.perOp=N` sets the valid samples per op (default 40).
 */
class EveryOpPropertyTest {
    private val perOp = System.getProperty("adjoint.verify.perOp")?.toInt() ?: 40
    private val seed = System.getProperty("adjoint.verify.seed")?.toLong() ?: 20261130L

    @TestFactory
    fun everyOpAtTheRoot(): List<DynamicTest> = Op.entries.map { op ->
        DynamicTest.dynamicTest(op.name) {
            val rnd = Random(seed + op.ordinal)
            var valid = 0
            var tries = 0
            while (valid < perOp) {
                assertTrue(++tries <= 50 * perOp, "$op: only $valid valid samples in ${tries - 1} tries")
                val s = sample(op, rnd) ?: continue
                valid++
                val first = DslOracles.check(s, Oracles.Tolerances(compiled = false))
                if (!first.passed) fail(s, "first order") { c -> !DslOracles.check(c, Oracles.Tolerances(compiled = false)).passed }
                if (!Oracles.checkSecondOrder(s).passed) fail(s, "second order") { c -> !Oracles.checkSecondOrder(c).passed }
            }
        }
    }

    /** Shrinks [s] while it still fails and throws the smallest one's report. */
    private fun fail(s: Sample, what: String, fails: (Sample) -> Boolean): Nothing {
        val small = ExprShrinker.minimize(s) { c -> Domains.valid(c) && fails(c) }
        val verdict = if (what == "first order") DslOracles.check(small, Oracles.Tolerances(compiled = false)) else Oracles.checkSecondOrder(small)
        throw AssertionError("\n$what, seed $seed:\n" + verdict.report(seed) + "\n(shrunk from ${s.expr.size} nodes: $s)")
    }

    /** A sample whose root is [op], at a random point; null when the point is outside the safe domains. */
    private fun sample(op: Op, rnd: Random): Sample? {
        val n = rnd.nextInt(1, 4)
        val x = DoubleArray(n) { round(rnd.nextDouble(-2.0, 2.0) * 1e6) / 1e6 }
        fun v() = Expr.Var(rnd.nextInt(n))
        fun operand(): Expr = when (rnd.nextInt(5)) {
            0, 1 -> v()
            2 -> Expr.Binary(BinaryOp.MUL, v(), v())
            3 -> Expr.Const(round(rnd.nextDouble(-3.0, 3.0) * 4) / 4)
            // a small random subexpression over the same variables
            else -> Exprs.sample(rnd.nextLong(), Shape.MIXED, n, 2).expr.takeIf { e -> e.variables.all { it < n } } ?: v()
        }
        fun pair(): Pair<Expr, Expr> {
            val a = operand()
            return a to (if (rnd.nextInt(4) == 0) a else operand())
        }
        val e: Expr = when (op) {
            Op.POWC -> Expr.PowC(operand(), POWERS[rnd.nextInt(POWERS.size)])
            Op.CLAMP_MIN -> Expr.Clamp(operand(), round(rnd.nextDouble(-2.0, 2.0) * 4) / 4, Double.POSITIVE_INFINITY)
            Op.CLAMP_MAX -> Expr.Clamp(operand(), Double.NEGATIVE_INFINITY, round(rnd.nextDouble(-2.0, 2.0) * 4) / 4)
            Op.SUM -> {
                val args = ArrayList<Expr>()
                repeat(rnd.nextInt(1, 5)) { args += if (args.isNotEmpty() && rnd.nextInt(4) == 0) args[rnd.nextInt(args.size)] else operand() }
                Expr.Sum(args)
            }
            Op.DOT -> {
                val k = rnd.nextInt(1, 4)
                val xs = List(k) { operand() }
                // a weight is sometimes one of the xs: one node on both sides
                val ws = List(k) { if (rnd.nextInt(4) == 0) xs[rnd.nextInt(k)] else operand() }
                Expr.Dot(xs, ws)
            }
            else -> {
                val unary = UnaryOp.entries.firstOrNull { it.kind == op }
                if (unary != null) Expr.Unary(unary, operand())
                else pair().let { (a, b) -> Expr.Binary(BinaryOp.entries.first { it.kind == op }, a, b) }
            }
        }
        val s = Sample(e, x)
        return if (e.kind == op && Domains.valid(s)) s else null
    }

    private companion object {
        val POWERS = doubleArrayOf(2.0, 3.0, -1.0, 0.5, 1.5, -2.0, -0.5, 0.0, 1.0)
    }
}
