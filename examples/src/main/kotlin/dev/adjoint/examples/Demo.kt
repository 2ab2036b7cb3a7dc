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
    description = ["Differentiates d = tanh(a*b + a^2) at a = 2, b = -3 and writes the graph of d.",
        "Prints d and its gradient, and writes demo.dot (and demo.svg when Graphviz's dot is on the PATH)."],
)
class Demo : Callable<Int> {
    @Option(names = ["--out"], paramLabel = "DIR", description = ["Folder for demo.dot and demo.svg (default: the current folder)."])
    var out: Path = Path.of(".")

    @Option(names = ["--dot"], paramLabel = "FILE", description = ["Graphviz's dot program (default: dot on the PATH)."])
    var dotProgram: Path? = null

    @Option(names = ["--dot-timeout"], defaultValue = "30", paramLabel = "SECONDS",
        description = ["Stop dot if it runs longer than this (default: \${DEFAULT-VALUE})."])
    var dotTimeout: Long = 30

    override fun call(): Int {
        checkUsage(dotTimeout >= 1) { "--dot-timeout must be at least 1 second, was $dotTimeout" }
        Outputs.outFolder("--out", out)
        val a = Value.of(2.0, "a")
        val b = Value.of(-3.0, "b")
        val d = tanh(a * b + (a pow 2))
        d.backward()
        println(String.format(Locale.ROOT, "d = %.5f, ∂d/∂a = %.5f, ∂d/∂b = %.5f", d.data(), a.grad(), b.grad()))

        val dotFile = Outputs.writeString(out.resolve("demo.dot"), d.toDot())
        val exe = dotProgram ?: Graphviz.onPath()
        if (exe == null) {
            println("graph written to $dotFile (install Graphviz for demo.svg)")
            return 0
        }
        val svg = Graphviz.render(exe, dotFile, out.resolve("demo.svg"), dotTimeout)
        println("graph written to $dotFile and $svg")
        return 0
    }
}

/** Runs Graphviz's `dot`, with a timeout. Stateless; safe from any thread. */
object Graphviz {
    /** The `dot` program on the PATH, or null. */
    fun onPath(): Path? =
        System.getenv("PATH").orEmpty().split(java.io.File.pathSeparator)
            .filter { it.isNotEmpty() }
            .map { Path.of(it, "dot") }
            .firstOrNull { Files.isExecutable(it) }

    /**
     * Renders [dot] to [svg] with the program [exe] and returns [svg]. Throws an exception naming
     * the problem when [exe] fails, or runs longer than [timeoutSeconds] (it is then killed); [svg]
     * is then left as it was. The program's output is drained as it runs (a full pipe cannot stall it).
     */
    fun render(exe: Path, dot: Path, svg: Path, timeoutSeconds: Long): Path = Outputs.replace(svg) { tmp ->
        val log = Files.createTempFile("adjoint-dot-", ".log")
        try {
            val p = try {
                ProcessBuilder(exe.toString(), "-Tsvg", dot.toString(), "-o", tmp.toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.PIPE).start()
            } catch (e: java.io.IOException) {
                throw IllegalStateException("cannot run $exe: ${e.message}")
            }
            p.outputStream.close()
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.descendants().forEach { it.destroyForcibly() }
                p.destroyForcibly()
                p.waitFor(5, TimeUnit.SECONDS)
                throw IllegalStateException("$exe did not finish within $timeoutSeconds s and was stopped; ${svg.fileName} not written")
            }
            if (p.exitValue() != 0) {
                val said = Files.readAllLines(log).map { it.trim() }.firstOrNull { it.isNotEmpty() }
                throw IllegalStateException("$exe failed on $dot with exit code ${p.exitValue()}" + (said?.let { ": $it" } ?: ""))
            }
        } finally {
            Files.deleteIfExists(log)
        }
    }
}
