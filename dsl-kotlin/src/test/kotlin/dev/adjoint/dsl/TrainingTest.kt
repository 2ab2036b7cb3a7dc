package dev.adjoint.dsl

import dev.adjoint.nn.Adam
import dev.adjoint.nn.Loss.mean
import dev.adjoint.nn.Dataset
import dev.adjoint.nn.Init
import java.io.ByteArrayOutputStream
import java.io.PrintStream
import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

class TrainingTest {
    private fun stderrOf(body: () -> Unit): String {
        val old = System.err
        val buffer = ByteArrayOutputStream()
        System.setErr(PrintStream(buffer, true, Charsets.UTF_8))
        try {
            body()
        } finally {
            System.setErr(old)
        }
        return buffer.toString(Charsets.UTF_8)
    }

    @Test
    fun progressBarOnlyWhenAskedOrOnATerminal() {
        val data = Dataset.xor()
        val quiet = stderrOf { mlp(inputs = 2) { dense(4, relu); dense(1) }.fit(data, epochs = 5, loss = Losses.mse, optimizer = sgd(0.1)) }
        assertEquals("", quiet, "tests run without a console, so fit stays quiet by default")
        val bar = stderrOf {
            mlp(inputs = 2) { dense(4, relu); dense(1) }.fit(data, epochs = 5, loss = Losses.mse, optimizer = sgd(0.1)) { progress = true }
        }
        assertTrue(bar.startsWith("\r[######"), bar)
        assertTrue(bar.contains("\r[##############################] 5/5  loss "), bar)
        assertTrue(bar.endsWith("\n"), "the bar ends its line when training ends")
    }

    /** a·x0 + b·x1 + c·x0·x1: scalar parameters, no layer kernel, so reassociation changes the sums. */
    private class Scalars : dev.adjoint.nn.Model {
        private val p = listOf(0.3, -0.2, 0.1).map { dev.adjoint.Value.of(it) }
        override fun parameters() = p
        override fun apply(x: List<dev.adjoint.Value>) = listOf(x[0] * p[0] + x[1] * p[1] + x[0] * x[1] * p[2])
        override fun inputs() = 2
        override fun outputs() = 1
    }

    @Test
    fun reassociatedSummationIsWithinRoundingAndAnMlpTrainsToTheSameBits() {
        val data = Dataset.moons(300, 0.2, 8)
        fun scalars(summation: Summation) = Scalars().fit(data, epochs = 50, optimizer = sgd(0.1)) { l2 = 1e-4; this.summation = summation }.loss
        val exact = scalars(Summation.EXACT)
        val reassociated = scalars(Summation.REASSOCIATED)
        for (k in exact.indices) assertEquals(exact[k], reassociated[k], 1e-9 * Math.abs(exact[k]), "step $k")
        assertTrue(exact.indices.any { exact[it] != reassociated[it] }, "bitwise the exact losses: the summation did not reach the tape")
        assertArrayEquals(reassociated, scalars(Summation.REASSOCIATED), 0.0, "the same bits again")
        // an MLP's layers run as dense kernels, which keep the exact order
        fun trainMlp(summation: Summation) =
            mlp(inputs = 2) { dense(16, relu); dense(1) }.fit(data, epochs = 20, optimizer = sgd(0.5)) { this.summation = summation }.loss
        assertArrayEquals(trainMlp(Summation.EXACT), trainMlp(Summation.REASSOCIATED), 0.0)
    }

    @Test
    fun callbacksSeeEveryStepAndTapeEqualsDynamic() {
        val data = Dataset.moons(40, 0.1, 3)
        val seen = ArrayList<Int>()
        val a = mlp(inputs = 2) { dense(8, tanh); dense(1) }.fit(data, epochs = 20, optimizer = adam(0.05)) { l2 = 1e-3; onStep { seen += it.step } }
        val b = mlp(inputs = 2) { dense(8, tanh); dense(1) }.fit(data, epochs = 20, optimizer = adam(0.05), execution = Execution.DYNAMIC) { l2 = 1e-3 }
        assertEquals((0 until 20).toList(), seen)
        assertArrayEquals(b.loss, a.loss, 0.0)
        assertArrayEquals(b.accuracy, a.accuracy, 0.0)
        assertTrue(a.last.loss < a.steps.first().loss)
    }

    @Test
    fun tapeEqualsDynamicForEveryLossIncludingOnesTheRowParallelTapeRefuses() {
        val moons = Dataset.moons(30, 0.1, 5)
        val zeroOne = Dataset.of(Array(moons.size()) { moons.x(it) }, DoubleArray(moons.size()) { if (moons.y(it) > 0) 1.0 else 0.0 })
        val reversed = LossFunction { s, y -> dev.adjoint.nn.Loss.mse(s.reversed(), y.reversedArray()) }
        val firstTen = LossFunction { s, y -> dev.adjoint.nn.Loss.hinge(s.subList(0, 10), y.copyOf(10)) } // ignores rows: recorded whole
        for ((data, loss) in listOf(moons to Losses.hinge, moons to Losses.mse, zeroOne to Losses.binaryCrossEntropy, moons to reversed, moons to firstTen)) {
            fun run(execution: Execution) =
                mlp(inputs = 2) { dense(6, relu); dense(6, sigmoid); dense(1) }.fit(data, epochs = 8, loss = loss, optimizer = sgd(0.2, 0.9), execution = execution) { l2 = 1e-3 }
            val taped = run(Execution.TAPE)
            val dynamic = run(Execution.DYNAMIC)
            assertArrayEquals(dynamic.loss, taped.loss, 0.0)
            assertArrayEquals(dynamic.accuracy, taped.accuracy, 0.0)
        }
    }

    @Test
    fun miniBatchesWithValidationTrainAMultiClassModelAndTapeEqualsDynamic() {
        val all = Dataset.spirals(60, 3, 0.2, 4)
        val train = all.slice(0, 150)
        val heldOut = all.slice(150, 180)
        fun run(execution: Execution, loss: LossFunction) =
            mlp(inputs = 2, init = Init.PYTORCH) { dense(12, tanh); dense(12, leakyRelu); dense(3) }
                .fit(train, epochs = 3, loss = loss, optimizer = adam(0.02), execution = execution, batchSize = 16, validation = heldOut) {
                    seed = 5
                    clipGradNorm = 2.0
                }
        val taped = run(Execution.TAPE, Losses.softmaxCrossEntropy)
        val dynamic = run(Execution.DYNAMIC, Losses.softmaxCrossEntropy)
        assertEquals(3 * 10, taped.steps.size, "150 rows in batches of 16: nine full and one of 6 per epoch")
        assertArrayEquals(dynamic.loss, taped.loss, 0.0)
        assertArrayEquals(dynamic.accuracy, taped.accuracy, 0.0)
        assertEquals(dynamic.epochs, taped.epochs)
        assertEquals(3, taped.epochs.size)
        assertTrue(taped.epochs.all { it.validationLoss.isFinite() && it.validationAccuracy in 0.0..1.0 })
    }

    @Test
    fun anOptimizerInstanceKeepsItsStateAcrossFitCalls() {
        val data = Dataset.moons(30, 0.1, 2)
        val once = mlp(inputs = 2) { dense(6, relu); dense(1) }
        once.fit(data, epochs = 6, optimizer = Adam.of(once.parameters(), 0.05))
        val twice = mlp(inputs = 2) { dense(6, relu); dense(1) }
        val adam = Adam.of(twice.parameters(), 0.05)
        twice.fit(data, epochs = 2, optimizer = adam)
        twice.fit(data, epochs = 4, optimizer = adam)
        assertArrayEquals(once.parameters().map { it.data() }.toDoubleArray(), twice.parameters().map { it.data() }.toDoubleArray(), 0.0)
    }

    @Test
    fun huberRegressionUnderTapeEqualsDynamic() {
        val x = Array(40) { doubleArrayOf(it / 10.0) }
        val y = DoubleArray(40) { 3 * it / 10.0 - 1 + if (it % 7 == 0) 5.0 else 0.0 }
        val data = Dataset.of(x, y)
        fun run(execution: Execution) =
            mlp(inputs = 1) { dense(8, relu); dense(1) }.fit(data, epochs = 20, loss = Losses.huber(1.0), optimizer = sgd(0.02), execution = execution, batchSize = 8)
        val taped = run(Execution.TAPE)
        assertArrayEquals(run(Execution.DYNAMIC).loss, taped.loss, 0.0)
        assertTrue(taped.loss.all { it >= 0 }, "a Huber loss is never negative")
        assertTrue(taped.accuracy.all { it.isNaN() }, "regression has no accuracy")
    }

    @Test
    fun aBillionEpochsAllocateNothingAheadAndACallbackStopsThem() {
        val h = mlp(inputs = 2) { dense(3, relu); dense(1) }.fit(Dataset.xor(), epochs = 1_000_000_000, optimizer = sgd(0.1)) {
            onStep { if (it.step == 2) stop() }
        }
        assertEquals(3, h.steps.size)
        assertTrue(h.stopped)
    }

    @Test
    fun aLossThatBranchesOnValuesTrainsTheSameUnderTape() {
        // issue 10: this Huber loss trained to a negative loss under Execution.TAPE
        val huber = LossFunction { s, y ->
            mean(s.indices.map { i ->
                val r = s[i] - y[i]
                if (kotlin.math.abs(r.data()) <= 1) 0.5 * r.pow(2) else abs(r) - 0.5
            })
        }
        val x = Array(30) { doubleArrayOf(it / 10.0) }
        val data = Dataset.of(x, DoubleArray(30) { 4 * it / 10.0 - 3 })
        fun run(execution: Execution, batchSize: Int?) =
            mlp(inputs = 1) { dense(8, relu); dense(1) }.fit(data, epochs = 40, loss = huber, optimizer = sgd(0.05), execution = execution, batchSize = batchSize)
        for (batchSize in listOf(null, 7)) {
            val taped = run(Execution.TAPE, batchSize)
            assertArrayEquals(run(Execution.DYNAMIC, batchSize).loss, taped.loss, 0.0)
            assertTrue(taped.loss.all { it >= 0 }, taped.loss.toList().toString())
        }
    }

    @Test
    fun anomalyDetectionStopsFitAtTheFirstNaNOnEveryExecution() {
        // sgd(1e6) on mse overflows to infinity within a few steps: off, the history runs to NaN
        fun run(execution: Execution, batchSize: Int?) =
            mlp(inputs = 2) { dense(4, tanh); dense(1) }.fit(Dataset.xor(), epochs = 30, loss = Losses.mse, optimizer = sgd(1e6), execution = execution, batchSize = batchSize)
        for (execution in Execution.values()) {
            for (batchSize in listOf(null, 3)) {
                assertTrue(run(execution, batchSize).loss.any { !it.isFinite() }, "$execution, batch $batchSize: off, it runs to NaN")
                val e = assertThrows(dev.adjoint.AnomalyException::class.java) {
                    dev.adjoint.Anomaly.enable().use { run(execution, batchSize) }
                }
                assertTrue(e.message!!.contains("produced"), e.message)
            }
        }
    }

    @Test
    fun comparisonsAreBranchGuardsSoTapesReplayWhileTheBranchHolds() {
        val x = dev.adjoint.Value.of(2.0)
        val tape = dev.adjoint.Tape.record(listOf(x), if (x > 0.0) x.pow(2) else -x.pow(3))
        assertEquals(9.0, tape.value(doubleArrayOf(3.0)))
        assertThrows(dev.adjoint.TapeGuardException::class.java) { tape.value(doubleArrayOf(-1.0)) }
        assertTrue(1 < x && 2.5 > x && x >= 2 && x <= x && x > 1.5 && !(x < 2))
        // a Huber loss branching on comparisons trains bitwise as define-by-run
        val huber = LossFunction { s, y ->
            mean(s.indices.map { i ->
                val r = s[i] - y[i]
                if (abs(r) <= 1.0) 0.5 * r.pow(2) else abs(r) - 0.5
            })
        }
        val data = Dataset.of(Array(30) { doubleArrayOf(it / 10.0) }, DoubleArray(30) { 4 * it / 10.0 - 3 })
        fun run(execution: Execution) =
            mlp(inputs = 1) { dense(8, relu); dense(1) }.fit(data, epochs = 40, loss = huber, optimizer = sgd(0.05), execution = execution, batchSize = 7)
        assertArrayEquals(run(Execution.DYNAMIC).loss, run(Execution.TAPE).loss, 0.0)
    }

    @Test
    fun zeroEpochsGiveAnEmptyHistory() {
        val h = mlp(inputs = 2) { dense(1) }.fit(Dataset.xor(), epochs = 0, optimizer = sgd(0.1))
        assertEquals(0, h.steps.size)
        assertEquals("History: no steps were taken (fit ran 0 epochs)", assertThrows(IllegalStateException::class.java) { h.last }.message)
    }

    @Test
    fun badArgumentsAreNamed() {
        assertEquals("Trainer: batchSize must be at least 1, was 0", assertThrows(IllegalArgumentException::class.java) {
            mlp(inputs = 2) { dense(1) }.fit(Dataset.xor(), epochs = 1, optimizer = sgd(0.1), batchSize = 0)
        }.message)
        assertEquals("softmaxCrossEntropy: needs a model with 2 or more outputs (one per class), the model has 1",
            assertThrows(IllegalArgumentException::class.java) {
                mlp(inputs = 2) { dense(1) }.fit(Dataset.xor(), epochs = 1, loss = Losses.softmaxCrossEntropy, optimizer = sgd(0.1))
            }.message)
        assertEquals("softmaxCrossEntropy: label of row 0 is -1.0, not a class in 0..1", assertThrows(IllegalArgumentException::class.java) {
            mlp(inputs = 2) { dense(2) }.fit(Dataset.xor(), epochs = 1, loss = Losses.softmaxCrossEntropy, optimizer = sgd(0.1))
        }.message)
        assertEquals("mlp: no layers; add one with dense(units)", assertThrows(IllegalArgumentException::class.java) { mlp(inputs = 2) {} }.message)
        assertEquals("dense: units must be at least 1, was 0", assertThrows(IllegalArgumentException::class.java) { mlp(inputs = 2) { dense(0) } }.message)
        assertEquals("fit: epochs must be non-negative, was -1", assertThrows(IllegalArgumentException::class.java) {
            mlp(inputs = 2) { dense(1) }.fit(Dataset.xor(), epochs = -1, optimizer = sgd(0.1))
        }.message)
    }

    @Test
    fun repeatedFitCallsReuseTheRecordingsAndMatchOneCall() {
        val all = Dataset.spirals(20, 3, 0.2, 2)
        val train = all.slice(0, 45)
        val heldOut = all.slice(45, 60)
        run {
            val loss = Losses.softmaxCrossEntropy
            val once = mlp(inputs = 2, init = Init.PYTORCH) { dense(8, relu); dense(3) }
            val onceHistory = once.fit(train, epochs = 6, loss = loss, optimizer = Adam.of(once.parameters(), 0.02),
                batchSize = 10, validation = heldOut) { shuffle = false }

            val repeated = mlp(inputs = 2, init = Init.PYTORCH) { dense(8, relu); dense(3) }
            val adam = Adam.of(repeated.parameters(), 0.02)
            val losses = ArrayList<Double>()
            val validation = ArrayList<Double>()
            var recorded = -1
            var trainer: dev.adjoint.nn.Trainer? = null
            repeat(6) { epoch ->
                val h = repeated.fit(train, epochs = 1, loss = loss, optimizer = adam, batchSize = 10, validation = heldOut) { shuffle = false }
                losses += h.loss.toList()
                validation += h.epochs.map { it.validationLoss }
                val t = cachedTrainer(repeated)!!
                if (epoch == 0) {
                    trainer = t
                    recorded = t.recordings()
                    assertTrue(recorded > 0, "the first call records")
                } else {
                    assertTrue(trainer === t, "call $epoch reuses the trainer")
                    assertEquals(recorded, t.recordings(), "call $epoch replays, it does not record again")
                }
            }
            assertArrayEquals(onceHistory.loss, losses.toDoubleArray(), "six calls of one epoch: bitwise one call of six")
            assertArrayEquals(onceHistory.epochs.map { it.validationLoss }.toDoubleArray(), validation.toDoubleArray())
            assertArrayEquals(once.parameters().map { it.data() }.toDoubleArray(), repeated.parameters().map { it.data() }.toDoubleArray())
        }
        // a custom loss, one output: the same with the same LossFunction instance
        val data = Dataset.moons(40, 0.1, 4)
        val custom = LossFunction { s, y -> mean(s.mapIndexed { i, v -> (v - y[i]).pow(2.0) }) }
        val once = mlp(inputs = 2) { dense(6, tanh); dense(1) }
        val onceHistory = once.fit(data, epochs = 4, loss = custom, optimizer = Adam.of(once.parameters(), 0.05), batchSize = 16) { shuffle = false }
        val repeated = mlp(inputs = 2) { dense(6, tanh); dense(1) }
        val adam = Adam.of(repeated.parameters(), 0.05)
        val losses = ArrayList<Double>()
        repeated.fit(data, epochs = 1, loss = custom, optimizer = adam, batchSize = 16) { shuffle = false }.let { losses += it.loss.toList() }
        val trainer = cachedTrainer(repeated)!!
        repeat(3) {
            repeated.fit(data, epochs = 1, loss = custom, optimizer = adam, batchSize = 16) { shuffle = false }.let { losses += it.loss.toList() }
            assertTrue(trainer === cachedTrainer(repeated), "the same loss, optimizer and model reuse the trainer")
        }
        assertArrayEquals(onceHistory.loss, losses.toDoubleArray())
        assertArrayEquals(once.parameters().map { it.data() }.toDoubleArray(), repeated.parameters().map { it.data() }.toDoubleArray())
        // another optimizer (or loss) is another trainer
        repeated.fit(data, epochs = 1, loss = custom, optimizer = Adam.of(repeated.parameters(), 0.05), batchSize = 16)
        assertTrue(trainer !== cachedTrainer(repeated))
    }

    @Test
    fun repeatedFitCallsRestartTheShufflingFromTheSeedAndKeepTheCallbacksOfEachCall() {
        val data = Dataset.moons(40, 0.1, 5)
        val a = mlp(inputs = 2) { dense(6, relu); dense(1) }
        val b = mlp(inputs = 2) { dense(6, relu); dense(1) }
        val adamA = Adam.of(a.parameters(), 0.05)
        val adamB = Adam.of(b.parameters(), 0.05)
        val seenA = ArrayList<Int>()
        repeat(3) { call ->
            a.fit(data, epochs = 1, optimizer = adamA, batchSize = 8) { seed = 3; onStep { seenA += call } }
            // define-by-run (another cached trainer) gives bitwise the same numbers
            b.fit(data, epochs = 1, optimizer = adamB, batchSize = 8, execution = Execution.DYNAMIC) { seed = 3 }
        }
        assertEquals(List(5) { 0 } + List(5) { 1 } + List(5) { 2 }, seenA, "each call runs its own callbacks only")
        assertArrayEquals(b.parameters().map { it.data() }.toDoubleArray(), a.parameters().map { it.data() }.toDoubleArray())
    }
}
