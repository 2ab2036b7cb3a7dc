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

  /** v's value, as {@link Value#data()} gives it, without logging the read. */
  public static double data(Value v) {
    return v.data;
  }
}
