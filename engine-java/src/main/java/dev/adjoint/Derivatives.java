package dev.adjoint;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Derivatives beyond {@link Value#backward()}: forward mode through the rule table's tangent
 * rules, Jacobians both ways, and second order by forward over reverse (no finite differences).
 * Every method is a pure function of its arguments: it builds the graph it needs from new leaves,
 * leaves no gradient behind on any value of the caller's, and is safe to call from any thread.
 * {@link Tape} offers the same on a recorded graph ({@link Tape#jvp}, {@link Tape#hvp}).
 *
 * <p><b>Forward or reverse?</b> For f: Rⁿ → Rᵐ, forward mode gives one column of the Jacobian per
 * sweep (n sweeps in all), reverse mode one row (m sweeps), each sweep costing a small multiple
 * of evaluating f. Use forward mode when n ≤ m (few inputs, many outputs: sensitivities of many
 * outputs to a few parameters), reverse mode when m &lt; n (a loss of many parameters);
 * {@link #jacobian} picks by that rule. Both give the same numbers up to rounding.
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
    Map<Value, Integer> index = index("jvp", inputs, direction.length);
    return Sweep.tangent(output, leaf -> {
      Integer i = index.get(leaf);
      return i == null ? 0.0 : direction[i];
    });
  }

  /** Forward mode on a function: ∇f(x) · v, with one tangent sweep (no reverse pass). */
  public static double jvp(Function<List<Value>, Value> f, double[] x, double[] v) {
    same("jvp", x, v);
    List<Value> leaves = leaves(x);
    return jvp(call(f, leaves), leaves, v);
  }

  /** Forward mode on a vector function: J(x) · v, one tangent sweep per output over one shared graph. */
  public static double[] jvpVector(Function<List<Value>, List<Value>> f, double[] x, double[] v) {
    same("jvpVector", x, v);
    List<Value> leaves = leaves(x);
    List<Value> outs = callVector(f, leaves);
    double[] out = new double[outs.size()];
    for (int i = 0; i < out.length; i++) out[i] = jvp(outs.get(i), leaves, v);
    return out;
  }

  /** The gradient of f at x by reverse mode (in arrays of its own: no value's grad is touched). */
  public static double[] gradient(Function<List<Value>, Value> f, double[] x) {
    List<Value> leaves = leaves(x);
    return Sweep.secondOrder(call(f, leaves), leaves, new double[x.length])[0];
  }

  /** The Jacobian of f at x (row i: ∇fᵢ) by forward mode: one tangent sweep per input. */
  public static double[][] jacobianForward(Function<List<Value>, List<Value>> f, double[] x) {
    List<Value> leaves = leaves(x);
    return jacobianForward(callVector(f, leaves), leaves);
  }

  private static double[][] jacobianForward(List<Value> outs, List<Value> leaves) {
    int n = leaves.size();
    double[][] jac = new double[outs.size()][n];
    double[] e = new double[n];
    for (int j = 0; j < n; j++) {
      e[j] = 1.0;
      for (int i = 0; i < outs.size(); i++) jac[i][j] = jvp(outs.get(i), leaves, e);
      e[j] = 0.0;
    }
    return jac;
  }

  /** The Jacobian of f at x (row i: ∇fᵢ) by reverse mode: one backward sweep per output. */
  public static double[][] jacobianReverse(Function<List<Value>, List<Value>> f, double[] x) {
    List<Value> leaves = leaves(x);
    return jacobianReverse(callVector(f, leaves), leaves);
  }

  private static double[][] jacobianReverse(List<Value> outs, List<Value> leaves) {
    double[][] jac = new double[outs.size()][];
    double[] none = new double[leaves.size()];
    for (int i = 0; i < outs.size(); i++) jac[i] = Sweep.secondOrder(outs.get(i), leaves, none)[0];
    return jac;
  }

  /** The Jacobian of f at x, by forward mode when it has no more inputs than outputs, else reverse mode. */
  public static double[][] jacobian(Function<List<Value>, List<Value>> f, double[] x) {
    List<Value> leaves = leaves(x);
    List<Value> outs = callVector(f, leaves);
    return x.length <= outs.size() ? jacobianForward(outs, leaves) : jacobianReverse(outs, leaves);
  }

  /**
   * The Hessian of f at x times v, by forward over reverse: one tangent sweep along v and one
   * reverse sweep carrying every adjoint's tangent. Exact up to rounding; no finite differences.
   */
  public static double[] hvp(Function<List<Value>, Value> f, double[] x, double[] v) {
    same("hvp", x, v);
    List<Value> leaves = leaves(x);
    return Sweep.secondOrder(call(f, leaves), leaves, v)[1];
  }

  /** The Hessian of f at x: n Hessian-vector products (for small n), over one shared graph. */
  public static double[][] hessian(Function<List<Value>, Value> f, double[] x) {
    List<Value> leaves = leaves(x);
    Value out = call(f, leaves);
    double[][] h = new double[x.length][];
    double[] e = new double[x.length];
    for (int j = 0; j < x.length; j++) {
      e[j] = 1.0;
      double[] column = Sweep.secondOrder(out, leaves, e)[1];
      e[j] = 0.0;
      for (int i = 0; i < x.length; i++) {
        if (h[i] == null) h[i] = new double[x.length];
        h[i][j] = column[i];
      }
    }
    return h;
  }

  private static Map<Value, Integer> index(String what, List<Value> inputs, int n) {
    if (inputs.size() != n) throw new IllegalArgumentException(what + ": " + inputs.size() + " inputs but a direction of size " + n);
    Map<Value, Integer> index = new IdentityHashMap<>();
    for (int i = 0; i < inputs.size(); i++) {
      Value x = inputs.get(i);
      if (x == null) throw new NullPointerException(what + ": input " + i + " is null");
      if (index.put(x, i) != null) throw new IllegalArgumentException(what + ": input " + i + " appears twice");
    }
    return index;
  }

  private static void same(String what, double[] x, double[] v) {
    if (x.length != v.length) throw new IllegalArgumentException(what + ": a point of size " + x.length + " but a direction of size " + v.length);
  }

  private static Value call(Function<List<Value>, Value> f, List<Value> leaves) {
    return Objects.requireNonNull(f.apply(leaves), "the function returned null");
  }

  private static List<Value> callVector(Function<List<Value>, List<Value>> f, List<Value> leaves) {
    List<Value> outs = Objects.requireNonNull(f.apply(leaves), "the function returned null");
    for (int i = 0; i < outs.size(); i++) {
      if (outs.get(i) == null) throw new NullPointerException("output " + i + " of the function is null");
    }
    return outs;
  }

  static List<Value> leaves(double[] x) {
    List<Value> out = new ArrayList<>(x.length);
    for (double v : x) out.add(Value.of(v));
    return out;
  }
}
