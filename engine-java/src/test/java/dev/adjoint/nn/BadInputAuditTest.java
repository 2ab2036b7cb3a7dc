package dev.adjoint.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.Tape;
import dev.adjoint.Value;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an adversarial walk over the public API found: each of these threw an internal exception
 * (a NullPointerException without a message of ours, an ArrayIndexOutOfBoundsException, a
 * NegativeArraySizeException, an OutOfMemoryError) or accepted a value that can only give wrong
 * numbers (a negative or NaN learning rate, an op node as a parameter) on the previous main. Each
 * now throws a clear error naming the value.
 */
class BadInputAuditTest {
  private static void expect(Class<? extends Throwable> type, String message, Executable body) {
    Throwable t = assertThrows(type, body);
    assertEquals(message, t.getMessage());
  }

  @Test
  void nullsAreNamed() {
    Value x = Value.of(1.0);
    expect(NullPointerException.class, "record: f is null", () -> Tape.record(new double[] {1}, null));
    expect(NullPointerException.class, "record: output is null", () -> Tape.record(List.of(x), (Value) null));
    expect(NullPointerException.class, "MLP: the layer sizes are null", () -> new MLP(2, (int[]) null));
    expect(NullPointerException.class, "MLP: rng is null", () -> MLP.random(null, 2, 1));
    expect(NullPointerException.class, "MLP: weights is null", () -> MLP.of(null, new double[0][]));
    expect(NullPointerException.class, "MLP: layer 0 is null", () -> MLP.of(java.util.Arrays.asList((Layer) null)));
    expect(NullPointerException.class, "MLP.apply: the inputs are null", () -> new MLP(2, 1).apply(null));
    expect(NullPointerException.class, "Layer.apply: the inputs are null", () -> Layer.random(2, 1, Activation.RELU, new Random(1)).apply(null));
    expect(NullPointerException.class, "mse: the predictions are null", () -> Loss.mse(null, new double[0]));
    expect(NullPointerException.class, "hinge: the labels are null", () -> Loss.hinge(List.of(x), null));
    expect(NullPointerException.class, "Dataset: row 1 is null", () -> Dataset.of(new double[][] {{1}, null}, new double[] {1, 2}));
    expect(NullPointerException.class, "Dataset: the rows are null", () -> Dataset.of(null, new double[] {1}));
    expect(NullPointerException.class, "Adam: the parameters are null", () -> Adam.of(null, 0.1));
    expect(NullPointerException.class, "SGD: parameter 1 is null", () -> SGD.of(java.util.Arrays.asList(x, null), 0.1));
    expect(NullPointerException.class, "predict: row 0 is null", () -> Trainer.predict(new MLP(2, 1), new double[][] {null}));
  }

  @Test
  void rowsOutsideADatasetAreNamed() {
    expect(IndexOutOfBoundsException.class, "x: row -1 is outside 0..3", () -> Dataset.xor().x(-1));
    expect(IndexOutOfBoundsException.class, "y: row 4 is outside 0..3", () -> Dataset.xor().y(4));
  }

  @Test
  void hugeCountsFailBeforeAllocating() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Dataset.moons(Integer.MAX_VALUE, 0.1, 1));
    assertTrue(e.getMessage().startsWith("moons: 2147483647 rows need about "), e.getMessage());
    expect(IllegalArgumentException.class, "spirals: 1000000 points per class × 5000 classes is more than an array holds",
        () -> Dataset.spirals(1_000_000, 5000, 0.1, 1)); // int overflow: NegativeArraySizeException
  }

  @Test
  void optimizersRefuseWhatCanOnlyGiveWrongNumbers() {
    Value x = Value.of(1.0);
    expect(IllegalArgumentException.class, "LearningRate: the rate must be non-negative, was -1.0", () -> SGD.of(List.of(x), -1));
    expect(IllegalArgumentException.class, "LearningRate: the rate must be non-negative, was NaN", () -> Adam.of(List.of(x), Double.NaN));
    expect(IllegalArgumentException.class, "SGD: parameter 0 is a '+' node, not a leaf; only a leaf's value can be set",
        () -> SGD.of(List.of(x.plus(1)), 0.1));
  }

  @Test
  void aDirectoryIsNotACsvFile(@TempDir Path dir) {
    IOException e = assertThrows(IOException.class, () -> Dataset.csv(dir));
    assertEquals(dir + ": is a directory, not a CSV file", e.getMessage());
  }

  @Test
  void aCsvFileThatIsNotUtf8IsNamed(@TempDir Path dir) throws IOException {
    Path f = dir.resolve("latin1.csv");
    Files.write(f, new byte[] {'1', ',', (byte) 0xE9, '\n'});
    IOException e = assertThrows(IOException.class, () -> Dataset.csv(f));
    assertTrue(e.getMessage().startsWith(f + ": not UTF-8 text"), e.getMessage());
  }

  @Test
  void softmaxCrossEntropyRefusesRowsWithDifferentNumbersOfLogits() {
    List<Value> three = List.of(Value.of(1), Value.of(2), Value.of(3));
    List<Value> four = List.of(Value.of(1), Value.of(2), Value.of(3), Value.of(4));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Loss.softmaxCrossEntropy(List.of(three, three, three, four), new int[] {0, 1, 2, 0}));
    assertEquals("softmaxCrossEntropy: row 3 has 4 logits, row 0 has 3", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Loss.softmaxCrossEntropy(List.of(four, three), new int[] {3, 0}));
    assertEquals("softmaxCrossEntropy: row 1 has 3 logits, row 0 has 4", e.getMessage());
  }
}
