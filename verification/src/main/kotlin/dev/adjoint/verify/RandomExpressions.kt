package dev.adjoint.verify

import java.util.stream.Stream
import org.junit.jupiter.api.extension.ExtensionContext
import org.junit.jupiter.params.provider.Arguments
import org.junit.jupiter.params.provider.ArgumentsProvider
import org.junit.jupiter.params.provider.ArgumentsSource
import org.junit.jupiter.params.support.AnnotationConsumer

/**
 * A JUnit 5 `@ParameterizedTest` source of seeded random expressions ([Exprs.stream]): one
 * [Sample] argument per invocation, sample k drawn from `Random(seed + k)`, so a failing
 * invocation's index and the seed reproduce it.
 *
 * ```java
 * @ParameterizedTest
 * @RandomExpressions(seed = 42, count = 500, shape = Shape.DAG)
 * void engine(Sample sample) { Oracles.assertPasses(sample); }
 * ```
 *
 * Needs `junit-jupiter-params` on the test class path (every JUnit 5 parameterized suite has it).
 */
@Target(AnnotationTarget.FUNCTION, AnnotationTarget.ANNOTATION_CLASS)
@Retention(AnnotationRetention.RUNTIME)
@MustBeDocumented
@ArgumentsSource(RandomExpressionsProvider::class)
public annotation class RandomExpressions(
    val seed: Long,
    val count: Int = 100,
    /** Trees, DAGs, or [Shape.MIXED] for half of each. */
    val shape: Shape = Shape.MIXED,
    val maxVars: Int = 4,
    val maxDepth: Int = 6,
)

/** The [ArgumentsProvider] behind [RandomExpressions]; each instance serves one annotated method. */
public class RandomExpressionsProvider : ArgumentsProvider, AnnotationConsumer<RandomExpressions> {
    private var config: RandomExpressions? = null

    override fun accept(annotation: RandomExpressions) {
        config = annotation
    }

    @Deprecated("JUnit's older entry point, kept for JUnit 5.x before 5.13")
    override fun provideArguments(context: ExtensionContext): Stream<out Arguments> {
        val c = config ?: throw IllegalStateException("RandomExpressionsProvider: use it through @RandomExpressions")
        return Exprs.stream(c.seed, c.count, c.shape, c.maxVars, c.maxDepth).map { Arguments.of(it) }
    }
}
