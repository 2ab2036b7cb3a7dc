package dev.adjoint.nn;

import dev.adjoint.Value;
import java.util.List;

/**
 * A differentiable model: a function from {@link #inputs()} values to {@link #outputs()} values
 * whose graph depends on its {@link #parameters()}. {@link Trainer} fits any model; its graph's
 * shape must not depend on the data for recorded execution to replay it (a branch on a value is
 * detected on replay and run define-by-run instead).
 */
public interface Model extends Module {
  /** The outputs for the inputs x (a graph over x and the parameters). */
  List<Value> apply(List<Value> x);

  /** The number of inputs. */
  int inputs();

  /** The number of outputs. */
  int outputs();

  /** The outputs for plain inputs x: bitwise {@link #apply}'s values (see {@link Trainer#predict}). */
  default double[] predict(double... x) {
    return Trainer.predict(this, new double[][] {x})[0];
  }

  /**
   * The outputs for every row of data ({@code result[r][j]} is output j of row r), bitwise
   * {@link #apply}'s values; an MLP builds no graph per row (see {@link Trainer#predict}).
   */
  default double[][] predict(Dataset data) {
    double[][] rows = new double[data.size()][];
    for (int r = 0; r < rows.length; r++) rows[r] = data.x(r);
    return Trainer.predict(this, rows);
  }
}
