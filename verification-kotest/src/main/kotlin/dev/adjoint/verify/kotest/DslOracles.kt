package dev.adjoint.verify.kotest

import dev.adjoint.Value
import dev.adjoint.dsl.abs
import dev.adjoint.dsl.acos
import dev.adjoint.dsl.asin
import dev.adjoint.dsl.atan
import dev.adjoint.dsl.atan2
import dev.adjoint.dsl.clamp
import dev.adjoint.dsl.cos
import dev.adjoint.dsl.cosh
import dev.adjoint.dsl.detach
import dev.adjoint.dsl.erf
import dev.adjoint.dsl.expm1
import dev.adjoint.dsl.invoke
import dev.adjoint.dsl.log1p
import dev.adjoint.dsl.max
import dev.adjoint.dsl.min
import dev.adjoint.dsl.sinh
import dev.adjoint.dsl.softplus
import dev.adjoint.dsl.tan
import dev.adjoint.dsl.div
import dev.adjoint.dsl.dot
import dev.adjoint.dsl.exp
import dev.adjoint.dsl.ln
import dev.adjoint.dsl.minus
import dev.adjoint.dsl.plus
import dev.adjoint.dsl.pow
import dev.adjoint.dsl.relu
import dev.adjoint.dsl.sigmoid
import dev.adjoint.dsl.sin
import dev.adjoint.dsl.sqrt
import dev.adjoint.dsl.sum
import dev.adjoint.dsl.tanh
import dev.adjoint.dsl.times
import dev.adjoint.dsl.value
import dev.adjoint.verify.BinaryOp
import dev.adjoint.verify.Evaluate
import dev.adjoint.verify.Expr
import dev.adjoint.verify.Gradient
import dev.adjoint.verify.Oracles
import dev.adjoint.verify.ReversePath
import dev.adjoint.verify.Sample
import dev.adjoint.verify.UnaryOp
import dev.adjoint.verify.UserPrimitives
import dev.adjoint.verify.Verdict
import java.util.IdentityHashMap

/**
 * The oracles of `dev.adjoint.verify.Oracles` with one more reverse-mode path: the expression
 * built through the Kotlin DSL's operators and functions, which must equal the Java API bitwise.
 * Stateless and thread-safe.
 */
public object DslOracles {
    /** The Kotlin DSL as a [ReversePath]. */
    @JvmField
    public val DSL: ReversePath = ReversePath { e, x -> Evaluate.reverse(e, x, ::dslGraph) }

    /** Every oracle of [Oracles.check], the DSL included. */
    @JvmStatic
    @JvmOverloads
    public fun check(s: Sample, tol: Oracles.Tolerances = Oracles.Tolerances()): Verdict = Oracles.check(s, tol, mapOf("the DSL" to DSL))

    /** Builds [e] on the engine through the Kotlin DSL's operators and functions. */
    @JvmStatic
    public fun dslGraph(e: Expr, leaves: List<Value>): Map<Expr, Value> {
        val memo = IdentityHashMap<Expr, Value>()
        fun g(n: Expr): Value = memo.getOrPut(n) {
            when (n) {
                is Expr.Var -> leaves[n.index]
                is Expr.Const -> value(n.value)
                is Expr.Unary -> g(n.arg).let {
                    when (n.op) {
                        UnaryOp.NEG -> -it
                        UnaryOp.EXP -> exp(it)
                        UnaryOp.LOG -> ln(it)
                        UnaryOp.SQRT -> sqrt(it)
                        UnaryOp.TANH -> tanh(it)
                        UnaryOp.SIGMOID -> sigmoid(it)
                        UnaryOp.RELU -> relu(it)
                        UnaryOp.SIN -> sin(it)
                        UnaryOp.COS -> cos(it)
                        UnaryOp.ABS -> abs(it)
                        UnaryOp.LOG1P -> log1p(it)
                        UnaryOp.EXPM1 -> expm1(it)
                        UnaryOp.TAN -> tan(it)
                        UnaryOp.ATAN -> atan(it)
                        UnaryOp.ASIN -> asin(it)
                        UnaryOp.ACOS -> acos(it)
                        UnaryOp.SINH -> sinh(it)
                        UnaryOp.COSH -> cosh(it)
                        UnaryOp.ERF -> erf(it)
                        UnaryOp.SOFTPLUS -> softplus(it)
                        UnaryOp.SOFTSIGN -> UserPrimitives.SOFTSIGN(it)
                        UnaryOp.DETACH -> detach(it)
                    }
                }
                is Expr.PowC -> g(n.arg) pow n.p
                is Expr.Clamp -> clamp(g(n.arg), n.lo, n.hi)
                is Expr.Binary -> {
                    val l = n.left
                    val r = n.right
                    when {
                        n.op == BinaryOp.POW -> g(l) pow g(r)
                        n.op == BinaryOp.MAX -> max(g(l), g(r))
                        n.op == BinaryOp.MIN -> min(g(l), g(r))
                        n.op == BinaryOp.ATAN2 -> atan2(g(l), g(r))
                        n.op == BinaryOp.HYPOT -> UserPrimitives.HYPOT(g(l), g(r))
                        r is Expr.Const && l !is Expr.Const -> when (n.op) {
                            BinaryOp.ADD -> g(l) + r.value
                            BinaryOp.SUB -> g(l) - r.value
                            BinaryOp.MUL -> g(l) * r.value
                            BinaryOp.DIV -> g(l) / r.value
                            BinaryOp.POW, BinaryOp.MAX, BinaryOp.MIN, BinaryOp.ATAN2, BinaryOp.HYPOT -> error("handled above: ${n.op}")
                        }
                        l is Expr.Const && r !is Expr.Const -> when (n.op) {
                            BinaryOp.ADD -> l.value + g(r)
                            BinaryOp.SUB -> l.value - g(r)
                            BinaryOp.MUL -> l.value * g(r)
                            BinaryOp.DIV -> l.value / g(r)
                            BinaryOp.POW, BinaryOp.MAX, BinaryOp.MIN, BinaryOp.ATAN2, BinaryOp.HYPOT -> error("handled above: ${n.op}")
                        }
                        else -> {
                            val a = if (l is Expr.Const) value(l.value) else g(l)
                            val b = g(r)
                            when (n.op) {
                                BinaryOp.ADD -> a + b
                                BinaryOp.SUB -> a - b
                                BinaryOp.MUL -> a * b
                                BinaryOp.DIV -> a / b
                                BinaryOp.POW, BinaryOp.MAX, BinaryOp.MIN, BinaryOp.ATAN2, BinaryOp.HYPOT -> error("handled above: ${n.op}")
                            }
                        }
                    }
                }
                is Expr.Sum -> sum(n.args.map(::g))
                is Expr.Dot -> dot(n.xs.map(::g), n.ws.map(::g))
            }
        }
        g(e)
        return memo
    }
}
