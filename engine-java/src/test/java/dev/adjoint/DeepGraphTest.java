package dev.adjoint;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** backward() is iterative: depth is limited by the heap, never by the thread stack. */
class DeepGraphTest {
  static final int N = 10_000_000;

  @Test
  void tenMillionNodeChainOnTheDefaultStack() {
    Value x = Value.of(0.5);
    Value v = x;
    for (int i = 0; i < N; i++) v = v.plus(1.0);
    v.backward();
    assertEquals(0.5 + N, v.data());
    assertEquals(1.0, x.grad());
  }

  @Test
  void deepChainThroughASharedLeaf() {
    Value x = Value.of(1.0), w = Value.of(1.0);
    Value v = x;
    for (int i = 0; i < 1_000_000; i++) v = v.times(w);
    v.backward();
    assertEquals(1.0, x.grad());
    assertEquals(1_000_000.0, w.grad());
  }
}
