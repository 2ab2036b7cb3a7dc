package dev.adjoint.examples

import dev.adjoint.dsl.Losses
import dev.adjoint.dsl.fit
import dev.adjoint.dsl.mlp
import dev.adjoint.dsl.sgd
import dev.adjoint.nn.Dataset
import java.util.Locale
import java.util.concurrent.Callable
import picocli.CommandLine.Command
import picocli.CommandLine.Option

/** `adjoint xor`: MLP(2, [4, 4, 1]) learns XOR. */
@Command(
    name = "xor",
    mixinStandardHelpOptions = true,
    description = ["Trains MLP(2, [4, 4, 1]) to compute XOR and prints its four predictions.",
        "ReLU hidden layers, linear output, mean squared error, SGD with momentum; prints the loss every",
        "100 steps."],
)
class Xor : Callable<Int> {
    @Option(names = ["--steps"], defaultValue = "500", paramLabel = "N", description = ["Training steps (default: \${DEFAULT-VALUE})."])
    var steps: Int = 500

    override fun call(): Int {
        checkUsage(steps >= 1) { "--steps must be at least 1, was $steps" }
        val data = Dataset.xor()
        val model = mlp(inputs = 2) { dense(4, relu); dense(4, relu); dense(1) }
        model.fit(data, epochs = steps, loss = Losses.mse, optimizer = sgd(lr = 0.05, momentum = 0.9)) {
            progress = false
            onStep { if (it.step % 100 == 0 || it.step == steps - 1) println(String.format(Locale.ROOT, "step %4d  loss %.6f", it.step, it.loss)) }
        }
        var right = 0
        for (i in 0 until data.size()) {
            val x = data.x(i)
            val score = model.score(*x).data()
            val ok = (score > 0) == (data.y(i) > 0)
            if (ok) right++
            println(String.format(Locale.ROOT, "xor(%.0f, %.0f) = %+.4f  (want %+.0f) %s", x[0], x[1], score, data.y(i), if (ok) "right" else "WRONG"))
        }
        println("$right of 4 right")
        return if (right == 4) 0 else 1
    }
}
