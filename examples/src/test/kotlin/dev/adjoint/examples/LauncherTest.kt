package dev.adjoint.examples

import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.attribute.PosixFilePermissions
import java.util.concurrent.TimeUnit
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir

/**
 * bin/adjoint (the build copies it from examples/src/main/launcher): run in a copy of the checkout's
 * layout whose `java` prints its arguments, so the options it picks can be read.
 */
class LauncherTest {
    @TempDir
    lateinit var dir: Path
    private lateinit var launcher: Path
    private lateinit var home: Path

    private fun executable(file: Path, text: String): Path {
        Files.createDirectories(file.parent)
        Files.writeString(file, text)
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"))
        return file
    }

    @BeforeEach
    fun layout() {
        home = dir.resolve("checkout")
        val source = generateSequence(Path.of("").toAbsolutePath()) { it.parent }
            .map { it.resolve("examples/src/main/launcher/adjoint") }.first { Files.exists(it) }
        launcher = executable(home.resolve("bin/adjoint"), Files.readString(source))
        Files.createDirectories(home.resolve("examples/target"))
        Files.writeString(home.resolve("examples/target/adjoint.jar"), "")
        Files.writeString(home.resolve("examples/target/adjoint.jsa"), "")
        executable(dir.resolve("jdk/bin/java"), "#!/bin/sh\necho \"\$@\"\n")
    }

    private fun run(vararg args: String, env: Map<String, String> = emptyMap(), exe: Path = launcher): Pair<Int, String> {
        val pb = ProcessBuilder(listOf(exe.toString()) + args).directory(dir.toFile()).redirectErrorStream(true)
        pb.environment()["JAVA_HOME"] = dir.resolve("jdk").toString()
        pb.environment().remove("JAVA_OPTS")
        pb.environment().remove("ADJOINT_C1_MAX_WORK")
        pb.environment().putAll(env)
        val p = pb.start()
        val out = p.inputStream.bufferedReader().readText()
        assertTrue(p.waitFor(30, TimeUnit.SECONDS))
        return p.exitValue() to out.trim()
    }

    private fun data(rows: Int): Path {
        val f = dir.resolve("data-$rows.csv")
        Files.writeString(f, "x1,x2,label\n" + "0.5,-0.25,1\n".repeat(rows))
        return f
    }

    private val real get() = home.toRealPath()

    /** A short job's options: C1 only (one compiler thread, the serial collector), and Adjoint's own methods compiled early. */
    private val c1 = "-XX:TieredStopAtLevel=1 -XX:CICompilerCount=1 -XX:+UseSerialGC -XX:CompileCommand=quiet -XX:CompileCommand=option,dev.adjoint.*::*,double,CompileThresholdScaling,0.1"

    @Test
    fun aShortJobRunsWithC1AndTheArchive() {
        val (code, out) = run("bench", "moons", "--data", data(100).toString(), "--init", "i.json", "--steps", "100")
        assertEquals(0, code, out)
        assertEquals("$c1 -XX:SharedArchiveFile=$real/examples/target/adjoint.jsa -Xlog:cds=off -Xlog:cds+dynamic=off " +
            "-jar $real/examples/target/adjoint.jar bench moons --data ${data(100)} --init i.json --steps 100", out)
    }

    @Test
    fun rowsTimesStepsDecides() {
        // 1000 rows (the header is not a row) x 100 steps is 1e5, the default bound; one more step is over it
        assertTrue(run("bench", "moons", "--data=${data(1000)}", "--steps=100").second.startsWith("-XX:TieredStopAtLevel=1 "))
        assertFalse(run("bench", "moons", "--data=${data(1000)}", "--steps=101").second.contains("TieredStopAtLevel"))
        assertFalse(run("bench", "moons", "--data", data(1001).toString()).second.contains("TieredStopAtLevel"), "bench's default is 100 steps")
        assertTrue(run("moons", "--steps", "1000").second.startsWith("-XX:TieredStopAtLevel=1 "), "moons has 100 rows")
        assertFalse(run("moons", "--steps", "1001").second.contains("TieredStopAtLevel"))
        assertFalse(run("moons", "--steps", "99999999999999999999").second.contains("TieredStopAtLevel"))
        assertTrue(run().second.startsWith("-XX:TieredStopAtLevel=1 "), "demo")
        assertTrue(run("--help").second.startsWith("-XX:TieredStopAtLevel=1 "))
        assertFalse(run("some-new-command", "--size", "9").second.contains("TieredStopAtLevel"), "unknown size: the full JIT")
        assertFalse(run("moons", "--steps", "100", env = mapOf("ADJOINT_C1_MAX_WORK" to "0")).second.contains("TieredStopAtLevel"))
    }

    @Test
    fun javaOptsComeAfterTheLaunchersOptions() {
        val (_, out) = run("xor", env = mapOf("JAVA_OPTS" to "-Xmx64m -XX:TieredStopAtLevel=4"))
        assertTrue(out.startsWith("$c1 -XX:SharedArchiveFile="), out)
        assertTrue(out.contains("-Xlog:cds+dynamic=off -Xmx64m -XX:TieredStopAtLevel=4 -jar "), out)
    }

    @Test
    fun worksThroughALinkAndFromAnyFolder() {
        val link = Files.createSymbolicLink(dir.resolve("adjoint-link"), launcher)
        val (code, out) = run("demo", exe = link)
        assertEquals(0, code, out)
        assertTrue(out.endsWith("-jar $real/examples/target/adjoint.jar demo"), out)
    }

    /** The launcher's text: [name] from examples/src/main/launcher, without comment lines. */
    private fun script(name: String, comment: String): List<String> {
        val source = generateSequence(Path.of("").toAbsolutePath()) { it.parent }
            .map { it.resolve("examples/src/main/launcher/$name") }.first { Files.exists(it) }
        return Files.readAllLines(source).filter { !it.trim().startsWith(comment) }
    }

    /** Every JVM option a script's code names (-X...), up to a value the script fills in. */
    private fun options(lines: List<String>): Set<String> =
        lines.flatMap { Regex("""-X[A-Za-z0-9:+=_.,*]*""").findAll(it).map { m -> m.value }.toList() }.toSortedSet()

    @Test
    fun theWindowsLauncherMakesTheSameDecisions() {
        // adjoint.cmd has never run here (no Windows): its text must at least say what bin/adjoint does
        val sh = script("adjoint", "#")
        val cmd = script("adjoint.cmd", "rem ")
        // per command: the rows, and the steps (fixed, or a default that --steps/--epochs replaces)
        val shSizes = sortedMapOf<String, String>()
        val block = sh.dropWhile { !it.contains("case \$command in") }.drop(1).takeWhile { it.trim() != "esac" }
        for (line in block) {
            val m = Regex("""^\s*([^)]*)\)(.*);;\s*$""").find(line) ?: continue
            val size = "rows=" + (Regex("""rows=(\d+)""").find(m.groupValues[2])?.groupValues?.get(1) ?: "") +
                " steps=" + (Regex("""steps=\$\{steps:-(\d+)\}""").find(m.groupValues[2])?.let { it.groupValues[1] + " unless given" }
                    ?: Regex("""steps=(\d+)""").find(m.groupValues[2])?.groupValues?.get(1) ?: "")
            for (name in m.groupValues[1].split('|')) shSizes[if (name == "''") "(none)" else name] = size
        }
        val cmdSizes = sortedMapOf<String, String>()
        for (line in cmd) {
            val m = Regex("""^if "%COMMAND%"=="(\w*)" \((.*)\)$""").find(line.trim()) ?: continue
            val body = m.groupValues[2]
            val size = "rows=" + (Regex("""set "ROWS=(\d+)"""").find(body)?.groupValues?.get(1) ?: "") +
                " steps=" + (Regex("""if not defined STEPS set "STEPS=(\d+)"""").find(body)?.let { it.groupValues[1] + " unless given" }
                    ?: Regex("""set "STEPS=(\d+)"""").find(body)?.groupValues?.get(1) ?: "")
            cmdSizes[m.groupValues[1].ifEmpty { "(none)" }] = size
        }
        assertTrue(shSizes.size >= 6, shSizes.toString())
        assertEquals(shSizes, cmdSizes)
        // the options of both are the same: C1 for short jobs, the archive, its quiet logging
        assertEquals(options(sh), options(cmd))
        assertTrue(options(sh).containsAll(c1.split(' ')), options(sh).toString())
        // the same default bound on rows x steps, the same variables, the same options read for the size
        assertEquals(Regex("""ADJOINT_C1_MAX_WORK:-(\d+)""").find(sh.joinToString("\n"))?.groupValues?.get(1),
            Regex("""set "ADJOINT_C1_MAX_WORK=(\d+)"""").find(cmd.joinToString("\n"))?.groupValues?.get(1))
        for (name in listOf("JAVA_HOME", "JAVA_OPTS", "ADJOINT_C1_MAX_WORK")) {
            assertTrue(sh.any { it.contains(name) } && cmd.any { it.contains(name) }, name)
        }
        for (option in listOf("--data", "--steps", "--epochs")) {
            assertTrue(sh.any { it.contains("$option)") || it.contains("$option|") } && cmd.any { it.contains("\"$option\"") }, option)
        }
        // rows: lines whose first character is part of a number, in both
        assertTrue(sh.any { it.contains("grep -c '^[[:space:]]*[-+.0-9]'") })
        assertTrue(cmd.any { it.contains("findstr /r /c:\"^[-+.0-9]\"") })
        // the launcher's options, then JAVA_OPTS (so they win), then the jar and the arguments
        assertTrue(cmd.any { it.trim() == "\"%JAVA%\" %FLAGS% %JAVA_OPTS% -jar \"%JAR%\" %*" })
    }

    @Test
    fun withoutTheArchiveItStillRunsAndWithoutTheJarItSaysWhatToBuild() {
        Files.delete(home.resolve("examples/target/adjoint.jsa"))
        assertEquals("$c1 -jar $real/examples/target/adjoint.jar demo", run("demo").second)
        Files.delete(home.resolve("examples/target/adjoint.jar"))
        val (code, out) = run("demo")
        assertEquals(1, code)
        assertEquals("adjoint: $real/examples/target/adjoint.jar not found; build it first: mvn -B -q package -DskipTests", out)
    }
}
