package dev.adjoint;

/**
 * Not part of Adjoint's API: the bridge through which Adjoint's own packages (the optimizers,
 * losses and trainer of {@code dev.adjoint.nn}, the DSL) read values without the read counting as
 * an assumption of a recorded tape (see {@link Tape}: a value user code reads while building a
 * graph becomes a guard of the tape recorded from it). It may change or go in any release; user
 * code should call {@link Value#data()}.
 */
public final class Internal {
  private Internal() {}

  /**
   * Node replays (replays times op nodes) of a generic tape after which the library's loops
   * (Trainer, Minimize) compile it: where compiling an MLP loss started to pay in README's
   * measurements (CompileCost: 1.2·10^7 node replays paid, 1.2·10^6 did not). Shorter runs never
   * reach it and keep the generic tape.
   */
  public static final long COMPILE_AFTER = 10_000_000L;

  /**
   * t compiled (every replay bitwise the same) once {@code nodeReplays}, the op nodes it has
   * replayed so far, reach {@link #COMPILE_AFTER}; else t. A tape that cannot be compiled, or
   * is already, is returned as it is.
   */
  public static Tape compiledOnceItPays(Tape t, long nodeReplays) {
    return nodeReplays >= COMPILE_AFTER && !t.isCompiled() && t.whyNotCompiled() == null ? t.compile() : t;
  }

  /** v's value, as {@link Value#data()} gives it, without logging the read. */
  public static double data(Value v) {
    return v.data;
  }
}
