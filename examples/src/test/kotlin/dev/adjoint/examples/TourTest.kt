package dev.adjoint.examples

import dev.adjoint.dsl.Execution
import dev.adjoint.dsl.Losses
import dev.adjoint.dsl.fit
import dev.adjoint.dsl.mlp
import dev.adjoint.dsl.sgd
import dev.adjoint.nn.Dataset
import dev.adjoint.nn.MLP
import java.io.ByteArrayOutputStream
import java.io.PrintStream
import java.nio.file.Files
import java.nio.file.Path
import javax.imageio.ImageIO
import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir

class TourTest {
    private fun run(vararg args: String): Pair<Int, String> {
        val old = System.out
        val buffer = ByteArrayOutputStream()
        System.setOut(PrintStream(buffer, true, Charsets.UTF_8))
        try {
            val code = Cli.run(args)
            return code to buffer.toString(Charsets.UTF_8)
        } finally {
            System.setOut(old)
        }
    }

    private fun resource(name: String): Path = Path.of(TourTest::class.java.getResource("/data/$name")!!.toURI())

    @Test
    fun demoIsTheDefaultAndPrintsTheSeedExample(@TempDir dir: Path) {
        val (code, out) = run("demo", "--out", dir.toString())
        assertEquals(0, code)
        assertTrue(out.startsWith("d = -0.96403, ∂d/∂a = 0.07065, ∂d/∂b = 0.14130\n"), out)
        val dot = Files.readString(dir.resolve("demo.dot"))
        assertTrue(dot.startsWith("digraph adjoint {") && dot.contains("tanh"), dot)
        assertTrue(dot.contains("{ a | data 2.0000") && dot.contains("{ b | data -3.0000"), "the leaves are labelled:\n$dot")
        assertTrue(dot.contains("label=\"^2\""), dot)
    }

    @Test
    fun xorGetsAllFourRight() {
        val (code, out) = run("xor")
        assertEquals(0, code, out)
        assertTrue(out.contains("step  100  loss"), out)
        assertTrue(out.trim().endsWith("4 of 4 right"), out)
    }

    @Test
    fun moonsReachesFullAccuracyAndDrawsBothPictures(@TempDir dir: Path) {
        val (code, out) = run("moons", "--out", dir.toString())
        assertEquals(0, code, out)
        assertTrue(out.contains("accuracy 100%"), out)
        for (name in listOf("moons.png", "loss.png")) {
            val img = ImageIO.read(dir.resolve(name).toFile())
            assertTrue(img.width >= 600 && img.height >= 400, "$name is ${img.width}x${img.height}")
        }
    }

    @Test
    fun spiralsReachesTheValidationAccuracyAndDrawsItsRegions(@TempDir dir: Path) {
        val (code, out) = run("spirals", "--out", dir.toString())
        assertEquals(0, code, out)
        val accuracy = Regex("validation accuracy ([0-9.]+)%").findAll(out).last().groupValues[1].toDouble()
        assertEquals(99.2, accuracy, "README states the default run's held-out accuracy: $out")
        val img = ImageIO.read(dir.resolve("spirals.png").toFile())
        assertTrue(img.width >= 600 && img.height >= 400, "spirals.png is ${img.width}x${img.height}")
        // three region colours and the legend's three class colours are all there
        val colours = HashSet<Int>()
        for (x in 0 until img.width step 2) for (y in 0 until img.height step 2) colours += img.getRGB(x, y) and 0xFFFFFF
        for (c in listOf(0x9ECAE1, 0xFDC08C, 0xB8E186, 0x3162A8, 0xD73027, 0x1B9E3E)) assertTrue(c in colours, "colour %06x".format(c))
    }

    @Test
    fun fitMinimisesWithLbfgsPrintingEveryIteration() {
        val (code, out) = run("fit")
        assertEquals(0, code, out)
        assertTrue(out.startsWith("iteration     1  f "), out)
        assertTrue(Regex("converged after \\d+ iterations").containsMatchIn(out), out)
        val (rc, rosen) = run("fit", "--problem", "rosenbrock", "--dim", "10")
        assertEquals(0, rc, rosen)
        assertTrue(rosen.trim().endsWith("x = [1.0000000000, 1.0000000000, 1.0000000000, 1.0000000000, 1.0000000000, " +
            "1.0000000000, 1.0000000000, 1.0000000000, 1.0000000000, 1.0000000000]"), rosen)
        val (gd, slow) = run("fit", "--problem", "rosenbrock", "--method", "gd", "--max-iterations", "200")
        assertEquals(1, gd, "gradient descent does not converge in 200 iterations: $slow")
    }

    @Test
    fun benchMoonsMatchesPyTorchInBothModes() {
        for (mode in listOf("tape", "dynamic")) benchMoons(mode)
    }

    @Test
    fun benchMoonsReassociatedMatchesPyTorchAndSaysSo() {
        val system = benchMoons("tape", "--reassociate")
        assertTrue(system.startsWith("adjoint-0.1.0-SNAPSHOT tape reassociated"), system)
    }

    /** Runs bench moons on moons-100 and checks its line against PyTorch's losses; returns its system field. */
    private fun benchMoons(mode: String, vararg extra: String): String {
        val (code, out) = run("bench", "moons", "--data", resource("moons-100.csv").toString(),
            "--init", resource("mlp-2-16-16-1.json").toString(), "--steps", "100", "--mode", mode, *extra)
        assertEquals(0, code, out)
        val json = com.fasterxml.jackson.databind.ObjectMapper().readTree(out.trim())
        assertEquals(100, json["steps"].asInt())
        assertClose(1.629894337080739, json["loss0"].asDouble())
        assertClose(0.02637247350400268, json["loss_last"].asDouble())
        assertEquals(1.0, json["acc_last"].asDouble())
        assertTrue(json["seconds"].asDouble() > 0)
        assertTrue(json["cpu_seconds"].asDouble() > 0)
        assertTrue(json["system"].asText().startsWith("adjoint-0.1.0-SNAPSHOT $mode"), json["system"].asText())
        assertEquals(listOf("system", "steps", "loss0", "loss_last", "acc_last", "seconds", "cpu_seconds"), json.fieldNames().asSequence().toList())
        return json["system"].asText()
    }

    @Test
    fun gradcheckPassesEveryBuiltInFunction() {
        val (code, out) = run("gradcheck")
        assertEquals(0, code, out)
        assertTrue(out.contains("tanh(a*b + a^2)") && out.contains("max relative error"), out)
        assertTrue(out.trim().endsWith("all 7 functions pass"), out)
    }

    @Test
    fun benchNamesBadInput(@TempDir dir: Path) {
        val err = ByteArrayOutputStream()
        val old = System.err
        System.setErr(PrintStream(err, true, Charsets.UTF_8))
        try {
            val (code, _) = run("bench", "moons", "--data", dir.resolve("missing.csv").toString(), "--init", resource("mlp-2-16-16-1.json").toString())
            assertTrue(code != 0)
        } finally {
            System.setErr(old)
        }
        assertTrue(err.toString(Charsets.UTF_8).contains("missing.csv"), err.toString(Charsets.UTF_8))
    }

    @Test
    fun benchRefusesAnInitFileWithAWeightOutsideTheDoubleRange(@TempDir dir: Path) {
        val init = dir.resolve("huge.json")
        Files.writeString(init, Files.readString(resource("mlp-2-16-16-1.json")).replaceFirst("-0.250919762305275", "1e400"))
        val err = ByteArrayOutputStream()
        val old = System.err
        System.setErr(PrintStream(err, true, Charsets.UTF_8))
        val code: Int
        val out: String
        try {
            run("bench", "moons", "--data", resource("moons-100.csv").toString(), "--init", init.toString()).let { code = it.first; out = it.second }
        } finally {
            System.setErr(old)
        }
        assertTrue(code != 0, out)
        assertTrue(!out.contains("loss0"), out)
        val message = err.toString(Charsets.UTF_8)
        assertTrue(message.contains("$init:1:") && message.contains("1e400 is outside the range of a double"), message)
    }

    @Test
    fun kotlinDslAndPlainJavaGiveBitwiseTheSameLosses() {
        val data = Dataset.csv(resource("moons-100.csv"))
        val javaLosses = JavaTraining.train(MoonsWorkload.readMlp(resource("mlp-2-16-16-1.json")), data, 100)
        val history = MoonsWorkload.readMlp(resource("mlp-2-16-16-1.json"))
            .fit(data, epochs = 100, loss = Losses.hinge, optimizer = sgd { k -> 1.0 - 0.9 * k / 100 }) { l2 = 1e-4; progress = false }
        assertArrayEquals(javaLosses, history.loss, 0.0)
        val dynamic = MoonsWorkload.readMlp(resource("mlp-2-16-16-1.json"))
            .fit(data, epochs = 100, loss = Losses.hinge, optimizer = sgd { k -> 1.0 - 0.9 * k / 100 }, execution = Execution.DYNAMIC) { l2 = 1e-4; progress = false }
        assertArrayEquals(javaLosses, dynamic.loss, 0.0, "define-by-run and the tape agree bitwise")
        assertArrayEquals(history.accuracy, dynamic.accuracy, 0.0)
        // and the model DSL initialises exactly as the Java constructor does
        val dsl = mlp(inputs = 2) { dense(16, relu); dense(16, relu); dense(1) }
        val java = MLP(2, 16, 16, 1)
        assertArrayEquals(java.parameters().map { it.data() }.toDoubleArray(), dsl.parameters().map { it.data() }.toDoubleArray(), 0.0)
        val moons = Dataset.moons(100, 0.1, 42)
        assertArrayEquals(JavaTraining.train(java, moons, 100),
            dsl.fit(moons, epochs = 100, optimizer = sgd { k -> 1.0 - 0.9 * k / 100 }) { l2 = 1e-4; progress = false }.loss, 0.0)
    }

    @Test
    fun javaTrainingExampleRuns() {
        val old = System.out
        val buffer = ByteArrayOutputStream()
        System.setOut(PrintStream(buffer, true, Charsets.UTF_8))
        try {
            JavaTraining.main(arrayOf())
        } finally {
            System.setOut(old)
        }
        assertTrue(buffer.toString(Charsets.UTF_8).contains("accuracy 100%"), buffer.toString(Charsets.UTF_8))
    }

    private fun assertClose(expected: Double, actual: Double) =
        assertEquals(expected, actual, 1e-9 * Math.abs(expected), "expected $expected, got $actual")
}
