package dev.adjoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Anomaly detection on recorded tapes (it ran to NaN without an exception on the first-round
 * engine) and the engine's bad-input messages. Fault safety: {@link FaultInjectionTest}.
 */
class FaultAndTapeAnomalyTest {
  @Test
  void tapeValueAndGradientThrowAtTheFirstNaNWithAnomalyOn() {
    Tape tape;
    try (Anomaly.Scope s = Anomaly.enable()) {
      Value x = Value.of(2.0);
      tape = Tape.record(List.of(x), x.log().times(3.0));
    }
    assertTrue(Double.isNaN(tape.value(new double[] {-1.0})), "off: NaN propagates");
    try (Anomaly.Scope s = Anomaly.enable()) {
      AnomalyException e = assertThrows(AnomalyException.class, () -> tape.value(new double[] {-1.0}));
      assertEquals("log", e.op());
      assertEquals(List.of(-1.0), e.inputs());
      assertTrue(e.getMessage().contains("FaultAndTapeAnomalyTest.java"), e.getMessage());
      assertTrue(e.getMessage().contains("tape recorded at"), e.getMessage());
      assertThrows(AnomalyException.class, () -> tape.gradient(new double[] {-1.0}, new double[1]));
      assertThrows(AnomalyException.class, () -> tape.jvp(new double[] {-1.0}, new double[] {1.0}));
      assertThrows(AnomalyException.class, () -> tape.hvp(new double[] {-1.0}, new double[] {1.0}, new double[1], null));
    }
  }

  @Test
  void tapeBackwardThrowsAtTheFirstInfiniteGradientAndChangesNothing() {
    Value x = Value.of(1.0);
    Tape tape = Tape.record(List.of(x), x.sqrt().plus(1.0));
    x.setData(0.0); // sqrt'(0) = inf
    try (Anomaly.Scope s = Anomaly.enable()) {
      AnomalyException e = assertThrows(AnomalyException.class, tape::backward);
      assertEquals("sqrt", e.op());
      assertTrue(e.getMessage().startsWith("Tape.backward: op 'sqrt'"), e.getMessage());
    }
    assertEquals(0.0, x.grad());
  }

  @Test
  void batchTapeThrowsWithAnomalyOn() {
    Value w = Value.of(1.0), x = Value.of(1.0);
    BatchTape tape = BatchTape.record(List.of(w), List.of(x), w.times(x).log(), new double[][] {{1.0}, {-1.0}}, Value::sum);
    assertTrue(Double.isNaN(tape.value()));
    try (Anomaly.Scope s = Anomaly.enable()) {
      AnomalyException e = assertThrows(AnomalyException.class, tape::value);
      assertTrue(e.getMessage().contains("op 'log'") && e.getMessage().contains("row 1"), e.getMessage());
      assertThrows(AnomalyException.class, tape::backward);
    }
    assertEquals(0.0, w.grad());
  }

  @Test
  void badInputNamesTheValue() {
    Value a = Value.of(1.0), b = Value.of(2.0);
    Value ab = a.times(b);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Derivatives.jvp(ab.plus(1.0), List.of(a, ab), new double[] {1.0, 1.0}));
    assertTrue(e.getMessage().startsWith("jvp: input 1 is a '*' node"), e.getMessage());
    Tape tape = Tape.record(List.of(a, b), ab);
    BadInputTest.expect(IllegalArgumentException.class, "hvp: gradOut has size 1, the tape has 2 inputs",
        () -> tape.hvp(new double[] {1, 2}, new double[] {1, 0}, new double[2], new double[1]));
    BadInputTest.expect(NullPointerException.class, "value: x is null", () -> tape.value(null));
    BadInputTest.expect(NullPointerException.class, "gradient: gradOut is null", () -> tape.gradient(new double[2], null));
    BadInputTest.expect(NullPointerException.class, "jvp: v is null", () -> tape.jvp(new double[2], null));
    BadInputTest.expect(NullPointerException.class, "hvp: hvOut is null", () -> tape.hvp(new double[2], new double[2], null, null));
    BadInputTest.expect(NullPointerException.class, "jvp: direction is null", () -> Derivatives.jvp(ab, List.of(a), null));
    BadInputTest.expect(NullPointerException.class, "jvp: the point is null", () -> Derivatives.jvp(v -> v.get(0), null, new double[1]));
    BadInputTest.expect(NullPointerException.class, "the point is null", () -> Derivatives.gradient(v -> v.get(0), null));
    BadInputTest.expect(NullPointerException.class, "the function is null", () -> Derivatives.gradient(null, new double[1]));
  }
}
