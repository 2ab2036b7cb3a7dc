package dev.adjoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class GraphvizTest {
  @Test
  void drawsEveryNodeWithOpDataAndGrad() {
    Value a = Value.of(2.0), b = Value.of(-3.0);
    Value d = a.times(b).plus(a.pow(2)).tanh();
    d.backward();
    String dot = d.toDot();
    assertTrue(dot.startsWith("digraph adjoint {"), dot);
    assertTrue(dot.trim().endsWith("}"), dot);
    assertEquals(6, count(dot, "shape=record"), "2 leaves and 4 op nodes (the exponent of ^2 is part of its op):\n" + dot);
    assertEquals(4, count(dot, "shape=ellipse"), dot);
    assertTrue(dot.contains("label=\"tanh\""), dot);
    assertTrue(dot.contains("label=\"^2\""), dot);
    assertTrue(dot.contains("data -0.9640 | grad 1.0000"), dot);
    assertTrue(dot.contains("data 2.0000 | grad 0.0707"), dot);
    // every input edge plus every op-to-node edge: tanh 1, + 2, * 2, ^2 1 inputs; 4 op edges
    assertEquals(6 + 4, count(dot, "->"), dot);
  }

  static int count(String s, String what) {
    int n = 0;
    for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) n++;
    return n;
  }
}
