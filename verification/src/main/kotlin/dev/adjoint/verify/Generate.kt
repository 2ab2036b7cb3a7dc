package dev.adjoint.verify

import java.util.IdentityHashMap
import java.util.function.Predicate
import java.util.stream.LongStream
import java.util.stream.Stream
import kotlin.math.abs
import kotlin.math.round
import kotlin.random.Random

/** Trees (no shared nodes), DAGs (intermediate nodes shared between several users), or either, half each. */
public enum class Shape { TREE, DAG, MIXED }

/**
 * An expression and the point to differentiate it at. Inputs are printed as exact hex floats in
 * reports; [toString] gives compilable Kotlin DSL source.
 */
public class Sample(public val expr: Expr, public val inputs: DoubleArray) {
    /** `grad(x0, x1, ...) { (x0, x1, ...) -> body }`, after `val softsign = ...` lines for the users' primitives it applies: compilable as printed with `import dev.adjoint.dsl.*` (PrintedSourcesCompileTest). */
    public fun toKotlin(): String {
        val args = inputs.joinToString { it.toString() }
        val names = inputs.indices.joinToString { "x$it" }
        val body = expr.toKotlin()
        // the users' primitives it applies, defined first so that the source compiles as printed
        val used = expr.nodes().mapNotNull { it.kind }.toSet()
        val primitives = listOf(Op.SOFTSIGN to "val softsign = dev.adjoint.verify.UserPrimitives.SOFTSIGN",
            Op.HYPOT to "val hypot = dev.adjoint.verify.UserPrimitives.HYPOT").filter { it.first in used }.joinToString("") { it.second + "\n" }
        return primitives + if ('\n' in body) "grad($args) { ($names) ->\n" + body.prependIndent("    ") + "\n}"
        else "grad($args) { ($names) -> $body }"
    }

    /** The inputs as exact hex floats, `x0 = 0x1.8p1 (3.0)`. */
    public fun inputsHex(): String = inputs.withIndex().joinToString { (i, v) -> "x$i = ${java.lang.Double.toHexString(v)} ($v)" }

    override fun toString(): String = toKotlin()
}

/**
 * Domains every generated sample respects at its point, built in by construction: arguments of
 * log, sqrt, fractional and negative powers and divisors stay at least [DOMAIN_MARGIN] away from
 * where they stop being defined; arguments of relu and abs at least [KINK_MARGIN] away from their
 * kink; no intermediate value is larger than [MAX_MAGNITUDE].
 */
public object Domains {
    public const val DOMAIN_MARGIN: Double = 0.1
    public const val KINK_MARGIN: Double = 0.05
    public const val MAX_MAGNITUDE: Double = 50.0

    /** erf's argument stays within ±1.5: beyond, erf saturates towards ±1. */
    public const val ERF_LIMIT: Double = 1.5

    /** Whether every node of the sample is inside its domain at the sample's point. */
    @JvmStatic
    public fun valid(s: Sample): Boolean {
        if (s.expr.variables.any { it >= s.inputs.size }) return false
        val v = Evaluate.values(s.expr, s.inputs)
        for (n in s.expr.nodes()) {
            val y = v[n]!!
            if (!y.isFinite() || abs(y) > 1e6) return false
            when (n) {
                is Expr.Unary -> {
                    val a = v[n.arg]!!
                    when (n.op) {
                        UnaryOp.LOG, UnaryOp.SQRT -> if (a < DOMAIN_MARGIN) return false
                        UnaryOp.RELU, UnaryOp.ABS -> if (nearKink(a, 0.0)) return false
                        UnaryOp.LOG1P -> if (a < -1 + DOMAIN_MARGIN) return false
                        UnaryOp.ASIN, UnaryOp.ACOS -> if (abs(a) > 1 - DOMAIN_MARGIN) return false
                        UnaryOp.TAN -> if (abs(Math.cos(a)) < DOMAIN_MARGIN) return false
                        UnaryOp.ERF -> if (abs(a) > ERF_LIMIT) return false
                        UnaryOp.SOFTPLUS -> if (abs(a - 20) < KINK_MARGIN) return false
                        UnaryOp.SOFTSIGN -> if (abs(a) < KINK_MARGIN) return false
                        UnaryOp.NEG, UnaryOp.EXP, UnaryOp.TANH, UnaryOp.SIGMOID, UnaryOp.SIN, UnaryOp.COS, UnaryOp.EXPM1,
                        UnaryOp.ATAN, UnaryOp.SINH, UnaryOp.COSH, UnaryOp.DETACH -> {}
                    }
                }
                is Expr.Clamp -> {
                    val a = v[n.arg]!!
                    if (nearKink(a, n.lo) || nearKink(a, n.hi)) return false
                }
                is Expr.PowC -> {
                    val a = v[n.arg]!!
                    if (n.p != Math.rint(n.p) && a < DOMAIN_MARGIN) return false
                    if (n.p < 0 && abs(a) < DOMAIN_MARGIN) return false
                }
                is Expr.Binary -> {
                    if (n.op == BinaryOp.DIV && abs(v[n.right]!!) < DOMAIN_MARGIN) return false
                    if (n.op == BinaryOp.POW && v[n.left]!! < DOMAIN_MARGIN) return false
                    val l = v[n.left]!!
                    val r = v[n.right]!!
                    if ((n.op == BinaryOp.MAX || n.op == BinaryOp.MIN) && nearKink(l, r)) return false
                    // atan2: away from the origin and from its branch cut (y = 0, x < 0)
                    if (n.op == BinaryOp.ATAN2 && (l * l + r * r < DOMAIN_MARGIN * DOMAIN_MARGIN || r < 0 && abs(l) < KINK_MARGIN)) return false
                    if (n.op == BinaryOp.HYPOT && l * l + r * r < DOMAIN_MARGIN * DOMAIN_MARGIN) return false
                }
                else -> {}
            }
        }
        return true
    }

    /** Near a kink but not exactly on it: exactly on it, the engine follows PyTorch's convention there. */
    private fun nearKink(a: Double, kink: Double) = abs(a - kink) < KINK_MARGIN && a != kink

    /**
     * Whether some node of the sample is exactly at a kink at the sample's point: relu or abs of 0,
     * clamp at its bound, max or min at a tie. There the derivatives are PyTorch's conventions
     * (relu'(0) = 0, abs'(0) = 0, clamp passes the gradient at its bound, a tie halves it), which
     * dual numbers follow and finite differences cannot see.
     */
    @JvmStatic
    public fun atKink(s: Sample): Boolean {
        val v = Evaluate.values(s.expr, s.inputs)
        return s.expr.nodes().any { n ->
            when (n) {
                is Expr.Unary -> (n.op == UnaryOp.RELU || n.op == UnaryOp.ABS) && v[n.arg]!! == 0.0
                is Expr.Clamp -> v[n.arg]!! == n.lo || v[n.arg]!! == n.hi
                is Expr.Binary -> (n.op == BinaryOp.MAX || n.op == BinaryOp.MIN) && v[n.left]!! == v[n.right]!!
                else -> false
            }
        }
    }
}

/**
 * Random expressions with safe domains, from a plain seeded random number generator: the one
 * generator behind the JUnit 5 source ([RandomExpressions]), the Java stream ([stream]) and the
 * Kotest `Arb`s of `verification-kotest`. Sample k of seed s is the same everywhere.
 */
public object Exprs {
    /**
     * [count] samples of the given shape with 1 to [maxVars]
     * variables, inputs in [-2, 2] and at most [maxDepth] levels of operations, sample k drawn
     * from `Random(seed + k)`; every sample is valid by construction ([Domains.valid]). For a JUnit 5
     * `@MethodSource`: `static Stream<Sample> expressions() { return Exprs.stream(42, 500, Shape.DAG); }`.
     */
    @JvmStatic
    @JvmOverloads
    public fun stream(seed: Long, count: Int, shape: Shape = Shape.MIXED, maxVars: Int = 4, maxDepth: Int = 6): Stream<Sample> {
        require(count >= 0) { "stream: count must be non-negative, was $count" }
        checkBounds(maxVars, maxDepth)
        return LongStream.range(0, count.toLong()).mapToObj { k -> sample(seed + k, shape, maxVars, maxDepth) }
    }

    /** The sample `stream(seed, ...)` yields first: one draw from `Random(seed)`. */
    @JvmStatic
    @JvmOverloads
    public fun sample(seed: Long, shape: Shape = Shape.MIXED, maxVars: Int = 4, maxDepth: Int = 6): Sample =
        generate(Random(seed), shape, maxVars, maxDepth)

    /** Throws [IllegalArgumentException] naming the bad bound. */
    @JvmStatic
    public fun checkBounds(maxVars: Int, maxDepth: Int) {
        require(maxVars >= 1) { "samples: maxVars must be at least 1, was $maxVars" }
        require(maxDepth >= 1) { "samples: maxDepth must be at least 1, was $maxDepth" }
    }

    /** One sample from [random]. */
    @JvmStatic
    public fun generate(random: Random, shape: Shape, maxVars: Int, maxDepth: Int): Sample {
        if (shape == Shape.MIXED) return generate(random, if (random.nextBoolean()) Shape.DAG else Shape.TREE, maxVars, maxDepth)
        val n = random.nextInt(1, maxVars + 1)
        val x = DoubleArray(n) { round(random.nextDouble(-2.0, 2.0) * 1e6) / 1e6 }
        val depth = random.nextInt(1, maxDepth + 1)
        val root = Builder(random, x, shape).node(depth, top = true)
        return Sample(root.e, x)
    }

    /** A node and its value at the sample's point. */
    private class N(val e: Expr, val v: Double)

    private class Builder(val rnd: Random, val x: DoubleArray, val shape: Shape) {
        val pool = ArrayList<N>()

        fun node(depth: Int, top: Boolean = false): N {
            if (!top && (depth <= 0 || rnd.nextDouble() < 0.15)) return leaf()
            if (shape == Shape.DAG && !top && pool.isNotEmpty() && rnd.nextDouble() < 0.8) return pool[rnd.nextInt(pool.size)]
            val made = bounded(op(Op.entries[rnd.nextInt(Op.entries.size)], depth - 1))
            pool += made
            return made
        }

        fun leaf(): N = if (rnd.nextDouble() < 0.8) {
            val i = rnd.nextInt(x.size)
            N(Expr.Var(i), x[i])
        } else {
            constant(round(rnd.nextDouble(-3.0, 3.0) * 4) / 4)
        }

        fun constant(c: Double) = N(Expr.Const(c), c)

        fun op(op: Op, d: Int): N = when (op) {
            Op.ADD, Op.SUB, Op.MUL -> binary(BinaryOp.entries.first { it.kind == op }, node(d), node(d))
            Op.DIV -> binary(BinaryOp.DIV, node(d), awayFromZero(node(d)))
            Op.POW -> {
                val base = positive(node(d))
                var e = node(d)
                if (abs(e.v) > 3) e = unary(UnaryOp.SIN, e)
                binary(BinaryOp.POW, base, e)
            }
            Op.POWC -> {
                val p = POWERS[rnd.nextInt(POWERS.size)]
                var a = node(d)
                if (p != Math.rint(p)) a = positive(a) else if (p < 0) a = awayFromZero(a)
                N(Expr.PowC(a.e, p), Math.pow(a.v, p))
            }
            Op.CLAMP_MIN, Op.CLAMP_MAX -> (if (rnd.nextDouble() < KINKS) variable() else node(d)).let { a ->
                // the bound 1/4 or 3/4 from the operand, on either side: clamped or passed through;
                // or, for a variable, exactly at its value (the kink, where the gradient passes)
                val bound = if (a.e is Expr.Var) a.v else round(a.v * 4) / 4 + OFFSETS[rnd.nextInt(OFFSETS.size)]
                val lo = if (op == Op.CLAMP_MIN) bound else Double.NEGATIVE_INFINITY
                val hi = if (op == Op.CLAMP_MAX) bound else Double.POSITIVE_INFINITY
                N(Expr.Clamp(a.e, lo, hi), Evaluate.clamp(a.v, lo, hi))
            }
            Op.NEG -> unary(UnaryOp.NEG, node(d))
            Op.EXP -> node(d).let { unary(UnaryOp.EXP, if (it.v > 3) unary(UnaryOp.SIN, it) else it) }
            Op.LOG -> unary(UnaryOp.LOG, positive(node(d)))
            Op.SQRT -> unary(UnaryOp.SQRT, positive(node(d)))
            Op.TANH -> unary(UnaryOp.TANH, node(d))
            Op.SIGMOID -> unary(UnaryOp.SIGMOID, node(d))
            Op.SIN -> unary(UnaryOp.SIN, node(d))
            Op.COS -> unary(UnaryOp.COS, node(d))
            Op.RELU, Op.ABS -> unary(if (op == Op.RELU) UnaryOp.RELU else UnaryOp.ABS, if (rnd.nextDouble() < KINKS) zero() else offKink(node(d)))
            Op.LOG1P -> unary(UnaryOp.LOG1P, positive(node(d)))
            Op.EXPM1 -> unary(UnaryOp.EXPM1, small(node(d)))
            Op.TAN -> unary(UnaryOp.TAN, binary(BinaryOp.MUL, unary(UnaryOp.TANH, node(d)), constant(1.25)))
            Op.ATAN -> unary(UnaryOp.ATAN, node(d))
            Op.ASIN -> unary(UnaryOp.ASIN, binary(BinaryOp.MUL, unary(UnaryOp.TANH, node(d)), constant(0.75)))
            Op.ACOS -> unary(UnaryOp.ACOS, binary(BinaryOp.MUL, unary(UnaryOp.TANH, node(d)), constant(0.75)))
            Op.SINH -> unary(UnaryOp.SINH, small(node(d)))
            Op.COSH -> unary(UnaryOp.COSH, small(node(d)))
            Op.ERF -> node(d).let { unary(UnaryOp.ERF, if (abs(it.v) > Domains.ERF_LIMIT) unary(UnaryOp.SIN, it) else it) }
            Op.SOFTPLUS -> unary(UnaryOp.SOFTPLUS, node(d))
            Op.MAX, Op.MIN -> if (rnd.nextDouble() < KINKS) tie(op, d) else node(d).let { a ->
                var b = node(d)
                // away from the tie: a constant at least 3/8 from a (shifting b by one could share it)
                if (abs(a.v - b.v) < Domains.KINK_MARGIN * 2) b = constant(round((a.v + 0.5) * 4) / 4)
                binary(BinaryOp.entries.first { it.kind == op }, a, b)
            }
            Op.SOFTSIGN -> unary(UnaryOp.SOFTSIGN, offKink(node(d)))
            Op.HYPOT -> binary(BinaryOp.HYPOT, node(d), awayFromZero(node(d)))
            Op.ATAN2 -> node(d).let { y ->
                // x > 0 keeps away from the origin and from the branch cut
                val x = positive(node(d))
                binary(BinaryOp.ATAN2, y, x)
            }
            // in DAGs, half the time a node times its detached self (value a², gradient a·da), the way
            // detach is used: beside the very node it stops the gradient of
            Op.DETACH -> node(d).let { a -> if (shape == Shape.DAG && rnd.nextBoolean()) binary(BinaryOp.MUL, a, unary(UnaryOp.DETACH, a)) else unary(UnaryOp.DETACH, a) }
            Op.SUM -> List(rnd.nextInt(1, 5)) { node(d) }.let { ns -> N(Expr.Sum(ns.map { it.e }), ns.fold(0.0) { s, n -> s + n.v }) }
            Op.DOT -> {
                val k = rnd.nextInt(1, 4)
                val xs = List(k) { node(d) }
                val ws = List(k) { node(d) }
                N(Expr.Dot(xs.map { it.e }, ws.map { it.e }), xs.indices.fold(0.0) { s, i -> s + xs[i].v * ws[i].v })
            }
        }

        fun variable(): N = rnd.nextInt(x.size).let { N(Expr.Var(it), x[it]) }

        /** xᵢ - xᵢ's value: exactly 0 in every evaluator (relu's and abs's kink). */
        fun zero(): N = variable().let { binary(BinaryOp.SUB, it, constant(it.v)) }

        /**
         * max or min at a tie in every evaluator: of a variable and a constant equal to it, either
         * way round; or, in DAGs, half the time of a node and itself (each side gets half).
         */
        fun tie(op: Op, d: Int): N {
            val kind = BinaryOp.entries.first { it.kind == op }
            if (shape == Shape.DAG && rnd.nextBoolean()) return node(d).let { binary(kind, it, it) }
            val a = variable()
            val b = constant(a.v)
            return if (rnd.nextBoolean()) binary(kind, a, b) else binary(kind, b, a)
        }

        fun unary(op: UnaryOp, a: N) = N(Expr.Unary(op, a.e), Evaluate.unary(op, a.v))

        /** With a constant operand on one side only, as users write `x * 2.0`. */
        fun binary(op: BinaryOp, a: N, b: N) = N(Expr.Binary(op, a.e, b.e), Evaluate.binary(op, a.v, b.v))

        /** a if a ≥ margin, else a² + c with c in [0.25, 2]: smooth and positive. */
        fun positive(a: N): N {
            if (a.v >= Domains.DOMAIN_MARGIN * 2) return a
            val c = (1 + rnd.nextInt(8)) / 4.0
            return binary(BinaryOp.ADD, N(Expr.PowC(a.e, 2.0), a.v * a.v), constant(c))
        }

        fun awayFromZero(a: N): N = if (abs(a.v) >= Domains.DOMAIN_MARGIN * 2) a else positive(a)

        /** a shifted by ±0.5 when it is near the kink at 0. */
        fun offKink(a: N): N =
            if (abs(a.v) >= Domains.KINK_MARGIN * 2) a else binary(BinaryOp.ADD, a, constant(if (a.v >= 0) 0.5 else -0.5))

        /** a, or sin(a) when |a| > 3 (for functions that grow fast or saturate). */
        fun small(a: N): N = if (abs(a.v) <= 3) a else unary(UnaryOp.SIN, a)

        /** Squashes a node whose value grew past the bound. */
        fun bounded(a: N): N = if (abs(a.v) <= Domains.MAX_MAGNITUDE) a else unary(UnaryOp.TANH, a)
    }

    /** How often relu, abs, clamp, max and min are generated exactly at their kink or tie. */
    private const val KINKS = 0.15

    private val OFFSETS = doubleArrayOf(-0.75, -0.375, 0.375, 0.75)

    private val POWERS = doubleArrayOf(2.0, 3.0, -1.0, 0.5, 1.5, -2.0, -0.5, 0.0)
}

/**
 * Shrinks a failing sample towards the smallest expression that still fails: the root replaced by
 * one of its operands; any inner node replaced (everywhere it is used) by one of its operands, by
 * a variable, or by a constant; a sum or dot product with one operand (pair) fewer; equal constants merged; constants simplified towards 0, 1 and round numbers; unused
 * inputs dropped and the others renumbered. Every candidate is strictly simpler, so shrinking ends, and inside the
 * safe domains ([Domains.valid]), so a shrunk failure is never one a correct engine would have too.
 */
public object ExprShrinker {
    /**
     * Greedy shrinking: while some candidate of [shrink] still [fails], move to the first such; the
     * last sample that failed is returned ([start] itself when no candidate fails).
     */
    @JvmStatic
    public fun minimize(start: Sample, fails: Predicate<Sample>): Sample {
        var s = start
        while (true) s = shrink(s).firstOrNull { fails.test(it) } ?: return s
    }

    /** The candidates one step simpler than [value], most promising first. */
    @JvmStatic
    public fun shrink(value: Sample): List<Sample> {
        val e = value.expr
        val x = value.inputs
        val out = ArrayList<Sample>()
        fun add(candidate: Expr) {
            if (!(candidate.size < e.size || (candidate.size == e.size && simpler(candidate, e)))) return
            val c = Sample(candidate, x)
            if (Domains.valid(c)) out += c
        }
        e.children.forEach(::add)
        val inner = e.nodes().filter { it.children.isNotEmpty() }.sortedByDescending { it.size }
        for (n in inner) {
            if (n === e) continue
            for (c in n.children.distinctBy { System.identityHashCode(it) }) add(Expr.replace(e, mapOf(n to c)))
        }
        for (n in inner) {
            if (n is Expr.Sum && n.args.size > 1) {
                for (k in n.args.indices) add(Expr.replace(e, mapOf(n to Expr.Sum(n.args.filterIndexed { i, _ -> i != k }))))
            }
            if (n is Expr.Dot && n.xs.size > 1) {
                for (k in n.xs.indices) {
                    add(Expr.replace(e, mapOf(n to Expr.Dot(n.xs.filterIndexed { i, _ -> i != k }, n.ws.filterIndexed { i, _ -> i != k }))))
                }
            }
        }
        for (n in inner) {
            for (i in e.variables) add(Expr.replace(e, mapOf(n to Expr.Var(i))))
            add(Expr.replace(e, mapOf(n to Expr.Const(1.0))))
        }
        val constants = e.nodes().filterIsInstance<Expr.Const>()
        for (c in constants) {
            for (s in simplerConstants(c.value)) add(Expr.replace(e, mapOf(c to Expr.Const(s))))
        }
        // equal constants merged into one node
        val firsts = constants.groupBy { it.value.toRawBits() }.values.filter { it.size > 1 }
        if (firsts.isNotEmpty()) add(Expr.replace(e, firsts.flatMap { same -> same.drop(1).map { it to same[0] } }.toMap()))
        // trailing unused inputs dropped; an expression that uses none keeps one (grad needs an input)
        val keep = maxOf((e.variables.maxOrNull() ?: -1) + 1, 1)
        if (keep < x.size) out += Sample(e, x.copyOf(keep))
        // unused inputs dropped and the rest renumbered x0, x1, ... in order
        val vars = e.variables
        if (vars.isNotEmpty() && vars.last() != vars.size - 1) {
            val map = IdentityHashMap<Expr, Expr>()
            for (v in e.nodes().filterIsInstance<Expr.Var>()) map[v] = Expr.Var(vars.indexOf(v.index))
            val renumbered = Expr.replace(e, map)
            val c = Sample(renumbered, DoubleArray(vars.size) { x[vars[it]] })
            if (Domains.valid(c)) out += c
        }
        return out
    }

    private fun simplerConstants(c: Double): List<Double> =
        listOf(0.0, 1.0, round(c), round(c * 4) / 4).distinct().filter { abs(it) < abs(c) || (abs(it) == abs(c) && it > c) }

    /** Same size: simpler if it has fewer operand edges, or as many and rounder constants. */
    private fun simpler(a: Expr, b: Expr): Boolean {
        val ea = a.nodes().sumOf { it.children.size }
        val eb = b.nodes().sumOf { it.children.size }
        if (ea != eb) return ea < eb
        val ca = a.nodes().filterIsInstance<Expr.Const>().sumOf { abs(it.value) }
        val cb = b.nodes().filterIsInstance<Expr.Const>().sumOf { abs(it.value) }
        return ca < cb
    }
}
