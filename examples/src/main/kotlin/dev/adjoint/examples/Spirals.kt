package dev.adjoint.examples

import dev.adjoint.dsl.Losses
import dev.adjoint.dsl.adam
import dev.adjoint.dsl.fit
import dev.adjoint.dsl.mlp
import dev.adjoint.nn.Dataset
import dev.adjoint.nn.Init
import java.nio.file.Path
import java.util.Locale
import java.util.concurrent.Callable
import picocli.CommandLine.Command
import picocli.CommandLine.Option

/** `adjoint spirals`: a three-class model trained in shuffled mini-batches, checked on held-out points. */
@Command(
    name = "spirals",
    mixinStandardHelpOptions = true,
    description = ["Trains a three-class MLP on interleaved spirals and draws its decision regions.",
        "Three spirals (200 points each, noise 0.2): 480 for training, 120 held out.",
        "MLP(2, [32, 32, 3]) with PyTorch's initialisation, softmax cross-entropy, Adam (lr 0.01) on shuffled",
        "mini-batches. Prints the loss and accuracies every 20 epochs and the validation accuracy;",
        "writes spirals.png (decision regions, points and a class legend)."],
)
class Spirals : Callable<Int> {
    @Option(names = ["--out"], paramLabel = "DIR", description = ["Folder for spirals.png (default: the current folder)."])
    var out: Path = Path.of(".")

    @Option(names = ["--seed"], defaultValue = "42", paramLabel = "S", description = ["Seed of the data, the weights and the shuffling (default: \${DEFAULT-VALUE})."])
    var seed: Long = 42

    @Option(names = ["--epochs"], defaultValue = "100", paramLabel = "N", description = ["Epochs (default: \${DEFAULT-VALUE})."])
    var epochs: Int = 100

    @Option(names = ["--batch-size"], defaultValue = "32", paramLabel = "B", description = ["Rows per step (default: \${DEFAULT-VALUE})."])
    var batchSize: Int = 32

    override fun call(): Int {
        checkUsage(epochs >= 1) { "--epochs must be at least 1, was $epochs" }
        checkUsage(batchSize >= 1) { "--batch-size must be at least 1, was $batchSize" }
        Outputs.outFolder("--out", out)
        val all = Dataset.spirals(200, 3, 0.2, seed)
        val train = all.slice(0, 480)
        val validation = all.slice(480, 600)
        val model = mlp(inputs = 2, seed = seed, init = Init.PYTORCH) { dense(32, relu); dense(32, relu); dense(3) }
        val start = System.nanoTime()
        val history = model.fit(train, epochs, loss = Losses.softmaxCrossEntropy, optimizer = adam(0.01), batchSize = batchSize, validation = validation) {
            this.seed = seed
            onEpoch {
                if (it.epoch % 20 == 0 || it.epoch == epochs - 1) {
                    println(String.format(Locale.ROOT, "epoch %3d  loss %.4f  accuracy %5.1f%%  validation loss %.4f  accuracy %5.1f%%",
                        it.epoch, it.loss, 100 * it.accuracy, it.validationLoss, 100 * it.validationAccuracy))
                }
            }
        }
        val ms = (System.nanoTime() - start) / 1e6
        val last = history.epochs.last()
        println(String.format(Locale.ROOT, "trained %d epochs (%d steps of %d rows) in %.0f ms: validation accuracy %.1f%%",
            epochs, history.steps.size, batchSize, ms, 100 * last.validationAccuracy))
        val title = String.format(Locale.ROOT, "spirals: MLP(2, [32, 32, 3]), validation accuracy %.1f%%", 100 * last.validationAccuracy)
        val picture = Plots.decisionBoundary(model, all, out.resolve("spirals.png"), title, listOf("class 0", "class 1", "class 2"))
        println("wrote $picture")
        return 0
    }
}
