package dev.adjoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Bad input gets an exception whose message names the bad value. */
class BadInputTest {
  final Value x = Value.of(1.0);

  @Test
  void nullOperands() {
    expect(NullPointerException.class, "plus: the operand is null", () -> x.plus(null));
    expect(NullPointerException.class, "minus: the operand is null", () -> x.minus(null));
    expect(NullPointerException.class, "times: the operand is null", () -> x.times(null));
    expect(NullPointerException.class, "div: the operand is null", () -> x.div(null));
    expect(NullPointerException.class, "pow: the operand is null", () -> x.pow((Value) null));
  }

  @Test
  void dotSizesDiffer() {
    expect(IllegalArgumentException.class, "dot: sizes differ: 3 vs 4",
        () -> Value.dot(List.of(x, x, x), List.of(x, x, x, x)));
    expect(IllegalArgumentException.class, "dot: sizes differ: 0 vs 1",
        () -> Value.dot(List.of(), List.of(x)));
  }

  @Test
  void nullListsAndElements() {
    expect(NullPointerException.class, "sum: the list is null", () -> Value.sum(null));
    expect(NullPointerException.class, "sum: element 1 of the list is null",
        () -> Value.sum(Arrays.asList(x, null)));
    expect(NullPointerException.class, "dot: the first list is null", () -> Value.dot(null, List.of()));
    expect(NullPointerException.class, "dot: the second list is null", () -> Value.dot(List.of(), null));
    expect(NullPointerException.class, "dot: element 0 of the first list is null",
        () -> Value.dot(Arrays.asList((Value) null), List.of(x)));
    expect(NullPointerException.class, "dot: element 1 of the second list is null",
        () -> Value.dot(List.of(x, x), Arrays.asList(x, null)));
  }

  @Test
  void setDataOnANonLeaf() {
    Value y = x.times(3.0);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> y.setData(2.0));
    assertTrue(e.getMessage().contains("'*' node Value(data=3.0000"), e.getMessage());
    assertEquals(3.0, y.data());
  }

  static void expect(Class<? extends Throwable> type, String message, Executable body) {
    Throwable t = assertThrows(type, body);
    assertEquals(message, t.getMessage());
  }
}
