package dev.adjoint;

/**
 * Thrown by a replay of a {@link Tape} or {@link BatchTape} whose recording assumed a value that
 * no longer holds: user code read a node's value ({@link Value#data()}) while the recorded graph
 * was being built, so the graph's shape may depend on it (a branch), and the replay gives that node
 * another value. The replay has changed no gradient and no input; redo the step define-by-run, or
 * record again. Its message names the node and where the tape was recorded.
 */
public final class TapeGuardException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  TapeGuardException(String message) {
    super(message);
  }
}
