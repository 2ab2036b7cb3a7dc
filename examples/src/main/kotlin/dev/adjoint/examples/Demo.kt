package dev.adjoint.examples

import dev.adjoint.Value
import dev.adjoint.dsl.pow
import dev.adjoint.dsl.tanh
import java.nio.file.Files
import java.nio.file.Path
import java.util.Locale
import java.util.concurrent.Callable
import java.util.concurrent.TimeUnit
import picocli.CommandLine.Command
import picocli.CommandLine.Option

/** The seed example: d = tanh(a·b + a²) at a = 2, b = -3, its gradient, and its graph. */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = ["Differentiates d = tanh(a*b + a^2) at a = 2, b = -3, prints d and its gradient,",
        "and writes the graph of d as demo.dot (and demo.svg when Graphviz's dot is on the PATH)."],
)
class Demo : Callable<Int> {
    @Option(names = ["--out"], paramLabel = "DIR", description = ["Folder for demo.dot and demo.svg (default: the current folder)."])
    var out: Path = Path.of(".")

    override fun call(): Int {
        val a = Value.of(2.0, "a")
        val b = Value.of(-3.0, "b")
        val d = tanh(a * b + (a pow 2))
        d.backward()
        println(String.format(Locale.ROOT, "d = %.5f, ∂d/∂a = %.5f, ∂d/∂b = %.5f", d.data(), a.grad(), b.grad()))

        Files.createDirectories(out)
        val dotFile = out.resolve("demo.dot")
        Files.writeString(dotFile, d.toDot())
        val svg = Graphviz.render(dotFile, out.resolve("demo.svg"))
        println("graph written to $dotFile" + if (svg != null) " and $svg" else " (install Graphviz for demo.svg)")
        return 0
    }
}

/** Runs Graphviz's `dot` when it is on the PATH. */
object Graphviz {
    /** Renders [dot] to [svg] and returns it, or returns null when `dot` is not on the PATH. */
    fun render(dot: Path, svg: Path): Path? {
        val exe = onPath("dot") ?: return null
        val p = ProcessBuilder(exe.toString(), "-Tsvg", dot.toString(), "-o", svg.toString())
            .redirectErrorStream(true).start()
        val output = p.inputStream.bufferedReader().readText()
        check(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0) { "dot failed on $dot: $output" }
        return svg
    }

    private fun onPath(name: String): Path? =
        System.getenv("PATH").orEmpty().split(java.io.File.pathSeparator)
            .filter { it.isNotEmpty() }
            .map { Path.of(it, name) }
            .firstOrNull { Files.isExecutable(it) }
}
