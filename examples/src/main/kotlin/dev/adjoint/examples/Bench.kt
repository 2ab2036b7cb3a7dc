package dev.adjoint.examples

import dev.adjoint.dsl.Execution
import dev.adjoint.dsl.Summation
import dev.adjoint.nn.Dataset
import java.nio.file.Files
import java.nio.file.Path
import java.util.concurrent.Callable
import picocli.CommandLine.Command
import picocli.CommandLine.Option

/** `adjoint bench`: workload runners that print one JSON line, comparable across systems. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = ["Runs a benchmark workload and prints one JSON line."],
    subcommands = [BenchMoons::class],
)
class Bench : Callable<Int> {
    override fun call(): Int = usage("bench: name a workload, for example: adjoint bench moons --data FILE --init FILE --steps 100")
}

/** `adjoint bench moons`: the moons workload of ../shared/bench/README.md. */
@Command(
    name = "moons",
    mixinStandardHelpOptions = true,
    description = ["Trains the moons workload and prints its losses and time as one JSON line.",
        "The line: {\"system\", \"steps\", \"loss0\", \"loss_last\", \"acc_last\", \"seconds\", \"cpu_seconds\"} (seconds: wall time of the steps; cpu_seconds: the training thread's CPU time)."],
)
class BenchMoons : Callable<Int> {
    @Option(names = ["--data"], required = true, paramLabel = "FILE", description = ["CSV with columns x1, x2, label (label in {-1, +1})."])
    lateinit var data: Path

    @Option(names = ["--init"], required = true, paramLabel = "FILE", description = ["JSON with the MLP's layers and initial weights."])
    lateinit var init: Path

    @Option(names = ["--steps"], defaultValue = "100", paramLabel = "N", description = ["Training steps (default: \${DEFAULT-VALUE})."])
    var steps: Int = 100

    @Option(names = ["--mode"], defaultValue = "tape", paramLabel = "MODE",
        description = ["dynamic (rebuild the graph every step) or tape (record one row's graph once, replay it over all rows together; the default, faster). Both give bitwise the same numbers."])
    lateinit var mode: String

    @Option(names = ["--reassociate"],
        description = ["Sum the gradients over the rows reassociated (deterministic, within rounding of the exact order; see README, Reassociated sums). Default: the exact order, bitwise define-by-run."])
    var reassociate: Boolean = false

    @Option(names = ["--warmup"], defaultValue = "0", paramLabel = "K",
        description = ["Untimed trainings of a copy of the model before the timed one, to let the JIT compile (default: 0, a cold JVM)."])
    var warmup: Int = 0

    override fun call(): Int {
        checkUsage(steps >= 1) { "--steps must be at least 1, was $steps" }
        checkUsage(warmup >= 0) { "--warmup must be at least 0, was $warmup" }
        val execution = when (mode) {
            "dynamic" -> Execution.DYNAMIC
            "tape" -> Execution.TAPE
            else -> usage("--mode must be dynamic or tape, was '$mode'")
        }
        readable("--data", data)
        readable("--init", init)
        val dataset = Dataset.csv(data)
        val summation = if (reassociate) Summation.REASSOCIATED else Summation.EXACT
        repeat(warmup) { MoonsWorkload.run(MoonsWorkload.readMlp(init), dataset, steps, execution, summation = summation) }
        val r = MoonsWorkload.run(MoonsWorkload.readMlp(init), dataset, steps, execution, summation = summation)
        // appended, not a string template: a template's first use sets up the JVM's string
        // concatenation (method handles), which no other step of this command needs
        val system = StringBuilder("adjoint-0.1.0-SNAPSHOT ").append(mode)
        if (reassociate) system.append(" reassociated")
        if (warmup > 0) system.append(" warmup ").append(warmup)
        system.append(" (java ").append(System.getProperty("java.version")).append(')')
        val line = linkedMapOf<String, Any>(
            "system" to system.toString(),
            "steps" to r.steps,
            "loss0" to r.loss0,
            "loss_last" to r.lossLast,
            "acc_last" to r.accLast,
            "seconds" to r.seconds,
            "cpu_seconds" to r.cpuSeconds,
        )
        println(jsonLine(line))
        return 0
    }

    /** A missing or unreadable input file fails the run (exit 1), naming the option and the file. */
    private fun readable(option: String, file: Path) {
        require(Files.exists(file)) { "$option: no such file: $file" }
        require(Files.isRegularFile(file)) { "$option: not a file: $file" }
        require(Files.isReadable(file)) { "$option: cannot read $file (permission denied)" }
    }
}

/**
 * One JSON object on one line, for the flat values a bench line holds (strings, integers, doubles),
 * written without a JSON library: setting up Jackson's `ObjectMapper` cost a cold `bench moons`
 * process about 70 ms of CPU time, twice what its moons-100 training takes. Doubles print as [Double.toString] (the shortest decimal
 * that reads back the same); a non-finite one as a string ("NaN"), as Jackson writes it.
 */
internal fun jsonLine(fields: Map<String, Any>): String {
    val out = StringBuilder("{")
    for ((key, value) in fields) {
        if (out.length > 1) out.append(',')
        jsonString(out, key)
        out.append(':')
        when (value) {
            is Int, is Long -> out.append(value)
            is Double -> if (value.isFinite()) out.append(value) else jsonString(out, value.toString())
            is String -> jsonString(out, value)
            else -> throw IllegalArgumentException("jsonLine: $key is a ${value.javaClass.name}, not a string or number")
        }
    }
    return out.append('}').toString()
}

/** [s] as a JSON string: quotes, backslashes and control characters escaped, as Jackson escapes them. */
private fun jsonString(out: StringBuilder, s: String) {
    out.append('"')
    for (c in s) {
        when {
            c == '"' -> out.append("\\\"")
            c == '\\' -> out.append("\\\\")
            c == '\b' -> out.append("\\b")
            c == '\t' -> out.append("\\t")
            c == '\n' -> out.append("\\n")
            c == '\u000c' -> out.append("\\f")
            c == '\r' -> out.append("\\r")
            c < ' ' -> out.append(String.format("\\u%04X", c.code))
            else -> out.append(c)
        }
    }
    out.append('"')
}
