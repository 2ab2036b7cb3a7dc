package dev.adjoint.verify.kotest

import dev.adjoint.Derivatives
import dev.adjoint.Tape
import dev.adjoint.Value
import dev.adjoint.verify.Domains
import dev.adjoint.verify.Evaluate
import dev.adjoint.verify.Expr
import dev.adjoint.verify.Exprs
import dev.adjoint.verify.Shape
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.util.function.Function
import kotlin.math.abs

/**
 * A recorded [Tape]'s whole contract on random expressions: several outputs (subexpressions of the
 * expression) replayed at new points, each equal bitwise to its node in the graph rebuilt there;
 * Jacobians by reverse mode (one sweep per output, in each output's own order) bitwise equal to
 * each output's own graph's gradient, and by forward mode and `jvpVector` within the dual-number
 * bound of them; counts and memory accounted for; every bad argument refused by name.
 *
 * `-Dadjoint.verify.tapes=N` sets the random expressions (default 300).
 */
class TapeContractPropertyTest {
    private val count = System.getProperty("adjoint.verify.tapes")?.toInt() ?: 300
    private val seed = System.getProperty("adjoint.verify.seed")?.toLong() ?: 20261130L

    private fun same(a: Double, b: Double) = a.toRawBits() == b.toRawBits() || (a.isNaN() && b.isNaN())

    /** The sample's root and up to three of its other nodes (variables included), as the outputs. */
    private fun outputs(e: Expr, k: Long): List<Expr> {
        val inner = e.nodes().filter { it !== e && it !is Expr.Const } // a constant operand may have no node of its own
        return listOf(e) + List(minOf(3, inner.size)) { inner[((k * 7 + it * 13) % inner.size).toInt()] }.distinct()
    }

    /** The operand slots a tape's n-ary nodes hold: a sum's operands, a dot's pairs, a primitive's inputs and its number. */
    private fun naryOperands(e: Expr): Int = e.nodes().sumOf { node ->
        when (node) {
            is Expr.Sum -> node.args.size
            is Expr.Dot -> 2 * node.xs.size
            is Expr.Unary -> if (node.op.kind.primitive) 2 else 0
            is Expr.Binary -> if (node.op.kind.primitive) 3 else 0
            else -> 0
        }
    }

    @Test
    fun severalOutputsAndJacobians() {
        var checked = 0
        for (k in 0 until count.toLong()) {
            val s = Exprs.sample(seed + k, Shape.MIXED, 3, 5)
            if (!Domains.valid(s)) continue
            checked++
            val e = s.expr
            val x = s.inputs
            val n = x.size
            val outs = outputs(e, k)
            val f = Function<List<Value>, List<Value>> { l -> Evaluate.javaGraph(e, l).let { g -> outs.map { g[it]!! } } }
            val leaves = x.map { Value.of(it) }
            val tape = Tape.record(leaves, f.apply(leaves))
            assertEquals(n, tape.inputs(), "$s")
            assertEquals(outs.size, tape.outputs(), "$s")
            for (bad in listOf(outs.size, -1)) {
                val t = assertThrows(IndexOutOfBoundsException::class.java) { tape.output(bad) }
                assertEquals("output: $bad is outside 0..${outs.size - 1}", t.message)
            }
            // memory: 4 bytes an output
            val b0 = tape.bytes()
            tape.jvp(x, DoubleArray(n))
            val slots = (tape.bytes() - b0) / 8
            val operands = naryOperands(e)
            assertEquals(24 * slots + 4L * operands + 4L * outs.size, b0, "$s: $slots slots, $operands n-ary operands, ${outs.size} outputs")
            val grad = DoubleArray(n)
            for (p in listOf(x, DoubleArray(n) { x[it] + 0.0625 * (it + 1) }, x)) {
                val ls = p.map { Value.of(it) }
                val graph = f.apply(ls)
                graph[0].backward()
                val y = tape.gradient(p, grad)
                assertTrue(same(y, graph[0].data()), "$s at ${p.toList()}: the tape gives $y, the graph ${graph[0].data()}")
                for (j in outs.indices) {
                    assertTrue(same(tape.output(j), graph[j].data()), "$s at ${p.toList()}: output $j is ${tape.output(j)}, the graph's ${graph[j].data()}")
                }
                for (i in 0 until n) assertTrue(same(grad[i], ls[i].grad()), "$s at ${p.toList()}: ∂/∂x$i = ${grad[i]}, the graph's ${ls[i].grad()}")
                // the Jacobian of the outputs: reverse mode row by row against each output's own graph
                val jr = Derivatives.jacobianReverse(f, p)
                val jf = Derivatives.jacobianForward(f, p)
                val jv = Derivatives.jvpVector(f, p, DoubleArray(n) { if (it == 0) 1.0 else 0.0 })
                val duals = Evaluate.forward(e, p)
                for (j in outs.indices) {
                    val own = p.map { Value.of(it) }
                    Evaluate.javaGraph(e, own)[outs[j]]!!.backward()
                    val d = duals[outs[j]]!!
                    for (i in 0 until n) {
                        assertTrue(same(jr[j][i], own[i].grad()), "$s at ${p.toList()}: reverse Jacobian [$j][$i] = ${jr[j][i]}, output $j's graph ${own[i].grad()}")
                        val bound = 1e-12 * d.m[i] + 1e-300
                        assertTrue(abs(jf[j][i] - d.d[i]) <= bound, "$s at ${p.toList()}: forward Jacobian [$j][$i] = ${jf[j][i]}, dual numbers ${d.d[i]}")
                        if (i == 0) assertTrue(same(jv[j], jf[j][0]), "$s: jvpVector [$j] = ${jv[j]}, the forward Jacobian's ${jf[j][0]}")
                    }
                }
                val jac = Derivatives.jacobian(f, p)
                val expected = if (n <= outs.size) jf else jr
                for (j in outs.indices) for (i in 0 until n) assertTrue(same(jac[j][i], expected[j][i]), "$s: jacobian [$j][$i]")
            }
        }
        assertTrue(checked >= count / 2, "only $checked of $count samples were valid")
    }

    @Test
    fun countsAndMemory() {
        for (k in 0 until count.toLong()) {
            val s = Exprs.sample(seed + k, Shape.MIXED, 3, 5)
            val n = s.inputs.size
            val f = Function<List<Value>, Value> { l -> Evaluate.javaGraph(s.expr, l)[s.expr]!! }
            val tape = Tape.record(s.inputs, f)
            // op nodes: every distinct node but the variables and constants, and one per constant operand of +, -, *, / on the left
            val ops = tape.operations()
            assertTrue(ops >= s.expr.nodes().count { it !is Expr.Var && it !is Expr.Const }, "$s: ${tape.operations()} op nodes")
            assertEquals(1, tape.outputs())
            // memory: 24 bytes a slot and 4 an n-ary operand and an output; a tangent and an adjoint's tangent per slot once forward mode and second order ran
            val before = tape.bytes()
            tape.jvp(s.inputs, DoubleArray(n) { 1.0 })
            val afterJvp = tape.bytes()
            tape.hvp(s.inputs, DoubleArray(n) { 1.0 }, DoubleArray(n), null)
            val afterHvp = tape.bytes()
            val slots = (afterJvp - before) / 8
            assertEquals(afterJvp - before, afterHvp - afterJvp, "$s: bytes $before, $afterJvp, $afterHvp")
            assertTrue(slots >= n + ops, "$s: $slots slots for $n inputs and $ops op nodes")
            val operands = naryOperands(s.expr)
            assertEquals(24 * slots + 4L * operands + 4, before, "$s: $slots slots, $operands n-ary operands, one output")
        }
    }

    @Test
    fun copiesCompiledTapesAndGuards() {
        for (k in 0 until count.toLong() / 10) {
            val s = Exprs.sample(seed + k, Shape.MIXED, 3, 4)
            if (!Domains.valid(s)) continue
            val n = s.inputs.size
            val f = Function<List<Value>, Value> { l -> Evaluate.javaGraph(s.expr, l)[s.expr]!! }
            val tape = Tape.record(s.inputs, f)
            assertTrue(!tape.isCompiled() && tape.whyNotCompiled() == null, "$s: a tape never compiled")
            // replayed elsewhere, then copied and compiled: the copies start from the last replay's values
            val p = DoubleArray(n) { s.inputs[it] + 0.0625 }
            val y = tape.value(p)
            val copy = tape.copy()
            val compiled = tape.compile()
            assertTrue(compiled.isCompiled() != (compiled.whyNotCompiled() != null), "$s: compiled ${compiled.isCompiled()}, why not: ${compiled.whyNotCompiled()}")
            for (t in listOf(copy, compiled)) assertTrue(same(y, t.output(0)), "$s: a copy's output before its first replay is ${t.output(0)}, the tape's $y")
            // Derivatives.gradient: the graph's gradient, in arrays of its own
            val leaves = s.inputs.map { Value.of(it) }
            f.apply(leaves).backward()
            val g = Derivatives.gradient(f, s.inputs)
            val c = DoubleArray(n)
            compiled.gradient(s.inputs, c)
            for (i in 0 until n) {
                assertTrue(same(g[i], leaves[i].grad()), "$s: Derivatives.gradient ∂/∂x$i = ${g[i]}, backward ${leaves[i].grad()}")
                assertTrue(same(c[i], leaves[i].grad()), "$s: the compiled tape's ∂/∂x$i = ${c[i]}, backward ${leaves[i].grad()}")
            }
        }
        // a value read while the graph was built is a guard: a replay that changes it throws and changes nothing
        val x = Value.of(1.5)
        val branch = Tape.record(listOf(x), if (x.data() > 1.0) x.times(x) else x.sin())
        val grad = DoubleArray(1)
        assertEquals(2.25, branch.gradient(doubleArrayOf(1.5), grad))
        assertThrows(dev.adjoint.TapeGuardException::class.java) { branch.gradient(doubleArrayOf(0.5), grad) }
        assertEquals(3.0, grad[0], "a refused replay changed the gradient")
        // two guards (an input and a node of it) and an input that is not read: replays that keep the guarded values pass
        val u = Value.of(0.5)
        val v = Value.of(2.0)
        val twice = u.times(2.0)
        val guarded = if (u.data() > 0 && twice.data() > 0) Tape.record(listOf(u, v), u.times(v)) else Tape.record(listOf(u, v), v)
        val g2 = DoubleArray(2)
        for (vv in listOf(3.0, -1.0)) {
            assertEquals(0.5 * vv, guarded.gradient(doubleArrayOf(0.5, vv), g2))
            assertEquals(vv, g2[0])
        }
        assertThrows(dev.adjoint.TapeGuardException::class.java) { guarded.gradient(doubleArrayOf(0.25, 2.0), g2) }
    }

    @Test
    fun badArgumentsAreRefused() {
        val s = Exprs.sample(seed, Shape.DAG, 3, 4)
        val n = s.inputs.size
        val leaves = s.inputs.map { Value.of(it) }
        val out = Evaluate.javaGraph(s.expr, leaves)[s.expr]!!
        val tape = Tape.record(leaves, out)
        val x = s.inputs
        fun iae(what: String, body: () -> Unit) {
            val t = assertThrows(IllegalArgumentException::class.java, body, what)
            assertTrue(t.message!!.isNotBlank(), what)
        }
        iae("value with one input too many") { tape.value(x + 1.0) }
        iae("gradient with one input too few") { tape.gradient(x.copyOf(n - 1), DoubleArray(n)) }
        iae("gradient into an array one too long") { tape.gradient(x, DoubleArray(n + 1)) }
        iae("jvp along a direction one too long") { tape.jvp(x, DoubleArray(n + 1)) }
        iae("hvp along a direction one too short") { tape.hvp(x, DoubleArray(n - 1), DoubleArray(n), null) }
        iae("hvp into an array one too long") { tape.hvp(x, DoubleArray(n), DoubleArray(n + 1), null) }
        iae("hvp with a gradient array one too long") { tape.hvp(x, DoubleArray(n), DoubleArray(n), DoubleArray(n + 1)) }
        // every replay commits its outputs: backward, jvp and hvp at new points
        val moved = DoubleArray(n) { x[it] + 0.125 }
        val movedValue = Evaluate.javaGraph(s.expr, moved.map { Value.of(it) })[s.expr]!!.data()
        leaves.forEachIndexed { i, l -> l.setData(moved[i]) }
        for ((what, replay) in listOf<Pair<String, () -> Unit>>(
            "backward" to { tape.backward() },
            "jvp" to { tape.jvp(moved, DoubleArray(n)) },
            "hvp" to { tape.hvp(moved, DoubleArray(n), DoubleArray(n), null) },
        )) {
            tape.value(x)
            replay()
            assertTrue(same(movedValue, tape.output(0)), "after $what at a new point, output 0 is ${tape.output(0)}, not $movedValue")
        }
        leaves.forEachIndexed { i, l -> l.setData(x[i]) }
        for ((message, body) in listOf<Pair<String, () -> Unit>>(
            "value: x is null" to { tape.value(null) },
            "gradient: gradOut is null" to { tape.gradient(x, null) },
            "jvp: v is null" to { tape.jvp(x, null) },
            "record: input 1 is null" to { Tape.record(listOf(leaves[0], null), out) },
            "record: output 1 is null" to { Tape.record(leaves, listOf(out, null)) },
        )) {
            assertEquals(message, assertThrows(NullPointerException::class.java, body, message).message)
        }
        assertThrows(NullPointerException::class.java) { tape.value(null) }
        assertThrows(NullPointerException::class.java) { tape.gradient(x, null) }
        assertThrows(NullPointerException::class.java) { tape.jvp(x, null) }
        assertThrows(NullPointerException::class.java) { tape.hvp(x, null, DoubleArray(n), null) }
        assertThrows(NullPointerException::class.java) { tape.hvp(x, DoubleArray(n), null, null) }
        // a refused call leaves the tape as it was: the next replay gives the graph's numbers
        val g = DoubleArray(n)
        val hv = DoubleArray(n)
        val hvGrad = DoubleArray(n)
        assertTrue(same(out.data(), tape.gradient(x, g)))
        assertTrue(same(out.data(), tape.hvp(x, DoubleArray(n) { 1.0 }, hv, hvGrad)))
        for (i in 0 until n) assertTrue(same(g[i], hvGrad[i]), "hvp's gradient ∂/∂x$i = ${hvGrad[i]}, gradient's ${g[i]}")
        val h = Derivatives.hvp(Function { l -> Evaluate.javaGraph(s.expr, l)[s.expr]!! }, x, DoubleArray(n) { 1.0 })
        for (i in 0 until n) assertTrue(same(h[i], hv[i]), "Tape.hvp [$i] = ${hv[i]}, Derivatives.hvp ${h[i]}")

        iae("an op node as an input") { Tape.record(listOf(out), out) }
        iae("an input twice") { Tape.record(listOf(leaves[0], leaves[0]), out) }
        iae("no outputs") { Tape.record(leaves, listOf()) }
        assertThrows(NullPointerException::class.java) { Tape.record(listOf(leaves[0], null), out) }
        assertThrows(NullPointerException::class.java) { Tape.record(leaves, listOf(out, null)) }
    }
}
