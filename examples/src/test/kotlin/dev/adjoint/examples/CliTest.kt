package dev.adjoint.examples

import java.io.ByteArrayOutputStream
import java.io.PrintStream
import java.io.PrintWriter
import java.io.StringWriter
import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.attribute.PosixFilePermissions
import java.time.Duration
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTimeoutPreemptively
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import org.junit.jupiter.api.function.ThrowingSupplier

/** The `adjoint` command's errors: one line on stderr, exit 2 for usage and 1 for a failed run. */
class CliTest {
    private class Run(val code: Int, val out: String, val err: String)

    private fun run(vararg args: String): Run {
        val old = System.out
        val out = ByteArrayOutputStream()
        val err = StringWriter()
        System.setOut(PrintStream(out, true, Charsets.UTF_8))
        try {
            val code = Cli.run(args, PrintWriter(err, true))
            return Run(code, out.toString(Charsets.UTF_8), err.toString())
        } finally {
            System.setOut(old)
        }
    }

    private fun resource(name: String): Path = Path.of(CliTest::class.java.getResource("/data/$name")!!.toURI())

    /** Exactly one line, `adjoint: ...`, containing every one of [parts], and no stack trace. */
    private fun assertOneLine(r: Run, code: Int, vararg parts: String) {
        assertEquals(code, r.code, "exit code; stderr: ${r.err}")
        val lines = r.err.lines().filter { it.isNotEmpty() }
        assertEquals(1, lines.size, "one line on stderr, got:\n${r.err}")
        assertTrue(lines[0].startsWith("adjoint: "), lines[0])
        for (p in parts) assertTrue(lines[0].contains(p), "'$p' missing from: ${lines[0]}")
        assertFalse(r.err.contains("\tat ") || r.err.contains("Exception"), r.err)
    }

    private fun bench(vararg extra: String, data: Path = resource("moons-100.csv"), init: Path = resource("mlp-2-16-16-1.json")) =
        run("bench", "moons", "--data", data.toString(), "--init", init.toString(), *extra)

    @Test
    fun negativeStepsIsAUsageError() = assertOneLine(bench("--steps", "-5"), 2, "--steps must be at least 1, was -5")

    @Test
    fun aBadModeIsAUsageError() = assertOneLine(bench("--mode", "fast"), 2, "--mode", "'fast'")

    @Test
    fun anUnknownOptionIsAUsageError() = assertOneLine(run("xor", "--stpes", "3"), 2, "--stpes", "adjoint xor --help")

    @Test
    fun aNonNumberIsAUsageError() = assertOneLine(run("xor", "--steps", "many"), 2, "--steps", "many")

    @Test
    fun aMissingRequiredOptionIsAUsageError() = assertOneLine(run("bench", "moons", "--steps", "3"), 2, "--data", "--init")

    @Test
    fun benchWithoutAWorkloadIsAUsageError() = assertOneLine(run("bench"), 2, "name a workload")

    @Test
    fun aMissingDataFileFailsNamingIt(@TempDir dir: Path) {
        val missing = dir.resolve("missing.csv")
        assertOneLine(bench(data = missing), 1, "--data", missing.toString())
    }

    @Test
    fun aMalformedDataFileFailsNamingItsLine(@TempDir dir: Path) {
        val csv = Files.writeString(dir.resolve("bad.csv"), "x1,x2,label\n0.5,0.25,1\n0.5,oops,-1\n")
        assertOneLine(bench(data = csv), 1, csv.toString(), ":3", "oops")
    }

    @Test
    fun malformedJsonNamesTheFileNotRedacted(@TempDir dir: Path) {
        val json = Files.writeString(dir.resolve("init.json"), "{\"layers\": [{\"w\": [[0.1, 0.2]], \"b\": [0.0]}\n")
        val r = bench(init = json)
        assertOneLine(r, 1, "$json:2")
        assertFalse(r.err.contains("REDACTED"), r.err)
    }

    @Test
    fun stacktraceShowsTheStackTrace(@TempDir dir: Path) {
        val r = bench("--stacktrace", data = dir.resolve("missing.csv"))
        assertEquals(1, r.code)
        assertTrue(r.err.startsWith("adjoint: --data: no such file"), r.err)
        assertTrue(r.err.contains("\tat dev.adjoint.examples."), r.err)
    }

    @Test
    fun anOutFolderThatIsAFileFailsNamingIt(@TempDir dir: Path) {
        val file = Files.writeString(dir.resolve("taken"), "x")
        assertOneLine(run("demo", "--out", file.toString(), "--dot", dir.resolve("no-dot").toString()), 2, "--out $file", "not a folder")
    }

    @Test
    fun outFoldersAreCheckedBeforeTraining(@TempDir dir: Path) {
        val file = Files.writeString(dir.resolve("taken"), "x")
        val cases = listOf(
            run("moons", "--out", "/proc/nope") to listOf("--out /proc/nope: cannot create this folder"),
            run("moons", "--out", "/proc") to listOf("--out /proc: cannot write in this folder"),
            run("spirals", "--out", file.toString()) to listOf("--out $file: exists and is not a folder"),
        )
        for ((r, parts) in cases) {
            assertOneLine(r, 2, *parts.toTypedArray())
            assertEquals("", r.out, "nothing trained before the check")
        }
    }

    @Test
    fun aRosenbrockTooLargeIsRefusedBeforeWork() {
        val r = run("fit", "--problem", "rosenbrock", "--dim", "100000000")
        assertOneLine(r, 2, "--dim must be at most 100000, was 100000000")
        assertEquals("", r.out)
        assertTrue(run("fit", "--help").out.contains("2 to 100000"))
    }

    private fun script(dir: Path, name: String, body: String): Path {
        val f = Files.writeString(dir.resolve(name), "#!/bin/sh\n$body\n")
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"))
        return f
    }

    @Test
    fun aHangingGraphvizIsStoppedAndSaysSo(@TempDir dir: Path) {
        val dot = script(dir, "dot", "echo working; sleep 600")
        val out = Files.createDirectory(dir.resolve("out"))
        val r = assertTimeoutPreemptively(Duration.ofSeconds(30), ThrowingSupplier {
            run("demo", "--out", out.toString(), "--dot", dot.toString(), "--dot-timeout", "1")
        })
        assertOneLine(r, 1, "did not finish within 1 s", "stopped", "demo.svg not written")
        assertTrue(r.out.startsWith("d = -0.96403"), r.out)
        assertTrue(Files.readString(out.resolve("demo.dot")).startsWith("digraph"))
        assertEquals(listOf("demo.dot"), Files.list(out).use { s -> s.map { it.fileName.toString() }.toList() }, "no temporary file left")
    }

    @Test
    fun aFailingGraphvizNamesWhatItSaid(@TempDir dir: Path) {
        val dot = script(dir, "dot", "echo 'Error: syntax error in line 1' >&2; exit 3")
        assertOneLine(run("demo", "--out", dir.toString(), "--dot", dot.toString()), 1, "exit code 3", "syntax error in line 1")
        assertFalse(Files.exists(dir.resolve("demo.svg")))
    }

    @Test
    fun graphvizWritesTheSvgThroughATemporaryFile(@TempDir dir: Path) {
        // the fake dot copies its input to the file after -o, which must not be demo.svg itself
        val dot = script(dir, "dot", "case \"\$4\" in */demo.svg) exit 9;; esac; cp \"\$2\" \"\$4\"")
        val out = Files.createDirectory(dir.resolve("out"))
        val r = run("demo", "--out", out.toString(), "--dot", dot.toString())
        assertEquals(0, r.code, r.err)
        assertEquals(Files.readString(out.resolve("demo.dot")), Files.readString(out.resolve("demo.svg")))
        assertEquals(setOf("demo.dot", "demo.svg"), Files.list(out).use { s -> s.map { it.fileName.toString() }.toList() }.toSet())
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(out.resolve("demo.svg"))))
    }

    @Test
    fun outputsReplaceASymlinkAndNeverWriteThroughIt(@TempDir dir: Path) {
        val victim = Files.writeString(dir.resolve("victim.txt"), "keep me")
        val out = Files.createDirectory(dir.resolve("out"))
        Files.createSymbolicLink(out.resolve("demo.dot"), victim)
        val r = run("demo", "--out", out.toString(), "--dot", dir.resolve("no-dot").toString(), "--dot-timeout", "5")
        assertEquals("keep me", Files.readString(victim))
        assertFalse(Files.isSymbolicLink(out.resolve("demo.dot")))
        assertTrue(Files.readString(out.resolve("demo.dot")).startsWith("digraph"))
        // the missing dot program is itself an error that names it
        assertOneLine(r, 1, "cannot run", "no-dot")
    }

    @Test
    fun anOutFolderMayBeALinkToAFolder(@TempDir dir: Path) {
        val real = Files.createDirectory(dir.resolve("real"))
        val link = Files.createSymbolicLink(dir.resolve("link"), real)
        val r = run("demo", "--out", link.toString(), "--dot", script(dir, "dot", "cp \"\$2\" \"\$4\"").toString())
        assertEquals(0, r.code, r.err)
        assertTrue(Files.readString(real.resolve("demo.svg")).startsWith("digraph"))
    }

    @Test
    fun outputsLeaveTheOldFileWhenWritingFails(@TempDir dir: Path) {
        val target = Files.writeString(dir.resolve("a.txt"), "old")
        val e = runCatching { Outputs.write(target) { it.write("half".toByteArray()); error("disk full") } }.exceptionOrNull()
        assertEquals("disk full", e?.message)
        assertEquals("old", Files.readString(target))
        assertEquals(listOf("a.txt"), Files.list(dir).use { s -> s.map { it.fileName.toString() }.toList() })
    }

    @Test
    fun helpListsOneWholeSentencePerCommand() {
        val r = run("--help")
        assertEquals(0, r.code)
        val commands = r.out.substringAfter("Commands:\n").lines()
        val summaries = LinkedHashMap<String, StringBuilder>()
        for (line in commands) {
            val m = Regex("^  (\\S+)\\s+(.*)$").find(line)
            if (m != null) summaries[m.groupValues[1]] = StringBuilder(m.groupValues[2])
            else if (line.isNotBlank() && summaries.isNotEmpty()) summaries.values.last().append(' ').append(line.trim())
        }
        assertTrue(summaries.keys.containsAll(listOf("demo", "xor", "moons", "gradcheck", "bench", "help")), r.out)
        for ((name, text) in summaries) {
            val s = text.toString()
            assertTrue(s.endsWith(".") && !s.contains(". "), "$name: '$s' is not one whole sentence")
        }
    }
}
