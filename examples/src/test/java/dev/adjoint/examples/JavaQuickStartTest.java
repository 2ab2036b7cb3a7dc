package dev.adjoint.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class JavaQuickStartTest {
  @Test
  void printsWhatItsCommentsSay() {
    PrintStream old = System.out;
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
    try {
      JavaQuickStart.main(new String[0]);
    } finally {
      System.setOut(old);
    }
    assertEquals("Value(data=-0.9640, grad=1.0000)\n0.07065082485316443 0.14130164970632886\n",
        buffer.toString(StandardCharsets.UTF_8));
  }
}
