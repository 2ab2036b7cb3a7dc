package dev.adjoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** A recording's site, read from a stack trace, is the frame the stack walker finds. */
class RecordingCallerTest {
  @Test
  void theSameFrameAsTheWalker() {
    StackTraceElement[] both = {Anomaly.callerOutsideLibrary(), Anomaly.recordingCaller()};
    assertNotNull(both[0]);
    assertEquals(both[0], both[1]);
    assertEquals(RecordingCallerTest.class.getName(), both[1].getClassName());
  }

  @Test
  void throughALambdaAndReflection() throws Exception {
    Supplier<StackTraceElement[]> s = () -> new StackTraceElement[] {Anomaly.callerOutsideLibrary(), Anomaly.recordingCaller()};
    StackTraceElement[] viaLambda = s.get();
    assertEquals(viaLambda[0], viaLambda[1]);
    StackTraceElement[] viaReflection = (StackTraceElement[]) RecordingCallerTest.class.getDeclaredMethod("both").invoke(null);
    assertEquals(viaReflection[0], viaReflection[1]);
    assertEquals("both", viaReflection[1].getMethodName());
  }

  static StackTraceElement[] both() {
    return new StackTraceElement[] {Anomaly.callerOutsideLibrary(), Anomaly.recordingCaller()};
  }
}
