package dev.adjoint;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.openjdk.jol.info.ClassLayout;
import org.openjdk.jol.info.GraphLayout;

/** A binary-op node costs at most 48 bytes of heap (measured with JOL). */
class MemoryTest {
  @Test
  void binaryNodeIsAtMost48Bytes() {
    Value a = Value.of(1), b = Value.of(2);
    Value c = a.times(b);
    long shallow = ClassLayout.parseInstance(c).instanceSize();
    // the op registry's objects are shared by every node: count them on both sides
    long withOperands = GraphLayout.parseInstance(c, Op.VALUES).totalSize();
    long operands = GraphLayout.parseInstance(a, b, Op.VALUES).totalSize();
    assertTrue(shallow <= 48, "Value instance size " + shallow + " bytes\n" + ClassLayout.parseInstance(c).toPrintable());
    assertTrue(withOperands - operands <= 48, "a binary node adds " + (withOperands - operands) + " bytes");
  }
}
