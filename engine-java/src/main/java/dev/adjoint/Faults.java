package dev.adjoint;

import java.util.function.Consumer;

/**
 * The fault-injection points of every sweep, for tests: each sweep (the graph's backward, and the
 * forward, reverse, tangent and second-order sweeps of {@link Tape}, {@link BatchTape}, compiled
 * tapes and {@link Derivatives}) calls {@link #point} once, after its work and before it commits
 * anything a caller can see (gradients, outputs). A test sets {@link #hook} to throw there (an
 * {@link OutOfMemoryError}, say) and checks that every graph and tape is as it was. Costs one
 * volatile read per sweep; never set outside tests. Thread-safe.
 */
final class Faults {
  private Faults() {}

  /** Called with the point's name ({@code "Tape.reverse"}, ...) when set; may throw anything. */
  static volatile Consumer<String> hook;

  /** A fault-injection point named {@code where}. */
  static void point(String where) {
    final Consumer<String> h = hook;
    if (h != null) h.accept(where);
  }
}
