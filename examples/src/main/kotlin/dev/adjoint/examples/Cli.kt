package dev.adjoint.examples

import com.fasterxml.jackson.core.JsonProcessingException
import java.io.IOException
import java.io.PrintWriter
import java.io.UncheckedIOException
import java.nio.file.AccessDeniedException
import java.nio.file.DirectoryNotEmptyException
import java.nio.file.FileAlreadyExistsException
import java.nio.file.FileSystemException
import java.nio.file.FileSystemLoopException
import java.nio.file.NoSuchFileException
import java.nio.file.NotDirectoryException
import java.nio.file.Path
import picocli.CommandLine

/**
 * A wrong or missing option value, found after parsing: the command exits with [Cli.USAGE].
 * Throw it (or call [usage]) from a command's `call()`; every other exception is a failed run.
 */
class UsageException(message: String) : RuntimeException(message)

/** Throws a [UsageException] with [message]. */
fun usage(message: String): Nothing = throw UsageException(message)

/** Throws a [UsageException] with [message] unless [condition] holds. */
inline fun checkUsage(condition: Boolean, message: () -> String) {
    if (!condition) usage(message())
}

/**
 * The one place where the `adjoint` command turns failures into exit codes and messages: every user
 * error prints one line, `adjoint: <what is wrong>`, on standard error, and exits with [USAGE] (a
 * wrong command line) or [FAILED] (a run that failed: a missing or malformed file, a bad number, a
 * failed check). A stack trace follows only with `--stacktrace`. Every subcommand gets this, new
 * ones included, because [run] installs it on the root [CommandLine].
 */
object Cli {
    /** Exit code of a run that failed. */
    const val FAILED = 1

    /** Exit code of a wrong command line (unknown option, bad or missing value). */
    const val USAGE = 2

    /**
     * Runs the `adjoint` command with [args] and returns its exit code; [err] receives the error
     * lines (standard error by default). Errors (out of memory, stack overflow) are reported too.
     */
    fun run(args: Array<out String>, err: PrintWriter? = null): Int {
        val stacktrace = args.takeWhile { it != "--" }.contains("--stacktrace")
        val cl = CommandLine(Adjoint())
        if (err != null) cl.err = err
        cl.setParameterExceptionHandler { e, _ ->
            val help = e.commandLine.commandSpec.qualifiedName()
            report(e.commandLine.err, oneLine(e.message ?: e.javaClass.simpleName) + " (see '$help --help')", e, stacktrace)
            USAGE
        }
        cl.setExecutionExceptionHandler { e, commandLine, _ -> fail(commandLine.err, e, stacktrace) }
        return try {
            cl.execute(*args)
        } catch (e: Error) {
            fail(cl.err, e, stacktrace)
        }
    }

    private fun fail(err: PrintWriter, e: Throwable, stacktrace: Boolean): Int {
        report(err, message(e), e, stacktrace)
        if (!stacktrace && isInternal(e)) err.println("adjoint: run with --stacktrace for details")
        err.flush()
        return if (e is UsageException) USAGE else FAILED
    }

    private fun report(err: PrintWriter, line: String, e: Throwable, stacktrace: Boolean) {
        err.println("adjoint: $line")
        if (stacktrace) e.printStackTrace(err)
        err.flush()
    }

    /** What is wrong, in one line, naming the file where there is one. */
    fun message(e: Throwable): String = oneLine(describe(e))

    private fun describe(e: Throwable): String = when (e) {
        is UsageException -> e.message.orEmpty()
        is UncheckedIOException -> describe(e.cause ?: e)
        is NoSuchFileException -> "${e.file}: no such file or folder" + other(e)
        is AccessDeniedException -> "${e.file}: permission denied" + other(e)
        is FileAlreadyExistsException -> "${e.file}: already exists" + other(e)
        is NotDirectoryException -> "${e.file}: not a folder" + other(e)
        is DirectoryNotEmptyException -> "${e.file}: is a folder that is not empty" + other(e)
        is FileSystemLoopException -> "${e.file}: symbolic links form a loop"
        is FileSystemException -> "${e.file}: ${e.reason ?: "cannot be used"}" + other(e)
        is JsonProcessingException -> json(null, e)
        is IOException -> "I/O error: " + (e.message ?: e.javaClass.simpleName)
        is OutOfMemoryError -> "out of memory (${e.message}); give the JVM more with -Xmx, or use smaller inputs"
        is StackOverflowError -> "stack overflow"
        else -> if (isInternal(e)) "internal error: $e" else e.message ?: e.javaClass.simpleName
    }

    /**
     * A JSON error as one line that names [file] (when known) and the line and column, without the
     * "Source: REDACTED" clauses Jackson puts in its own messages.
     */
    private fun json(file: Path?, e: JsonProcessingException): String {
        val at = e.location?.let { "line ${it.lineNr}, column ${it.columnNr}: " }.orEmpty()
        val what = e.originalMessage.replace(Regex("""\[Source: [^\]]*?; line: (\d+), column: (\d+)]"""), "line $1, column $2")
        return (file?.let { "$it: " } ?: "malformed JSON: ") + at + oneLine(what)
    }

    private fun other(e: FileSystemException): String = e.otherFile?.let { " (and $it)" }.orEmpty()

    /** Errors that are the program's fault rather than the input's: they name their type. */
    private fun isInternal(e: Throwable): Boolean = when (e) {
        is IllegalArgumentException, is IllegalStateException, is ArithmeticException,
        is UnsupportedOperationException, is IOException, is UncheckedIOException, is UsageException,
        is VirtualMachineError -> false
        else -> e.message == null || e !is RuntimeException || e is NullPointerException ||
            e is ClassCastException || e is IndexOutOfBoundsException || e is NoSuchElementException
    }

    private fun oneLine(s: String): String = s.lineSequence().map { it.trim() }.filter { it.isNotEmpty() }.joinToString("; ")
}
