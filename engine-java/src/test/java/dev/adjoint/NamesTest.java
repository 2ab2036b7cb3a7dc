package dev.adjoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Named leaves: their names in toDot() (as micrograd's labels) and in anomaly messages. */
class NamesTest {
  @Test
  void aNamedLeafIsAnOrdinaryLeafWithAName() {
    Value a = Value.of(2.0, "a");
    assertEquals("a", a.name());
    assertTrue(a.isLeaf());
    assertNull(Value.of(2.0).name());
    assertNull(Value.of(2.0, null).name());
    assertNull(a.times(a).name(), "op nodes have no name");
    Value y = a.times(a);
    y.backward();
    assertEquals(4.0, a.grad());
  }

  @Test
  void namesAppearInTheGraph() {
    Value a = Value.of(2.0, "a"), b = Value.of(-3.0, "b");
    Value d = a.times(b).plus(a.pow(2)).tanh();
    d.backward();
    String dot = d.toDot();
    assertTrue(dot.contains("label=\"{ a | data 2.0000 | grad 0.0707 }\""), dot);
    assertTrue(dot.contains("label=\"{ b | data -3.0000 | grad 0.1413 }\""), dot);
    assertTrue(dot.contains("label=\"^2\""), dot);
  }

  @Test
  void recordFieldCharactersInNamesAreEscaped() {
    String dot = Value.of(1.0, "w{1|2}<\"x\">").toDot();
    assertTrue(dot.contains("label=\"{ w\\{1\\|2\\}\\<\\\"x\\\"\\> | data 1.0000 | grad 0.0000 }\""), dot);
  }

  @Test
  void namesAppearInAnomalyMessages() {
    Value x = Value.of(-1.0, "x");
    AnomalyException e = assertThrows(AnomalyException.class, () -> Anomaly.detect(() -> x.log()));
    assertTrue(e.getMessage().contains("from inputs [x=-1.0]"), e.getMessage());
  }
}
