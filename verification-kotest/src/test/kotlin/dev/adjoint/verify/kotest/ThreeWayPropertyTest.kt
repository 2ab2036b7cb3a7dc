package dev.adjoint.verify.kotest

import dev.adjoint.verify.Domains
import dev.adjoint.verify.Op
import dev.adjoint.verify.Oracles
import dev.adjoint.verify.Sample
import dev.adjoint.verify.Shape
import io.kotest.property.PropTestConfig
import io.kotest.property.ShrinkingMode
import io.kotest.property.checkAll
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/**
 * The engine against three independent references on random expressions: trees and DAGs with
 * shared nodes, every primitive, safe domains by construction. A failure shrinks to the smallest
 * expression that still fails and reports it as Kotlin DSL source with the seed and the inputs.
 *
 * `-Dadjoint.verify.iterations=N` sets the samples per shape (default 20,000; the soak profile runs
 * 500,000 per shape); `-Dadjoint.verify.seed=S` repeats a run.
 */
class ThreeWayPropertyTest {
    private val iterations = System.getProperty("adjoint.verify.iterations")?.toInt() ?: 20000
    private val seed = System.getProperty("adjoint.verify.seed")?.toLong() ?: 20261122L

    @Test
    fun trees() = run(Shape.TREE, seed)

    @Test
    fun dagsWithSharedNodes() = run(Shape.DAG, seed + 1)

    /** A tenth as many samples with compiled tapes too (a generated class per sample). */
    @Test
    fun compiledTapes() = runBlocking<Unit> {
        checkAll(PropTestConfig(seed = seed + 2, iterations = iterations / 10, shrinkingMode = ShrinkingMode.Bounded(5000)),
            ExprArbs.mixed()) { s ->
            if (!Domains.valid(s)) return@checkAll
            val v = DslOracles.check(s, Oracles.Tolerances(compiled = true))
            if (!v.passed) throw AssertionError("\n" + v.report(seed + 2))
        }
    }

    private fun run(shape: Shape, seed: Long) = runBlocking<Unit> {
        val stats = Statistics()
        checkAll(PropTestConfig(seed = seed, iterations = iterations, shrinkingMode = ShrinkingMode.Bounded(5000)),
            ExprArbs.samples(shape)) { s ->
            stats.record(s)
            if (!Domains.valid(s)) {
                stats.discarded++
                return@checkAll
            }
            val v = DslOracles.check(s, Oracles.Tolerances(compiled = false))
            if (!v.passed) throw AssertionError("\n" + v.report(seed))
        }
        println("${shape.name.lowercase()}: ${stats.summary()}")
        stats.assertHealthy(shape)
    }
}

/** What the generator produced: op coverage, depth spread, sharing, discards. */
class Statistics {
    var samples = 0
    var discarded = 0
    val withOp = HashMap<Op, Int>()
    val depths = HashMap<Int, Int>()
    var shared = 0
    var sizes = 0L

    fun record(s: Sample) {
        samples++
        s.expr.nodes().mapNotNull { it.kind }.toSet().forEach { withOp.merge(it, 1, Int::plus) }
        depths.merge(s.expr.depth, 1, Int::plus)
        if (s.expr.hasSharedNodes) shared++
        sizes += s.expr.size
    }

    fun percent(n: Int) = 100.0 * n / samples

    fun summary() = "$samples samples, mean size ${"%.1f".format(sizes.toDouble() / samples)}, " +
        "${"%.1f".format(percent(discarded))}% discarded, ${"%.1f".format(percent(shared))}% with shared nodes; " +
        "expressions containing each op: " + Op.entries.joinToString { "${it.symbol} ${"%.0f".format(percent(withOp[it] ?: 0))}%" } +
        "; depths: " + depths.toSortedMap().entries.joinToString { "${it.key}: ${"%.0f".format(percent(it.value))}%" }

    fun assertHealthy(shape: Shape) {
        for (op in Op.entries) assertTrue(percent(withOp[op] ?: 0) >= 5.0, "$op appears in only ${percent(withOp[op] ?: 0)}% of expressions: ${summary()}")
        assertTrue(percent(discarded) < 5.0, "discarded ${percent(discarded)}%: ${summary()}")
        val spread = depths.filterValues { percent(it) >= 5.0 }.keys
        assertTrue(spread.size >= 4 && spread.max() - spread.min() >= 4, "depths are not spread: ${summary()}")
        if (shape == Shape.DAG) assertTrue(percent(shared) >= 30.0, "too few DAGs share nodes: ${summary()}")
    }
}
