package dev.adjoint.examples;

import dev.adjoint.Value;
import dev.adjoint.nn.Minimize;
import java.util.ArrayList;
import java.util.List;

/** The README's Java L-BFGS example: a maximum-likelihood fit of a normal distribution's mean and log-deviation. */
public final class JavaMinimize {
  /** Fits (μ, ln σ) to the samples by L-BFGS. */
  public static Minimize.Result fit(double[] samples) {
    // readme:java-lbfgs
    // negative log-likelihood of N(μ, σ²), with s = ln σ so that σ stays positive
    Minimize.Result r = Minimize.lbfgs(p -> {
      Value mu = p.get(0), s = p.get(1);
      List<Value> terms = new ArrayList<>();
      for (double x : samples) {
        Value z = Value.of(x).minus(mu).div(s.exp());
        terms.add(z.pow(2).times(0.5).plus(s));
      }
      return Value.sum(terms);
    }, new double[] {0.0, 0.0});
    System.out.printf("mu %.6f, sigma %.6f after %d iterations (converged: %b)%n",
        r.x()[0], Math.exp(r.x()[1]), r.iterations(), r.converged());
    // readme:end
    return r;
  }

  public static void main(String[] args) {
    fit(new double[] {4.1, 5.3, 3.8, 6.0, 4.9, 5.5, 4.4});
  }
}
