package dev.adjoint.verify

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.util.IdentityHashMap

/**
 * The printed Kotlin means exactly the expression: every printed body is parsed back with
 * Kotlin's precedence and left associativity (a small parser of the DSL subset the printer
 * writes) and must give the same tree, with the same sharing; vals are defined before use.
 */
class PrinterRoundTripTest {
    @Test
    fun printedSourcesParseBackToTheSameTree() {
        var shared = 0
        for (seed in 0L until 3000L) {
            val s = Exprs.sample(seed, Shape.MIXED, 4, 7)
            val text = s.expr.toKotlin()
            if (s.expr.hasSharedNodes) shared++
            val parsed = Parser(text).body()
            assertTrue(same(s.expr, parsed, IdentityHashMap(), IdentityHashMap()), "seed $seed: $text\nparses back as\n${parsed.toKotlin()}")
        }
        assertTrue(shared > 450, "only $shared samples with shared nodes") // about 1 in 6 with 35 ops
    }

    @Test
    fun associativityAndPrecedence() {
        val x = Expr.Var(0)
        val y = Expr.Var(1)
        val z = Expr.Var(2)
        fun b(op: BinaryOp, l: Expr, r: Expr) = Expr.Binary(op, l, r)
        assertEquals("x0 + (x1 - x2)", b(BinaryOp.ADD, x, b(BinaryOp.SUB, y, z)).toKotlin())
        assertEquals("x0 + (x1 + x2)", b(BinaryOp.ADD, x, b(BinaryOp.ADD, y, z)).toKotlin())
        assertEquals("x0 * (x1 * x2)", b(BinaryOp.MUL, x, b(BinaryOp.MUL, y, z)).toKotlin())
        assertEquals("x0 * x1 * x2", b(BinaryOp.MUL, b(BinaryOp.MUL, x, y), z).toKotlin())
        assertEquals("x0 - x1 - x2", b(BinaryOp.SUB, b(BinaryOp.SUB, x, y), z).toKotlin())
        assertEquals("-(-x0)", Expr.Unary(UnaryOp.NEG, Expr.Unary(UnaryOp.NEG, x)).toKotlin())
        // a shared node used by another shared node: defined first
        val t0 = b(BinaryOp.MUL, x, y)
        val t1 = b(BinaryOp.ADD, t0, t0)
        assertEquals("val t0 = x0 * x1\nval t1 = t0 + t0\nt1 / t1", b(BinaryOp.DIV, t1, t1).toKotlin())
    }

    @Test
    fun shrinkingDropsUnusedInputsAndRenumbers() {
        val s = Sample(Expr.Binary(BinaryOp.DIV, Expr.Var(2), Expr.Var(2)), doubleArrayOf(0.25, 0.5, 0.75))
        val small = ExprShrinker.minimize(s) { c -> c.expr.kind == Op.DIV }
        assertEquals("grad(0.75) { (x0) -> x0 / x0 }", small.toKotlin())
    }

    /** Same structure and sharing: a bijection between the two expressions' nodes. */
    private fun same(a: Expr, b: Expr, ab: IdentityHashMap<Expr, Expr>, ba: IdentityHashMap<Expr, Expr>): Boolean {
        if (a is Expr.Var && b is Expr.Var) return a.index == b.index
        if (a is Expr.Const && b is Expr.Const) return a.value.toRawBits() == b.value.toRawBits()
        ab[a]?.let { return it === b }
        ba[b]?.let { return it === a }
        val kinds = when (a) {
            is Expr.Unary -> b is Expr.Unary && a.op == b.op
            is Expr.PowC -> b is Expr.PowC && a.p.toRawBits() == b.p.toRawBits()
            is Expr.Clamp -> b is Expr.Clamp && a.lo.toRawBits() == b.lo.toRawBits() && a.hi.toRawBits() == b.hi.toRawBits()
            is Expr.Binary -> b is Expr.Binary && a.op == b.op
            is Expr.Sum -> b is Expr.Sum && a.args.size == b.args.size
            is Expr.Dot -> b is Expr.Dot && a.xs.size == b.xs.size
            else -> false
        }
        if (!kinds || a.children.size != b.children.size) return false
        ab[a] = b
        ba[b] = a
        return a.children.indices.all { same(a.children[it], b.children[it], ab, ba) }
    }

    /** The DSL subset the printer writes, with Kotlin's precedence and left associativity. */
    private class Parser(text: String) {
        private val tokens = Regex("""Double\.[A-Z_]+|\.pow|\d+(\.\d+)?(E-?\d+)?|[A-Za-z_][A-Za-z0-9_]*|\S""").findAll(text.replace("\n", " ; ")).map { it.value }.toList()
        private var i = 0
        private val vals = HashMap<String, Expr>()

        private fun peek() = tokens.getOrNull(i)
        private fun next() = tokens[i++]
        private fun expect(t: String) = check(next() == t) { "expected $t at token ${i - 1} of $tokens" }

        fun body(): Expr {
            while (peek() == "val") {
                next()
                val name = next()
                expect("=")
                vals[name] = expr()
                expect(";")
            }
            val e = expr()
            check(i == tokens.size) { "trailing tokens from $i in $tokens" }
            return e
        }

        private fun expr(): Expr {
            var l = term()
            while (peek() == "+" || peek() == "-") l = Expr.Binary(if (next() == "+") BinaryOp.ADD else BinaryOp.SUB, l, term())
            return l
        }

        private fun term(): Expr {
            var l = unary()
            while (peek() == "*" || peek() == "/") l = Expr.Binary(if (next() == "*") BinaryOp.MUL else BinaryOp.DIV, l, unary())
            return l
        }

        private fun unary(): Expr {
            if (peek() == "-") {
                next()
                return Expr.Unary(UnaryOp.NEG, unary())
            }
            var e = primary()
            while (peek() == ".pow") {
                next()
                expect("(")
                val literal = (peek()!![0].isDigit() && tokens[i + 1] == ")") || (peek() == "-" && tokens[i + 1][0].isDigit() && tokens[i + 2] == ")")
                e = if (literal) Expr.PowC(e, number()) else Expr.Binary(BinaryOp.POW, e, expr())
                expect(")")
            }
            return e
        }

        private fun number(): Double {
            val negative = peek() == "-"
            if (negative) next()
            val v = when (val t = next()) {
                "Double.NaN" -> Double.NaN
                "Double.POSITIVE_INFINITY" -> Double.POSITIVE_INFINITY
                "Double.NEGATIVE_INFINITY" -> Double.NEGATIVE_INFINITY
                else -> t.toDouble()
            }
            return if (negative) -v else v
        }

        private fun list(): List<Expr> {
            expect("listOf")
            expect("(")
            val out = ArrayList<Expr>()
            if (peek() != ")") {
                out += expr()
                while (peek() == ",") {
                    next()
                    out += expr()
                }
            }
            expect(")")
            return out
        }

        private fun primary(): Expr {
            val t = peek()!!
            if (t[0].isDigit()) return Expr.Const(number())
            next()
            return when {
                t == "(" -> {
                    // a parenthesised negative literal, or a parenthesised expression
                    val literal = peek() == "-" && tokens.getOrNull(i + 1)?.get(0)?.isDigit() == true && tokens.getOrNull(i + 2) == ")"
                    val e = if (literal) Expr.Const(number()) else expr()
                    expect(")")
                    e
                }
                t.matches(Regex("x\\d+")) -> Expr.Var(t.substring(1).toInt())
                t in vals -> vals[t]!!
                t == "value" -> {
                    expect("(")
                    Expr.Const(number()).also { expect(")") }
                }
                t == "sum" -> {
                    expect("(")
                    Expr.Sum(list()).also { expect(")") }
                }
                t == "dot" -> {
                    expect("(")
                    val xs = list()
                    expect(",")
                    val ws = list()
                    expect(")")
                    Expr.Dot(xs, ws)
                }
                t == "clamp" -> {
                    expect("(")
                    val arg = expr()
                    expect(",")
                    val lo = number()
                    expect(",")
                    Expr.Clamp(arg, lo, number()).also { expect(")") }
                }
                BinaryOp.entries.any { it.symbol == t && t[0].isLetter() && it != BinaryOp.POW } -> {
                    // a binary op written as a function: max(a, b), min, atan2, hypot
                    val op = BinaryOp.entries.first { it.symbol == t }
                    expect("(")
                    val l = expr()
                    expect(",")
                    Expr.Binary(op, l, expr()).also { expect(")") }
                }
                else -> {
                    val op = UnaryOp.entries.first { it.dsl == t }
                    expect("(")
                    Expr.Unary(op, expr()).also { expect(")") }
                }
            }
        }
    }
}
