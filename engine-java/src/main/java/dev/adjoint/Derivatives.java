package dev.adjoint;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Derivatives beyond {@link Value#backward()}: forward mode through the rule table's tangent
 * rules. Every method is a pure function of its arguments: it builds the graph it needs, leaves no
 * gradient behind on the caller's values, and is safe to call from any thread.
 */
public final class Derivatives {
  private Derivatives() {}

  /**
   * Forward mode on a built graph: the derivative of {@code output} along {@code direction}, where
   * {@code direction[i]} is the tangent of {@code inputs.get(i)} and every other leaf is constant.
   * One sweep in topological order over the tangent rules; no gradient is touched.
   *
   * @throws IllegalArgumentException if the sizes of inputs and direction differ
   */
  public static double jvp(Value output, List<Value> inputs, double[] direction) {
    Objects.requireNonNull(output, "jvp: output is null");
    if (inputs.size() != direction.length) {
      throw new IllegalArgumentException("jvp: " + inputs.size() + " inputs but a direction of size " + direction.length);
    }
    Map<Value, Integer> index = new IdentityHashMap<>();
    for (int i = 0; i < inputs.size(); i++) {
      Value x = Objects.requireNonNull(inputs.get(i), "jvp: input " + i + " is null");
      if (index.put(x, i) != null) throw new IllegalArgumentException("jvp: input " + i + " appears twice");
    }
    return Sweep.tangent(output, leaf -> {
      Integer i = index.get(leaf);
      return i == null ? 0.0 : direction[i];
    });
  }

  /**
   * Forward mode on a function: ∇f(x) · v, the derivative of f at x along v, with one tangent
   * sweep (no reverse pass).
   *
   * @throws IllegalArgumentException if x and v have different sizes
   */
  public static double jvp(Function<List<Value>, Value> f, double[] x, double[] v) {
    if (x.length != v.length) {
      throw new IllegalArgumentException("jvp: a point of size " + x.length + " but a direction of size " + v.length);
    }
    List<Value> leaves = leaves(x);
    return jvp(Objects.requireNonNull(f.apply(leaves), "jvp: f returned null"), leaves, v);
  }

  static List<Value> leaves(double[] x) {
    List<Value> out = new ArrayList<>(x.length);
    for (double v : x) out.add(Value.of(v));
    return out;
  }
}
