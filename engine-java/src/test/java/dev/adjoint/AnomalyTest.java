package dev.adjoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class AnomalyTest {
  @Test
  void offByDefaultNaNPropagates() {
    assertFalse(Anomaly.isEnabled());
    Value y = Value.of(-1.0).sqrt();
    assertTrue(Double.isNaN(y.data()));
  }

  @Test
  void forwardNaNNamesOpInputsAndSourceLine() {
    Value x = Value.of(-4.0);
    AnomalyException e = assertThrows(AnomalyException.class,
        () -> Anomaly.detect(() -> x.plus(2.0).log()));
    assertEquals("log", e.op());
    assertEquals(List.of(-2.0), e.inputs());
    assertNotNull(e.site());
    assertEquals("AnomalyTest.java", e.site().getFileName());
    assertTrue(e.getMessage().contains("op 'log'"), e.getMessage());
    assertTrue(e.getMessage().contains("[-2.0]"), e.getMessage());
    assertTrue(e.getMessage().contains("NaN"), e.getMessage());
    assertTrue(e.getMessage().contains("AnomalyTest.java:"), e.getMessage());
    assertFalse(Anomaly.isEnabled(), "the scope is closed after the exception");
  }

  @Test
  void forwardInfinityIsAnAnomalyToo() {
    AnomalyException e = assertThrows(AnomalyException.class,
        () -> Anomaly.detect(() -> Value.of(1.0).div(Value.of(0.0))));
    assertEquals("/", e.op());
    assertEquals(List.of(1.0, 0.0), e.inputs());
    assertTrue(e.getMessage().contains("Infinity"), e.getMessage());
  }

  @Test
  void backwardInfinityNamesTheNodeWhoseRuleMadeIt() {
    Value x = Value.of(0.0);
    try (Anomaly.Scope s = Anomaly.enable()) {
      Value y = x.sqrt().plus(1.0); // finite forward, sqrt'(0) = inf backward
      AnomalyException e = assertThrows(AnomalyException.class, y::backward);
      assertEquals("sqrt", e.op());
      assertEquals(List.of(0.0), e.inputs());
      assertTrue(e.getMessage().startsWith("backward: op 'sqrt'"), e.getMessage());
      assertTrue(e.getMessage().contains("AnomalyTest.java:"), e.getMessage());
    }
    assertEquals(0.0, x.grad(), "a failed backward leaves the leaf gradients as they were");
  }

  @Test
  void failedBackwardRestoresAccumulatedGradients() {
    Value x = Value.of(0.0);
    Value ok = x.times(3.0);
    ok.backward();
    Value bad = x.sqrt();
    assertThrows(AnomalyException.class, () -> Anomaly.run(bad::backward));
    assertEquals(3.0, x.grad());
    ok.backward();
    assertEquals(6.0, x.grad(), "marks were cleared: the graph is usable again");
  }

  @Test
  void nodesMadeBeforeTheScopeHaveNoSite() {
    Value y = Value.of(0.0).sqrt();
    AnomalyException e = assertThrows(AnomalyException.class, () -> Anomaly.run(y::backward));
    assertEquals(null, e.site());
    assertTrue(e.getMessage().contains("unknown place"), e.getMessage());
  }

  @Test
  void scopesNestAndStayOnTheirThread() throws Exception {
    try (Anomaly.Scope outer = Anomaly.enable()) {
      try (Anomaly.Scope inner = Anomaly.enable()) {
        assertTrue(Anomaly.isEnabled());
      }
      assertTrue(Anomaly.isEnabled());
      var pool = Executors.newSingleThreadExecutor();
      try {
        Future<Boolean> other = pool.submit(() -> {
          Value.of(-1.0).log(); // no exception on another thread
          return Anomaly.isEnabled();
        });
        assertFalse(other.get());
      } finally {
        pool.shutdown();
      }
    }
    assertFalse(Anomaly.isEnabled());
  }

  @Test
  void closingOutOfOrderIsRejected() {
    Anomaly.Scope outer = Anomaly.enable();
    Anomaly.Scope inner = Anomaly.enable();
    IllegalStateException e = assertThrows(IllegalStateException.class, outer::close);
    assertTrue(e.getMessage().contains("inner scope"), e.getMessage());
    inner.close();
    outer.close();
    assertFalse(Anomaly.isEnabled());
  }
}
