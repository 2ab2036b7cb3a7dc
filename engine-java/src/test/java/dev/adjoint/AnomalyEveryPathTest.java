package dev.adjoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Anomaly detection on every sweep: the tangent sweep (jvp), the second-order reverse sweep (hvp,
 * hessian), compiled tapes and the batch tape's rows each throw at the node that made the NaN or
 * infinity, naming its op, its inputs and where it was made. On the previous main, jvp and hvp ran
 * to infinity without an exception, and the batch tape named a shared leaf instead of the op.
 */
class AnomalyEveryPathTest {
  /** Throws e, checking it names op and this test file (where the node was made). */
  private static AnomalyException expect(String op, String start, Executable body) {
    AnomalyException e = assertThrows(AnomalyException.class, body);
    assertEquals(op, e.op(), e.getMessage());
    assertTrue(e.getMessage().startsWith(start), e.getMessage());
    assertTrue(e.getMessage().contains("AnomalyEveryPathTest.java:"), e.getMessage());
    return e;
  }

  /** sqrt(x) + y: finite at x = 0, but its derivative in x is infinite there. */
  private static final Function<List<Value>, Value> SQRT_PLUS = v -> v.get(0).sqrt().plus(v.get(1));

  @Test
  void tapeJvpChecksTangents() {
    try (Anomaly.Scope s = Anomaly.enable()) {
      Tape tape = Tape.record(new double[] {1.0, 1.0}, SQRT_PLUS);
      assertEquals(1.5, tape.jvp(new double[] {1.0, 0.0}, new double[] {1.0, 1.0}));
      assertEquals(1.0, tape.output(0));
      AnomalyException e = expect("sqrt", "Tape.jvp: op 'sqrt' produced tangent Infinity",
          () -> tape.jvp(new double[] {0.0, 0.0}, new double[] {1.0, 0.0}));
      assertEquals(List.of(0.0), e.inputs());
      assertTrue(e.getMessage().contains("tape recorded at"), e.getMessage());
      assertEquals(1.0, tape.output(0), "a replay that threw leaves the outputs as they were");
    }
  }

  @Test
  void tapeHvpChecksTheSecondOrderSweep() {
    try (Anomaly.Scope s = Anomaly.enable()) {
      Tape tape = Tape.record(new double[] {1.0, 1.0}, SQRT_PLUS);
      // direction (0, 1): every tangent is finite; the reverse sweep's d/dx sqrt at 0 is not
      AnomalyException e = expect("sqrt", "Tape.hvp: op 'sqrt' with output gradient 1.0",
          () -> tape.hvp(new double[] {0.0, 2.0}, new double[] {0.0, 1.0}, new double[2], new double[2]));
      assertTrue(e.getMessage().contains("for input 0"), e.getMessage());
    }
    Tape off = Tape.record(new double[] {1.0, 1.0}, SQRT_PLUS);
    double[] hv = new double[2], g = new double[2];
    off.hvp(new double[] {0.0, 2.0}, new double[] {0.0, 1.0}, hv, g);
    assertEquals(Double.POSITIVE_INFINITY, g[0], "off: infinity propagates");
  }

  @Test
  void derivativesJvpHvpAndHessianCheckEverySweep() {
    try (Anomaly.Scope s = Anomaly.enable()) {
      double[] at = {0.0, 2.0};
      expect("sqrt", "Tape.jvp: op 'sqrt'", () -> Derivatives.jvp(SQRT_PLUS, at, new double[] {1.0, 0.0}));
      expect("sqrt", "Tape.hvp: op 'sqrt'", () -> Derivatives.hvp(SQRT_PLUS, at, new double[] {0.0, 1.0}));
      expect("sqrt", "Tape.jvp: op 'sqrt'", () -> Derivatives.hessian(SQRT_PLUS, at));
      expect("sqrt", "Tape.backward: op 'sqrt'", () -> Derivatives.gradient(SQRT_PLUS, at));
      expect("sqrt", "Tape.backward: op 'sqrt'", () -> Derivatives.jacobianReverse(v -> List.of(v.get(1), SQRT_PLUS.apply(v)), at));
      assertArrayEquals(new double[] {0.5, 1.0}, Derivatives.gradient(SQRT_PLUS, new double[] {1.0, 2.0}));
    }
  }

  @Test
  void theFirstNodeOfTheReverseSweepIsNamedNotALaterOne() {
    try (Anomaly.Scope s = Anomaly.enable()) {
      Value x = Value.of(1.0);
      Value y = x.times(2.0).sqrt().times(3.0).exp(); // the sweep meets sqrt, then the infinity flows down to x
      Tape tape = Tape.record(List.of(x), y);
      x.setData(0.0);
      AnomalyException e = expect("sqrt", "Tape.backward: op 'sqrt' with output gradient 3.0 produced gradient Infinity for input 0",
          tape::backward);
      assertEquals(List.of(0.0), e.inputs());
      assertEquals(0.0, x.grad());
    }
  }

  @Test
  void compiledTapesThrowOnEverySweep() {
    try (Anomaly.Scope s = Anomaly.enable()) {
      Value a = Value.of(1.0), b = Value.of(1.0);
      Tape tape = Tape.record(List.of(a, b), a.log().plus(b.sqrt())).compile();
      expect("log", "Tape.forward: op 'log' produced NaN", () -> tape.value(new double[] {-1.0, 1.0}));
      expect("sqrt", "Tape.backward: op 'sqrt'", () -> tape.gradient(new double[] {1.0, 0.0}, new double[2]));
      expect("sqrt", "Tape.jvp: op 'sqrt'", () -> tape.jvp(new double[] {1.0, 0.0}, new double[] {0.0, 1.0}));
      b.setData(0.0);
      expect("sqrt", "Tape.backward: op 'sqrt'", tape::backward);
      assertEquals(0.0, a.grad());
      assertEquals(0.0, b.grad());
    }
  }

  @Test
  void batchTapeNamesTheRowNodeItsInputsAndWhereItWasMade() {
    try (Anomaly.Scope s = Anomaly.enable()) {
      Value w = Value.of(1.0), x = Value.of(1.0);
      BatchTape tape = BatchTape.record(List.of(w), List.of(x), w.times(x).log(), new double[][] {{1.0}, {2.0}}, Value::sum);
      w.setData(-1.0);
      AnomalyException e = expect("log", "BatchTape.forward: op 'log' produced NaN for row 0", tape::value);
      assertEquals(List.of(-1.0), e.inputs());
      assertTrue(e.getMessage().contains("batch tape recorded at"), e.getMessage());
    }
  }

  @Test
  void batchTapeBackwardNamesTheOpWhoseRuleMadeTheGradientInfinite() {
    for (int shards : new int[] {1, 2}) {
      try (Anomaly.Scope s = Anomaly.enable()) {
        Value w = Value.of(1.0), x = Value.of(1.0);
        Value out = w.times(x).sqrt().plus(1.0);
        BatchTape tape = BatchTape.record(List.of(w), List.of(x), out, new double[][] {{1.0}, {0.0}, {4.0}}, Value::sum, shards);
        AnomalyException e = expect("sqrt", "BatchTape.backward: op 'sqrt' with output gradient 1.0 produced gradient Infinity for input 0",
            tape::backward);
        assertTrue(e.getMessage().contains("for row 1"), e.getMessage());
        assertEquals(List.of(0.0), e.inputs());
        assertEquals(0.0, w.grad(), "no gradient changed");
      }
    }
  }

  @Test
  void batchTapeNamesTheOpWhenASharedOperandsGradientGoesInfinite() {
    try (Anomaly.Scope s = Anomaly.enable()) {
      Value w = Value.of(1.0), x = Value.of(1.0);
      Value out = w.sqrt().times(x); // sqrt'(w) at w = 0 is infinite in every row
      BatchTape tape = BatchTape.record(List.of(w), List.of(x), out, new double[][] {{1.0}, {2.0}}, Value::sum);
      w.setData(0.0);
      AnomalyException e = expect("sqrt", "BatchTape.backward: op 'sqrt'", tape::backward);
      assertTrue(e.getMessage().contains("summed over the rows"), e.getMessage());
      assertEquals(0.0, w.grad());
    }
  }

  @Test
  void withDetectionOffNothingIsCheckedAndResultsAreUnchanged() {
    Value w = Value.of(1.0), x = Value.of(1.0);
    BatchTape tape = BatchTape.record(List.of(w), List.of(x), w.times(x).sqrt(), new double[][] {{1.0}, {0.0}}, Value::sum);
    assertEquals(1.0, tape.backward());
    assertTrue(Double.isNaN(w.grad()), "off: sqrt'(0) times x = 0 propagates as NaN");
  }
}
