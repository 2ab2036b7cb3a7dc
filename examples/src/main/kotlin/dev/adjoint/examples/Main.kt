@file:JvmName("Main")

package dev.adjoint.examples

import java.io.FileDescriptor
import java.io.FileOutputStream
import java.io.PrintStream
import java.util.concurrent.Callable
import kotlin.system.exitProcess
import picocli.CommandLine
import picocli.CommandLine.Command
import picocli.CommandLine.Option
import picocli.CommandLine.ScopeType

/** The `adjoint` command: a tour of Adjoint. With no subcommand it runs `demo`. */
@Command(
    name = "adjoint",
    mixinStandardHelpOptions = true,
    version = ["adjoint 0.1.0-SNAPSHOT"],
    description = ["Reverse-mode automatic differentiation for the JVM: a tour.",
        "With no subcommand, runs 'demo'."],
    subcommands = [Demo::class, Xor::class, Moons::class, Spirals::class, FitCommand::class, GradCheckCommand::class, Bench::class, CommandLine.HelpCommand::class],
)
class Adjoint : Callable<Int> {
    /** Read by [Cli.run] from the arguments; declared here so that every subcommand accepts it. */
    @Option(names = ["--stacktrace"], scope = ScopeType.INHERIT, description = ["Print the stack trace of an error."])
    var stacktrace: Boolean = false

    override fun call(): Int = Demo().call()
}

fun main(args: Array<String>) {
    // Print UTF-8 whatever the platform default is, so ∂ survives a POSIX locale.
    System.setOut(PrintStream(FileOutputStream(FileDescriptor.out), true, Charsets.UTF_8))
    exitProcess(Cli.run(args))
}
