package dev.adjoint.verify

import dev.adjoint.Value
import java.util.IdentityHashMap
import kotlin.math.abs
import kotlin.math.cbrt
import kotlin.math.cosh
import kotlin.math.ln
import kotlin.math.max
import kotlin.math.sign

/** A value and its gradient with respect to every input. */
public class Gradient(public val value: Double, public val gradient: DoubleArray)

/** The evaluators of an [Expr]: each written on its own, so that they can check each other. */
public object Evaluate {
    /** Plain double arithmetic, with the same forward formulas the engine documents. */
    @JvmStatic
    public fun value(e: Expr, x: DoubleArray): Double = values(e, x)[e]!!

    /** The value of every node, by identity, in one pass over the nodes (operands first). */
    @JvmStatic
    public fun values(e: Expr, x: DoubleArray): Map<Expr, Double> {
        val v = IdentityHashMap<Expr, Double>()
        for (n in e.nodes()) {
            v[n] = when (n) {
                is Expr.Var -> x[n.index]
                is Expr.Const -> n.value
                is Expr.Unary -> unary(n.op, v[n.arg]!!)
                is Expr.PowC -> Math.pow(v[n.arg]!!, n.p)
                is Expr.Clamp -> clamp(v[n.arg]!!, n.lo, n.hi)
                is Expr.Binary -> binary(n.op, v[n.left]!!, v[n.right]!!)
                is Expr.Sum -> n.args.fold(0.0) { s, a -> s + v[a]!! }
                is Expr.Dot -> n.xs.indices.fold(0.0) { s, i -> s + v[n.xs[i]]!! * v[n.ws[i]]!! }
            }
        }
        return v
    }

    internal fun unary(op: UnaryOp, a: Double): Double = when (op) {
        UnaryOp.NEG -> -a
        UnaryOp.EXP -> Math.exp(a)
        UnaryOp.LOG -> Math.log(a)
        UnaryOp.SQRT -> Math.sqrt(a)
        UnaryOp.TANH -> Math.tanh(a)
        UnaryOp.SIGMOID -> 1.0 / (1.0 + Math.exp(-a))
        UnaryOp.RELU -> Math.max(a, 0.0)
        UnaryOp.SIN -> Math.sin(a)
        UnaryOp.COS -> Math.cos(a)
        UnaryOp.ABS -> Math.abs(a)
        UnaryOp.LOG1P -> Math.log1p(a)
        UnaryOp.EXPM1 -> Math.expm1(a)
        UnaryOp.TAN -> Math.tan(a)
        UnaryOp.ATAN -> Math.atan(a)
        UnaryOp.ASIN -> Math.asin(a)
        UnaryOp.ACOS -> Math.acos(a)
        UnaryOp.SINH -> Math.sinh(a)
        UnaryOp.COSH -> Math.cosh(a)
        UnaryOp.ERF -> erf(a)
        UnaryOp.SOFTPLUS -> if (a > 20) a else Math.log1p(Math.exp(a))
        UnaryOp.SOFTSIGN -> a / (1 + abs(a))
        UnaryOp.DETACH -> a
    }

    /**
     * erf's value is the engine's own (the JDK has none, and two correct erfs differ by an ulp or
     * two, which a later cancellation would blow past the value tolerance); EdgeConventionsTest holds
     * it to the C library's and TorchReferenceTest to PyTorch's. Its derivative here is independent.
     */
    internal fun erf(x: Double): Double = Value.of(x).erf().data()

    /** min(max(a, lo), hi). */
    internal fun clamp(a: Double, lo: Double, hi: Double): Double = Math.min(Math.max(a, lo), hi)

    internal fun binary(op: BinaryOp, a: Double, b: Double): Double = when (op) {
        BinaryOp.ADD -> a + b
        BinaryOp.SUB -> a - b
        BinaryOp.MUL -> a * b
        BinaryOp.DIV -> a / b
        BinaryOp.POW -> Math.pow(a, b)
        BinaryOp.MAX -> Math.max(a, b)
        BinaryOp.MIN -> Math.min(a, b)
        BinaryOp.ATAN2 -> Math.atan2(a, b)
        BinaryOp.HYPOT -> Math.sqrt(a * a + b * b)
    }

    /**
     * [e] with every detached node replaced by a constant, its value at [x]: the function whose
     * derivatives at [x] are [e]'s, as no gradient flows through `detach`. Finite differences
     * differentiate this one, so that a detached value stays where it was at [x] instead of moving
     * with the perturbed inputs.
     */
    @JvmStatic
    public fun held(e: Expr, x: DoubleArray): Expr {
        val detached = e.nodes().filter { it is Expr.Unary && it.op == UnaryOp.DETACH }
        if (detached.isEmpty()) return e
        val v = values(e, x)
        return Expr.replace(e, detached.associateWith { Expr.Const(v[it]!!) })
    }

    /** Builds [e] on the engine through its Java API, with one leaf per input. */
    @JvmStatic
    public fun javaGraph(e: Expr, leaves: List<Value>): Map<Expr, Value> {
        val memo = IdentityHashMap<Expr, Value>()
        fun g(n: Expr): Value = memo.getOrPut(n) {
            when (n) {
                is Expr.Var -> leaves[n.index]
                is Expr.Const -> Value.of(n.value)
                is Expr.Unary -> g(n.arg).let {
                    when (n.op) {
                        UnaryOp.NEG -> it.unaryMinus()
                        UnaryOp.EXP -> it.exp()
                        UnaryOp.LOG -> it.log()
                        UnaryOp.SQRT -> it.sqrt()
                        UnaryOp.TANH -> it.tanh()
                        UnaryOp.SIGMOID -> it.sigmoid()
                        UnaryOp.RELU -> it.relu()
                        UnaryOp.SIN -> it.sin()
                        UnaryOp.COS -> it.cos()
                        UnaryOp.ABS -> it.abs()
                        UnaryOp.LOG1P -> it.log1p()
                        UnaryOp.EXPM1 -> it.expm1()
                        UnaryOp.TAN -> it.tan()
                        UnaryOp.ATAN -> it.atan()
                        UnaryOp.ASIN -> it.asin()
                        UnaryOp.ACOS -> it.acos()
                        UnaryOp.SINH -> it.sinh()
                        UnaryOp.COSH -> it.cosh()
                        UnaryOp.ERF -> it.erf()
                        UnaryOp.SOFTPLUS -> it.softplus()
                        UnaryOp.SOFTSIGN -> Value.apply(UserPrimitives.SOFTSIGN, it)
                        UnaryOp.DETACH -> it.detach()
                    }
                }
                is Expr.PowC -> g(n.arg).pow(n.p)
                is Expr.Clamp -> g(n.arg).clamp(n.lo, n.hi)
                is Expr.Binary -> {
                    val l = n.left
                    val r = n.right
                    when {
                        n.op == BinaryOp.POW -> g(l).pow(g(r))
                        n.op == BinaryOp.MAX -> Value.max(g(l), g(r))
                        n.op == BinaryOp.MIN -> Value.min(g(l), g(r))
                        n.op == BinaryOp.ATAN2 -> Value.atan2(g(l), g(r))
                        n.op == BinaryOp.HYPOT -> Value.apply(UserPrimitives.HYPOT, g(l), g(r))
                        r is Expr.Const && l !is Expr.Const -> when (n.op) {
                            BinaryOp.ADD -> g(l).plus(r.value)
                            BinaryOp.SUB -> g(l).minus(r.value)
                            BinaryOp.MUL -> g(l).times(r.value)
                            BinaryOp.DIV -> g(l).div(r.value)
                            BinaryOp.POW, BinaryOp.MAX, BinaryOp.MIN, BinaryOp.ATAN2, BinaryOp.HYPOT -> error("handled above: ${n.op}")
                        }
                        else -> {
                            val a = if (l is Expr.Const) Value.of(l.value) else g(l)
                            val b = g(r)
                            when (n.op) {
                                BinaryOp.ADD -> a.plus(b)
                                BinaryOp.SUB -> a.minus(b)
                                BinaryOp.MUL -> a.times(b)
                                BinaryOp.DIV -> a.div(b)
                                BinaryOp.POW, BinaryOp.MAX, BinaryOp.MIN, BinaryOp.ATAN2, BinaryOp.HYPOT -> error("handled above: ${n.op}")
                            }
                        }
                    }
                }
                is Expr.Sum -> Value.sum(n.args.map(::g))
                is Expr.Dot -> Value.dot(n.xs.map(::g), n.ws.map(::g))
            }
        }
        g(e)
        return memo
    }

    /** Reverse mode through the Java API: one backward() from the root. */
    @JvmStatic
    public fun reverseJava(e: Expr, x: DoubleArray): Gradient = reverse(e, x, ::javaGraph)

    /** Reverse mode on the graph [build] makes of [e]: one backward() from the root. */
    @JvmStatic
    public fun reverse(e: Expr, x: DoubleArray, build: (Expr, List<Value>) -> Map<Expr, Value>): Gradient {
        val leaves = x.map { Value.of(it) }
        val out = build(e, leaves)[e]!!
        out.backward()
        return Gradient(out.data(), DoubleArray(x.size) { leaves[it].grad() })
    }

    /** Forward mode with [Dual] numbers: the whole gradient in one pass, and its terms' magnitudes. */
    @JvmStatic
    public fun forward(e: Expr, x: DoubleArray): Map<Expr, Dual> {
        val n = x.size
        val memo = IdentityHashMap<Expr, Dual>()
        fun d(node: Expr): Dual = memo.getOrPut(node) {
            when (node) {
                is Expr.Var -> Dual.variable(x[node.index], node.index, n)
                is Expr.Const -> Dual.constant(node.value, n)
                is Expr.Unary -> d(node.arg).apply(node.op)
                is Expr.PowC -> d(node.arg).pow(node.p)
                is Expr.Clamp -> d(node.arg).clamp(node.lo, node.hi)
                is Expr.Binary -> d(node.left).apply(node.op, d(node.right))
                is Expr.Sum -> node.args.fold(Dual.constant(0.0, n)) { s, a -> s + d(a) }
                is Expr.Dot -> node.xs.indices.map { d(node.xs[it]) * d(node.ws[it]) }
                    .fold(Dual.constant(0.0, n)) { s, a -> s + a }
            }
        }
        d(e)
        return memo
    }

    /**
     * Central finite differences of f along each coordinate with Richardson extrapolation: steps
     * h, h/2, h/4 with h = cbrt(ε)·max(1, |xᵢ|), and an error estimate from the extrapolation's
     * last correction plus the rounding of the differences.
     */
    @JvmStatic
    public fun finiteDifferences(f: (DoubleArray) -> Double, x: DoubleArray): Array<Estimate> = Array(x.size) { i ->
        val h = cbrt(Math.ulp(1.0)) * max(1.0, abs(x[i]))
        var scale = 0.0
        fun central(step: Double): Double {
            val up = x.copyOf().also { it[i] = x[i] + step }
            val down = x.copyOf().also { it[i] = x[i] - step }
            val fu = f(up)
            val fd = f(down)
            scale = max(scale, max(abs(fu), abs(fd)))
            val actual = up[i] - down[i] // the step as represented, not as intended
            return (fu - fd) / actual
        }
        val d1 = central(h)
        val d2 = central(h / 2)
        val d4 = central(h / 4)
        val r1 = (4 * d2 - d1) / 3
        val r2 = (4 * d4 - d2) / 3
        val r = (16 * r2 - r1) / 15
        val rounding = 4 * Math.ulp(1.0) * scale / (h / 4)
        Estimate(r, abs(r - r2) + rounding)
    }
}

/** A finite-difference derivative and a bound on its error. */
public class Estimate(public val value: Double, public val error: Double) {
    override fun toString(): String = "$value ± ${"%.1e".format(error)}"
}

/**
 * A dual number over n directions at once: a value, its gradient, and for each direction the
 * magnitude of the terms that were summed to make that derivative (what its rounding error scales
 * with). The derivative rules are written here from calculus, independently of the engine's rule
 * table.
 */
public class Dual private constructor(public val v: Double, public val d: DoubleArray, public val m: DoubleArray) {
    public companion object {
        public fun variable(v: Double, index: Int, n: Int): Dual =
            Dual(v, DoubleArray(n).also { it[index] = 1.0 }, DoubleArray(n).also { it[index] = 1.0 })

        public fun constant(v: Double, n: Int): Dual = Dual(v, DoubleArray(n), DoubleArray(n))
    }

    private fun map(value: Double, f: Double, termMagnitude: Double) =
        Dual(value, DoubleArray(d.size) { f * d[it] }, DoubleArray(d.size) { termMagnitude * m[it] })

    public operator fun plus(o: Dual): Dual = Dual(v + o.v, DoubleArray(d.size) { d[it] + o.d[it] }, DoubleArray(d.size) { m[it] + o.m[it] })

    public operator fun minus(o: Dual): Dual = Dual(v - o.v, DoubleArray(d.size) { d[it] - o.d[it] }, DoubleArray(d.size) { m[it] + o.m[it] })

    public operator fun times(o: Dual): Dual = Dual(v * o.v, DoubleArray(d.size) { d[it] * o.v + v * o.d[it] },
        DoubleArray(d.size) { m[it] * abs(o.v) + abs(v) * o.m[it] })

    public operator fun div(o: Dual): Dual {
        val b2 = o.v * o.v
        return Dual(v / o.v, DoubleArray(d.size) { (d[it] * o.v - v * o.d[it]) / b2 },
            DoubleArray(d.size) { (m[it] * abs(o.v) + abs(v) * o.m[it]) / b2 })
    }

    /** this^p for a constant p: d(a^p) = p·a^(p-1)·da, and 0 when p = 0. */
    public fun pow(p: Double): Dual {
        val f = if (p == 0.0) 0.0 else p * Math.pow(v, p - 1)
        return map(Math.pow(v, p), f, abs(f))
    }

    /** Clamped to [lo, hi]: the identity inside, a constant outside. */
    public fun clamp(lo: Double, hi: Double): Dual = if (v in lo..hi) this else map(Evaluate.clamp(v, lo, hi), 0.0, 0.0)

    public fun apply(op: UnaryOp): Dual = when (op) {
        UnaryOp.NEG -> map(-v, -1.0, 1.0)
        UnaryOp.EXP -> Math.exp(v).let { map(it, it, it) }
        UnaryOp.LOG -> map(Math.log(v), 1 / v, abs(1 / v))
        UnaryOp.SQRT -> Math.sqrt(v).let { map(it, 0.5 / it, 0.5 / it) }
        UnaryOp.TANH -> Math.tanh(v).let { y -> (1 / (cosh(v) * cosh(v))).let { map(y, it, 1 + y * y) } }
        UnaryOp.SIGMOID -> (1.0 / (1.0 + Math.exp(-v))).let { y ->
            val e = Math.exp(-abs(v))
            map(y, e / ((1 + e) * (1 + e)), abs(y) + y * y)
        }
        UnaryOp.RELU -> if (v > 0) map(v, 1.0, 1.0) else map(Math.max(v, 0.0), 0.0, 0.0)
        UnaryOp.SIN -> Math.cos(v).let { map(Math.sin(v), it, abs(it)) }
        UnaryOp.COS -> Math.sin(v).let { map(Math.cos(v), -it, abs(it)) }
        UnaryOp.ABS -> map(Math.abs(v), sign(v), 1.0)
        UnaryOp.LOG1P -> map(Math.log1p(v), 1 / (1 + v), abs(1 / (1 + v)))
        UnaryOp.EXPM1 -> Math.exp(v).let { map(Math.expm1(v), it, it) }
        UnaryOp.TAN -> Math.cos(v).let { c -> map(Math.tan(v), 1 / (c * c), 1 / (c * c)) }
        UnaryOp.ATAN -> map(Math.atan(v), 1 / (1 + v * v), 1 / (1 + v * v))
        UnaryOp.ASIN -> (1 / Math.sqrt(1 - v * v)).let { map(Math.asin(v), it, it) }
        UnaryOp.ACOS -> (1 / Math.sqrt(1 - v * v)).let { map(Math.acos(v), -it, it) }
        UnaryOp.SINH -> cosh(v).let { map(Math.sinh(v), it, it) }
        UnaryOp.COSH -> Math.sinh(v).let { map(cosh(v), it, abs(it)) }
        UnaryOp.ERF -> (2 / Math.sqrt(Math.PI) * Math.exp(-v * v)).let { map(Evaluate.erf(v), it, it) }
        UnaryOp.SOFTPLUS -> if (v > 20) map(v, 1.0, 1.0) else (1 / (1 + Math.exp(-v))).let { map(Math.log1p(Math.exp(v)), it, it) }
        UnaryOp.SOFTSIGN -> (1 / ((1 + abs(v)) * (1 + abs(v)))).let { map(v / (1 + abs(v)), it, it) }
        // no gradient flows through detach: its value is a constant to every derivative
        UnaryOp.DETACH -> map(v, 0.0, 0.0)
    }

    /** Half of each operand's derivative, at a tie of max or min. */
    private fun tie(o: Dual): Dual = Dual(v, DoubleArray(d.size) { d[it] / 2 + o.d[it] / 2 }, DoubleArray(d.size) { m[it] / 2 + o.m[it] / 2 })

    public fun apply(op: BinaryOp, o: Dual): Dual = when (op) {
        BinaryOp.ADD -> this + o
        BinaryOp.SUB -> this - o
        BinaryOp.MUL -> this * o
        BinaryOp.DIV -> this / o
        // PyTorch's maximum and minimum: at a tie each operand gets half
        BinaryOp.MAX -> if (v > o.v) this else if (v < o.v) o else tie(o)
        BinaryOp.MIN -> if (v < o.v) this else if (v > o.v) o else tie(o)
        BinaryOp.ATAN2 -> {
            // atan2(y, x): d = (x·dy - y·dx) / (x² + y²)
            val r2 = v * v + o.v * o.v
            Dual(Math.atan2(v, o.v), DoubleArray(d.size) { (o.v * d[it] - v * o.d[it]) / r2 },
                DoubleArray(d.size) { (abs(o.v) * m[it] + abs(v) * o.m[it]) / r2 })
        }
        BinaryOp.HYPOT -> {
            // √(a² + b²): d = (a·da + b·db) / r
            val r = Math.sqrt(v * v + o.v * o.v)
            Dual(r, DoubleArray(d.size) { (v * d[it] + o.v * o.d[it]) / r },
                DoubleArray(d.size) { (abs(v) * m[it] + abs(o.v) * o.m[it]) / r })
        }
        BinaryOp.POW -> {
            // a^b = e^(b ln a): d = a^b (ln a · db + b/a · da)
            val y = Math.pow(v, o.v)
            val la = ln(v)
            Dual(y, DoubleArray(d.size) { y * (la * o.d[it] + o.v / v * d[it]) },
                DoubleArray(d.size) { abs(y) * (abs(la) * o.m[it] + abs(o.v / v) * m[it]) })
        }
    }
}
