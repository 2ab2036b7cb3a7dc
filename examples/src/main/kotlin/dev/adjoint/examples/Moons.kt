package dev.adjoint.examples

import dev.adjoint.dsl.Losses
import dev.adjoint.dsl.fit
import dev.adjoint.dsl.mlp
import dev.adjoint.dsl.sgd
import dev.adjoint.nn.Dataset
import java.nio.file.Path
import java.util.Locale
import java.util.concurrent.Callable
import picocli.CommandLine.Command
import picocli.CommandLine.Option

/** `adjoint moons`: micrograd's demo, on the Kotlin DSL. */
@Command(
    name = "moons",
    mixinStandardHelpOptions = true,
    description = ["Trains micrograd's moons demo and draws its decision boundary.",
        "100 moons points (noise 0.1), MLP(2, [16, 16, 1]), hinge loss plus 1e-4 L2, 100 SGD steps with",
        "lr = 1.0 - 0.9 k/100. Prints the final loss and accuracy and writes moons.png (the decision",
        "boundary) and loss.png (loss and accuracy per step)."],
)
class Moons : Callable<Int> {
    @Option(names = ["--out"], paramLabel = "DIR", description = ["Folder for moons.png and loss.png (default: the current folder)."])
    var out: Path = Path.of(".")

    @Option(names = ["--seed"], defaultValue = "42", paramLabel = "S", description = ["Seed of the data set (default: \${DEFAULT-VALUE})."])
    var seed: Long = 42

    @Option(names = ["--steps"], defaultValue = "100", paramLabel = "N", description = ["Training steps (default: \${DEFAULT-VALUE})."])
    var steps: Int = 100

    override fun call(): Int {
        checkUsage(steps >= 1) { "--steps must be at least 1, was $steps" }
        Outputs.outFolder("--out", out)
        val data = Dataset.moons(100, 0.1, seed)
        val model = mlp(inputs = 2) { dense(16, relu); dense(16, relu); dense(1) }
        val start = System.nanoTime()
        val history = model.fit(data, epochs = steps, loss = Losses.hinge, optimizer = sgd { k -> 1.0 - 0.9 * k / 100 }) {
            l2 = 1e-4
        }
        val ms = (System.nanoTime() - start) / 1e6
        println(String.format(Locale.ROOT, "trained %d steps in %.0f ms: loss %.6f, accuracy %.0f%%",
            steps, ms, history.last.loss, 100 * history.last.accuracy))
        val scores = model.predict(data)
        val right = (0 until data.size()).count { (scores[it][0] > 0) == (data.y(it) > 0) }
        val title = String.format(Locale.ROOT, "moons: MLP(2, [16, 16, 1]), training accuracy %.0f%%", 100.0 * right / data.size())
        val boundary = Plots.decisionBoundary(model, data, out.resolve("moons.png"), title, listOf("label -1", "label +1"))
        val curves = Plots.lossAndAccuracy(history, out.resolve("loss.png"))
        println("wrote $boundary and $curves")
        return 0
    }
}
