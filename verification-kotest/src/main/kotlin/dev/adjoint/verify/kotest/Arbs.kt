package dev.adjoint.verify.kotest

import dev.adjoint.verify.ExprShrinker
import dev.adjoint.verify.Exprs
import dev.adjoint.verify.Sample
import dev.adjoint.verify.Shape
import io.kotest.property.Arb
import io.kotest.property.Shrinker
import io.kotest.property.arbitrary.arbitrary

/**
 * The random expressions of `dev.adjoint.verify.Exprs` as Kotest [Arb]s, shrinking with
 * [ExprShrinker]'s candidates. Stateless and thread-safe.
 */
public object ExprArbs {
    /** Samples of the given shape; see [Exprs.generate]. */
    @JvmStatic
    @JvmOverloads
    public fun samples(shape: Shape, maxVars: Int = 4, maxDepth: Int = 6): Arb<Sample> {
        Exprs.checkBounds(maxVars, maxDepth)
        // no edge cases: Kotest does not shrink an edge case, and every sample here is a random one
        return arbitrary(emptyList(), SampleShrinker) { rs -> Exprs.generate(rs.random, shape, maxVars, maxDepth) }
    }

    /** Trees and DAGs, half each. */
    @JvmStatic
    @JvmOverloads
    public fun mixed(maxVars: Int = 4, maxDepth: Int = 6): Arb<Sample> = samples(Shape.MIXED, maxVars, maxDepth)
}

/** Kotest's view of [ExprShrinker]. */
public object SampleShrinker : Shrinker<Sample> {
    override fun shrink(value: Sample): List<Sample> = ExprShrinker.shrink(value)
}
