package dev.adjoint;

import java.util.List;

/**
 * Thrown while {@link Anomaly} detection is on by the first node whose value or gradient became
 * NaN or infinite. Its message names the op, the op's input values and where the node was made.
 */
public final class AnomalyException extends ArithmeticException {
  private static final long serialVersionUID = 1L;

  private final String op;
  private final List<Double> inputs;
  private final transient StackTraceElement site;

  AnomalyException(String op, List<Double> inputs, StackTraceElement site, String message) {
    super(message);
    this.op = op;
    this.inputs = List.copyOf(inputs);
    this.site = site;
  }

  /** The op of the offending node, as {@link Value#op()} names it. */
  public String op() {
    return op;
  }

  /** The values of the offending node's inputs. */
  public List<Double> inputs() {
    return inputs;
  }

  /** Where the offending node was made, or null if it was made while detection was off. */
  public StackTraceElement site() {
    return site;
  }
}
