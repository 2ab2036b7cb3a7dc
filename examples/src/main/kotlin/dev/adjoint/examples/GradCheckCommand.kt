package dev.adjoint.examples

import dev.adjoint.Value
import dev.adjoint.dsl.cos
import dev.adjoint.dsl.exp
import dev.adjoint.dsl.ln
import dev.adjoint.dsl.plus
import dev.adjoint.dsl.pow
import dev.adjoint.dsl.relu
import dev.adjoint.dsl.sigmoid
import dev.adjoint.dsl.sin
import dev.adjoint.dsl.sqrt
import dev.adjoint.dsl.sum
import dev.adjoint.dsl.tanh
import dev.adjoint.verify.gradCheck
import java.util.Locale
import java.util.concurrent.Callable
import picocli.CommandLine.Command

/** `adjoint gradcheck`: a few functions' gradients against central differences. */
@Command(
    name = "gradcheck",
    mixinStandardHelpOptions = true,
    description = ["Checks the gradients of seven built-in functions against finite differences.",
        "Central differences with Richardson extrapolation; prints the largest relative error per function."],
)
class GradCheckCommand : Callable<Int> {
    private class Case(val name: String, val at: DoubleArray, val f: (List<Value>) -> Value)

    private val cases = listOf(
        Case("tanh(a*b + a^2)", doubleArrayOf(2.0, -3.0)) { (a, b) -> tanh(a * b + a.pow(2)) },
        Case("softplus ln(1 + e^x) * w", doubleArrayOf(0.3, -1.2)) { (x, w) -> ln(exp(x) + 1.0) * w },
        Case("x^y", doubleArrayOf(1.7, 0.6)) { (x, y) -> x pow y },
        Case("sigmoid(x) * sin(y) / (1 + y^2)", doubleArrayOf(-0.4, 2.2)) { (x, y) -> sigmoid(x) * sin(y) / (1.0 + y.pow(2)) },
        Case("log-sum-exp of 4", doubleArrayOf(0.1, -2.0, 1.5, 0.7)) { xs -> ln(sum(xs.map { exp(it) })) },
        Case("sqrt(x^2 + y^2) * cos(x*y)", doubleArrayOf(1.1, -0.8)) { (x, y) -> sqrt(x * x + y * y) * cos(x * y) },
        Case("neuron relu(w.x + b)", doubleArrayOf(0.5, -1.0, 2.0, 0.3, 0.1)) { (x1, x2, w1, w2, b) -> relu(w1 * x1 + w2 * x2 + b) },
    )

    override fun call(): Int {
        var failed = 0
        for (c in cases) {
            val r = gradCheck(*c.at, f = c.f)
            if (!r.passed) failed++
            println(String.format(Locale.ROOT, "%-34s max relative error %.2e  %s", c.name, r.maxRelativeError, if (r.passed) "ok" else "FAIL"))
            if (!r.passed) println(r.toString().prependIndent("    "))
        }
        println(if (failed == 0) "all ${cases.size} functions pass" else "$failed of ${cases.size} functions FAIL")
        return if (failed == 0) 0 else 1
    }
}
