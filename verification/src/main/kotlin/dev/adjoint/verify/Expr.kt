package dev.adjoint.verify

import java.util.IdentityHashMap

/**
 * An expression over the engine's whole primitive set, with variables `x0..xn` and constants.
 *
 * Nodes are compared by identity: an [Expr] object referenced from two places is one shared node
 * (a DAG), and every evaluator turns it into one shared node of its own, which is what catches a
 * `=` written for a `+=`. Expressions are immutable.
 */
public sealed class Expr {
    /** The i-th input, `xi`. */
    public class Var(public val index: Int) : Expr() {
        init { require(index >= 0) { "Var: index must be non-negative, was $index" } }
    }

    /** A constant. */
    public class Const(public val value: Double) : Expr()

    /** A unary primitive applied to [arg]. */
    public class Unary(public val op: UnaryOp, public val arg: Expr) : Expr()

    /** [arg] to a constant power [p]. */
    public class PowC(public val arg: Expr, public val p: Double) : Expr()

    /** [arg] clamped to [[lo], [hi]], one of them infinite: clamp_min (hi = ∞) or clamp_max (lo = -∞). */
    public class Clamp(public val arg: Expr, public val lo: Double, public val hi: Double) : Expr() {
        init { require(lo == Double.NEGATIVE_INFINITY || hi == Double.POSITIVE_INFINITY) { "Clamp: one bound must be infinite, was [$lo, $hi]" } }
    }

    /** A binary primitive. */
    public class Binary(public val op: BinaryOp, public val left: Expr, public val right: Expr) : Expr()

    /** One fused sum node. */
    public class Sum(public val args: List<Expr>) : Expr()

    /** One fused dot-product node: Σ xsᵢ·wsᵢ. */
    public class Dot(public val xs: List<Expr>, public val ws: List<Expr>) : Expr() {
        init { require(xs.size == ws.size) { "Dot: sizes differ: ${xs.size} vs ${ws.size}" } }
    }

    /** The direct operands, in order. */
    public val children: List<Expr>
        get() = when (this) {
            is Var, is Const -> emptyList()
            is Unary -> listOf(arg)
            is PowC -> listOf(arg)
            is Clamp -> listOf(arg)
            is Binary -> listOf(left, right)
            is Sum -> args
            is Dot -> xs + ws
        }

    /** Which primitive this node is, or null for variables and constants. */
    public val kind: Op?
        get() = when (this) {
            is Var, is Const -> null
            is Unary -> op.kind
            is PowC -> Op.POWC
            is Clamp -> if (hi == Double.POSITIVE_INFINITY) Op.CLAMP_MIN else Op.CLAMP_MAX
            is Binary -> op.kind
            is Sum -> Op.SUM
            is Dot -> Op.DOT
        }

    /** Every distinct node once, operands before the nodes that use them. */
    public fun nodes(): List<Expr> {
        val seen = IdentityHashMap<Expr, Boolean>()
        val out = ArrayList<Expr>()
        fun visit(e: Expr) {
            if (seen.put(e, true) != null) return
            e.children.forEach(::visit)
            out += e
        }
        visit(this)
        return out
    }

    /** The number of distinct nodes; each variable counts once however often it is used. */
    public val size: Int
        get() {
            val ns = nodes()
            return ns.count { it !is Var } + ns.filterIsInstance<Var>().map { it.index }.distinct().size
        }

    /** The length of the longest path from this node to a leaf (a leaf has depth 0). */
    public val depth: Int
        get() {
            val d = IdentityHashMap<Expr, Int>()
            for (n in nodes()) d[n] = if (n.children.isEmpty()) 0 else 1 + n.children.maxOf { d[it]!! }
            return d[this]!!
        }

    /** The variables used, ascending. */
    public val variables: List<Int> get() = nodes().filterIsInstance<Var>().map { it.index }.distinct().sorted()

    /** Whether some node other than a variable or constant is an operand more than once. */
    public val hasSharedNodes: Boolean get() = Printer(this).shared.isNotEmpty()

    /** This expression as the body of a Kotlin DSL lambda (`val t0 = ...` lines for shared nodes). */
    public fun toKotlin(): String = Printer(this).body()

    override fun toString(): String = toKotlin().replace("\n", "; ")

    public companion object {
        /** Replaces nodes by identity, keeping every other node's sharing. */
        public fun replace(root: Expr, replacement: Map<Expr, Expr>): Expr {
            val memo = IdentityHashMap<Expr, Expr>()
            fun go(e: Expr): Expr = memo.getOrPut(e) {
                replacement.entries.firstOrNull { it.key === e }?.value ?: when (e) {
                    is Var, is Const -> e
                    is Unary -> go(e.arg).let { if (it === e.arg) e else Unary(e.op, it) }
                    is PowC -> go(e.arg).let { if (it === e.arg) e else PowC(it, e.p) }
                    is Clamp -> go(e.arg).let { if (it === e.arg) e else Clamp(it, e.lo, e.hi) }
                    is Binary -> {
                        val l = go(e.left)
                        val r = go(e.right)
                        if (l === e.left && r === e.right) e else Binary(e.op, l, r)
                    }
                    is Sum -> e.args.map(::go).let { if (it.indices.all { i -> it[i] === e.args[i] }) e else Sum(it) }
                    is Dot -> {
                        val xs = e.xs.map(::go)
                        val ws = e.ws.map(::go)
                        if (xs.indices.all { xs[it] === e.xs[it] && ws[it] === e.ws[it] }) e else Dot(xs, ws)
                    }
                }
            }
            return go(root)
        }
    }
}

/**
 * The engine's ops that random expressions use, by the engine's own names (`dev.adjoint.Op`, the
 * registry): a view of it, which `RegistryViewTest` holds to the registry, so an op added to the
 * engine fails that test until it is generated here (or listed there as not generated, with why).
 */
public enum class Op(public val symbol: String, public val primitive: Boolean = false) {
    ADD("+"), SUB("-"), MUL("*"), DIV("/"), NEG("neg"), POW("pow"), POWC("powc"), EXP("exp"), LOG("ln"),
    SQRT("sqrt"), TANH("tanh"), SIGMOID("sigmoid"), RELU("relu"), SIN("sin"), COS("cos"), ABS("abs"),
    LOG1P("log1p"), EXPM1("expm1"), TAN("tan"), ATAN("atan"), ASIN("asin"), ACOS("acos"), SINH("sinh"), COSH("cosh"),
    ERF("erf"), SOFTPLUS("softplus"), MAX("max"), MIN("min"), ATAN2("atan2"), CLAMP_MIN("clamp_min"), CLAMP_MAX("clamp_max"),
    /** The operand's value, through which no gradient flows (`Value.detach()`). */
    DETACH("detach"),
    SUM("sum"), DOT("dot"),
    /** A user's [dev.adjoint.Primitive] ([UserPrimitives]), applied with `Value.apply`. */
    SOFTSIGN("softsign", primitive = true),
    /** A user's two-input [dev.adjoint.Primitive] ([UserPrimitives]). */
    HYPOT("hypot", primitive = true),
}

/** The unary primitives; [dsl] is the Kotlin DSL function's name. */
public enum class UnaryOp(public val kind: Op, public val dsl: String) {
    NEG(Op.NEG, "-"), EXP(Op.EXP, "exp"), LOG(Op.LOG, "ln"), SQRT(Op.SQRT, "sqrt"), TANH(Op.TANH, "tanh"),
    SIGMOID(Op.SIGMOID, "sigmoid"), RELU(Op.RELU, "relu"), SIN(Op.SIN, "sin"), COS(Op.COS, "cos"), ABS(Op.ABS, "abs"),
    LOG1P(Op.LOG1P, "log1p"), EXPM1(Op.EXPM1, "expm1"), TAN(Op.TAN, "tan"), ATAN(Op.ATAN, "atan"), ASIN(Op.ASIN, "asin"),
    ACOS(Op.ACOS, "acos"), SINH(Op.SINH, "sinh"), COSH(Op.COSH, "cosh"), ERF(Op.ERF, "erf"), SOFTPLUS(Op.SOFTPLUS, "softplus"),
    SOFTSIGN(Op.SOFTSIGN, "softsign"), DETACH(Op.DETACH, "detach"),
}

/** The binary primitives; [symbol] is the Kotlin operator, infix function or function. */
public enum class BinaryOp(public val kind: Op, public val symbol: String) {
    ADD(Op.ADD, "+"), SUB(Op.SUB, "-"), MUL(Op.MUL, "*"), DIV(Op.DIV, "/"), POW(Op.POW, "pow"),
    MAX(Op.MAX, "max"), MIN(Op.MIN, "min"), ATAN2(Op.ATAN2, "atan2"), HYPOT(Op.HYPOT, "hypot"),
}

/**
 * Kotlin source for an expression: the DSL's operators and functions, shared nodes as vals in
 * topological order (each defined before its first use), parentheses wherever Kotlin's precedence
 * or left associativity would otherwise regroup the operations (floating-point `a + (b + c)` is
 * not `a + b + c`).
 */
private class Printer(val root: Expr) {
    /** Shared nodes in topological order (operands first), and their names t0, t1, ... in that order. */
    val order: List<Expr>
    val shared: Map<Expr, String>

    init {
        val uses = IdentityHashMap<Expr, Int>()
        val nodes = root.nodes()
        for (n in nodes) for (c in n.children) uses[c] = (uses[c] ?: 0) + 1
        val names = IdentityHashMap<Expr, String>()
        val list = ArrayList<Expr>()
        for (n in nodes) {
            if (n !is Expr.Var && n !is Expr.Const && (uses[n] ?: 0) > 1) {
                names[n] = "t${list.size}"
                list += n
            }
        }
        order = list
        shared = names
    }

    fun body(): String {
        val lines = order.map { node -> "val ${shared[node]} = ${expr(node, 0, top = true)}" }
        return (lines + expr(root, 0, top = true)).joinToString("\n")
    }

    /** Precedence: 1 additive, 2 multiplicative, 3 prefix minus, 4 postfix call or atom. */
    private fun expr(e: Expr, outer: Int, top: Boolean = false): String {
        if (!top) shared[e]?.let { return it }
        val (text, prec) = when (e) {
            is Expr.Var -> "x${e.index}" to 4
            is Expr.Const -> "value(${number(e.value)})" to 4
            is Expr.Unary ->
                if (e.op == UnaryOp.NEG) expr(e.arg, 3).let { a -> (if (a.startsWith("-")) "-($a)" else "-$a") to 3 }
                else "${e.op.dsl}(${expr(e.arg, 0)})" to 4
            is Expr.PowC -> "${expr(e.arg, 4)}.pow(${exponent(e.p)})" to 4
            is Expr.Clamp -> "clamp(${expr(e.arg, 0)}, ${number(e.lo)}, ${number(e.hi)})" to 4
            is Expr.Binary -> binary(e)
            is Expr.Sum -> "sum(listOf(${e.args.joinToString { expr(it, 0) }}))" to 4
            is Expr.Dot -> "dot(listOf(${e.xs.joinToString { expr(it, 0) }}), listOf(${e.ws.joinToString { expr(it, 0) }}))" to 4
        }
        return if (prec < outer) "($text)" else text
    }

    private fun binary(e: Expr.Binary): Pair<String, Int> {
        if (e.op == BinaryOp.POW) return "${expr(e.left, 4)}.pow(${expr(e.right, 0)})" to 4
        if (e.op == BinaryOp.MAX || e.op == BinaryOp.MIN || e.op == BinaryOp.ATAN2 || e.op == BinaryOp.HYPOT) {
            return "${e.op.symbol}(${expr(e.left, 0)}, ${expr(e.right, 0)})" to 4
        }
        val prec = if (e.op == BinaryOp.ADD || e.op == BinaryOp.SUB) 1 else 2
        val l = operand(e.left, e.right, prec)
        // Kotlin groups from the left: a right operand of the same precedence keeps its parentheses
        val r = operand(e.right, e.left, prec + 1)
        return "$l ${e.op.symbol} $r" to prec
    }

    /** A constant operand next to a non-constant prints as a plain literal, as users write it. */
    private fun operand(e: Expr, other: Expr, prec: Int): String =
        if (e is Expr.Const && shared[e] == null && other !is Expr.Const) literal(e.value, prec) else expr(e, prec)

    private fun literal(x: Double, prec: Int): String = number(x).let { if (x < 0 || it.startsWith("-")) "($it)" else it }

    private fun exponent(p: Double): String = if (p == Math.rint(p) && Math.abs(p) < 1e9) p.toLong().toString() else number(p)

    private fun number(x: Double): String = when {
        x.isNaN() -> "Double.NaN"
        x == Double.POSITIVE_INFINITY -> "Double.POSITIVE_INFINITY"
        x == Double.NEGATIVE_INFINITY -> "Double.NEGATIVE_INFINITY"
        else -> x.toString()
    }
}
