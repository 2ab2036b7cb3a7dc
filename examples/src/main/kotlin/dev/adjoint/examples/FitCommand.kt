package dev.adjoint.examples

import dev.adjoint.Value
import dev.adjoint.dsl.exp
import dev.adjoint.dsl.minus
import dev.adjoint.dsl.plus
import dev.adjoint.dsl.pow
import dev.adjoint.dsl.times
import dev.adjoint.nn.Minimize
import java.util.Locale
import java.util.Random
import java.util.concurrent.Callable
import picocli.CommandLine.Command
import picocli.CommandLine.Option

/** `adjoint fit`: minimises a function with L-BFGS (or, to compare, gradient descent or Adam), printing every iteration. */
@Command(
    name = "fit",
    mixinStandardHelpOptions = true,
    description = ["Minimises a test function with L-BFGS, gradient descent or Adam and prints each iteration.",
        "curve: least-squares fit of y = a·exp(-b·t) + c to 50 noisy points (truth a = 2, b = 1.3, c = 0.5), from (1, 1, 0);",
        "rosenbrock: the extended Rosenbrock function in --dim dimensions from (-1.2, 1, -1.2, 1, ...)."],
)
class FitCommand : Callable<Int> {
    @Option(names = ["--problem"], defaultValue = "curve", paramLabel = "P", description = ["curve or rosenbrock (default: \${DEFAULT-VALUE})."])
    lateinit var problem: String

    @Option(names = ["--dim"], defaultValue = "2", paramLabel = "N", description = ["Dimensions of rosenbrock, 2 to $MAX_DIM (default: \${DEFAULT-VALUE})."])
    var dim: Int = 2

    @Option(names = ["--method"], defaultValue = "lbfgs", paramLabel = "M", description = ["lbfgs, gd (gradient descent) or adam (default: \${DEFAULT-VALUE})."])
    lateinit var method: String

    @Option(names = ["--max-iterations"], defaultValue = "10000", paramLabel = "K", description = ["Iteration limit (default: \${DEFAULT-VALUE})."])
    var maxIterations: Int = 10000

    override fun call(): Int {
        checkUsage(maxIterations >= 0) { "--max-iterations must be non-negative, was $maxIterations" }
        val m = when (method) {
            "lbfgs" -> Minimize.Method.LBFGS
            "gd" -> Minimize.Method.GRADIENT_DESCENT
            "adam" -> Minimize.Method.ADAM
            else -> usage("--method must be lbfgs, gd or adam, was '$method'")
        }
        val (f, x0) = when (problem) {
            "curve" -> curve()
            "rosenbrock" -> {
                checkUsage(dim >= 2) { "--dim must be at least 2, was $dim" }
                checkUsage(dim <= MAX_DIM) { "--dim must be at most $MAX_DIM, was $dim" }
                rosenbrock() to DoubleArray(dim) { if (it % 2 == 0) -1.2 else 1.0 }
            }
            else -> usage("--problem must be curve or rosenbrock, was '$problem'")
        }
        val options = Minimize.Options.defaults().maxIterations(maxIterations).learningRate(0.01).onIteration {
            if (it.iteration() <= 20 || it.iteration() % 100 == 0) {
                println(String.format(Locale.ROOT, "iteration %5d  f %.12e  |grad| %.3e", it.iteration(), it.value(), it.gradientNorm()))
            }
        }
        val r = Minimize.run(m, f, x0, options)
        println(String.format(Locale.ROOT, "%s after %d iterations (%d evaluations): f = %.12e (%s)",
            if (r.converged()) "converged" else "stopped", r.iterations(), r.evaluations(), r.value(), r.reason()))
        val x = r.x()
        println("x = " + x.take(10).joinToString(", ", "[", if (x.size > 10) ", ...]" else "]") { String.format(Locale.ROOT, "%.10f", it) })
        return if (r.converged()) 0 else 1
    }

    companion object {
        /** The largest --dim: one evaluation's graph is about 6 nodes per dimension, and L-BFGS keeps 10 vectors of it. */
        const val MAX_DIM = 100_000
    }

    private fun curve(): Pair<(List<Value>) -> Value, DoubleArray> {
        val rng = Random(7)
        val t = DoubleArray(50) { it * 0.1 }
        val y = DoubleArray(50) { 2 * Math.exp(-1.3 * t[it]) + 0.5 + 0.02 * rng.nextGaussian() }
        val f = { p: List<Value> ->
            val (a, b, c) = p
            Value.sum(List(t.size) { i -> (a * exp(-b * t[i]) + c - y[i]).pow(2) }) * 0.5
        }
        return f to doubleArrayOf(1.0, 1.0, 0.0)
    }

    private fun rosenbrock(): (List<Value>) -> Value = { x ->
        Value.sum(List(x.size - 1) { i -> 100.0 * (x[i + 1] - x[i].pow(2)).pow(2) + (1.0 - x[i]).pow(2) })
    }
}
