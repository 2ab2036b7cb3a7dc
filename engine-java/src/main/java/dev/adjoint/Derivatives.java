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
   * The graph just built over {@code inputs}, lowered once ({@link Program}) into a tape whose
   * values are the graph's own; every method below is sweeps over it.
   */
  private static Tape lowered(List<Value> inputs, List<Value> outputs, boolean orders) {
    return new Tape(Program.lower(inputs, outputs, orders), null);
  }

  /**
   * Forward mode on a built graph: the derivative of {@code output} along {@code direction}, where
   * {@code direction[i]} is the tangent of {@code inputs.get(i)} and every other leaf is constant.
   * One sweep in topological order over the tangent rules; no gradient is touched.
   *
   * @throws IllegalArgumentException if the sizes of inputs and direction differ
   */
  public static double jvp(Value output, List<Value> inputs, double[] direction) {
    Objects.requireNonNull(output, "jvp: output is null");
    Objects.requireNonNull(direction, "jvp: direction is null");
    index("jvp", inputs, direction.length);
    Tape t = lowered(inputs, List.of(output), false);
    t.tangents(direction);
    return t.tangent(0);
  }

  /** Forward mode on a function: ∇f(x) · v, with one tangent sweep (no reverse pass). */
  public static double jvp(Function<List<Value>, Value> f, double[] x, double[] v) {
    same("jvp", x, v);
    List<Value> leaves = leaves(x);
    return jvp(call(f, leaves), leaves, v);
  }

  /** Forward mode on a vector function: J(x) · v, one tangent sweep filling every output. */
  public static double[] jvpVector(Function<List<Value>, List<Value>> f, double[] x, double[] v) {
    same("jvpVector", x, v);
    List<Value> leaves = leaves(x);
    List<Value> outs = callVector(f, leaves);
    double[] out = new double[outs.size()];
    if (outs.isEmpty()) return out;
    Tape t = lowered(leaves, outs, false);
    t.tangents(v);
    for (int i = 0; i < out.length; i++) out[i] = t.tangent(i);
    return out;
  }

  /** The gradient of f at x by reverse mode (in arrays of its own: no value's grad is touched). */
  public static double[] gradient(Function<List<Value>, Value> f, double[] x) {
    List<Value> leaves = leaves(x);
    Tape t = lowered(leaves, List.of(call(f, leaves)), false);
    t.reverse(0);
    double[] g = new double[x.length];
    for (int i = 0; i < g.length; i++) g[i] = t.adjoint(i);
    return g;
  }

  /** The Jacobian of f at x (row i: ∇fᵢ) by forward mode: one tangent sweep per input. */
  public static double[][] jacobianForward(Function<List<Value>, List<Value>> f, double[] x) {
    List<Value> leaves = leaves(x);
    return jacobianForward(callVector(f, leaves), leaves);
  }

  private static double[][] jacobianForward(List<Value> outs, List<Value> leaves) {
    int n = leaves.size();
    double[][] jac = new double[outs.size()][n];
    if (outs.isEmpty()) return jac;
    Tape t = lowered(leaves, outs, false);
    double[] e = new double[n];
    for (int j = 0; j < n; j++) {
      e[j] = 1.0;
      t.tangents(e);
      for (int i = 0; i < outs.size(); i++) jac[i][j] = t.tangent(i);
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
    double[][] jac = new double[outs.size()][leaves.size()];
    if (outs.isEmpty()) return jac;
    Tape t = lowered(leaves, outs, true);
    for (int i = 0; i < outs.size(); i++) {
      t.reverse(i);
      for (int j = 0; j < leaves.size(); j++) jac[i][j] = t.adjoint(j);
    }
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
    Tape t = lowered(leaves, List.of(call(f, leaves)), false);
    double[] hv = new double[x.length];
    hvp(t, v, hv);
    return hv;
  }

  private static void hvp(Tape t, double[] v, double[] hv) {
    t.tangents(v);
    t.secondOrder();
    for (int i = 0; i < hv.length; i++) hv[i] = t.adjointTangent(i);
  }

  /** The Hessian of f at x: n Hessian-vector products (for small n), over one recorded graph. */
  public static double[][] hessian(Function<List<Value>, Value> f, double[] x) {
    List<Value> leaves = leaves(x);
    Tape t = lowered(leaves, List.of(call(f, leaves)), false);
    double[][] h = new double[x.length][x.length];
    double[] e = new double[x.length], column = new double[x.length];
    for (int j = 0; j < x.length; j++) {
      e[j] = 1.0;
      hvp(t, e, column);
      e[j] = 0.0;
      for (int i = 0; i < x.length; i++) h[i][j] = column[i];
    }
    return h;
  }

  private static Map<Value, Integer> index(String what, List<Value> inputs, int n) {
    Objects.requireNonNull(inputs, () -> what + ": inputs is null");
    if (inputs.size() != n) throw new IllegalArgumentException(what + ": " + inputs.size() + " inputs but a direction of size " + n);
    Map<Value, Integer> index = new IdentityHashMap<>();
    for (int i = 0; i < inputs.size(); i++) {
      Value x = inputs.get(i);
      if (x == null) throw new NullPointerException(what + ": input " + i + " is null");
      if (!x.isLeaf()) {
        throw new IllegalArgumentException(what + ": input " + i + " is a '" + x.op() + "' node " + x
            + ", not a leaf: a direction is given for leaves only");
      }
      if (index.put(x, i) != null) throw new IllegalArgumentException(what + ": input " + i + " appears twice");
    }
    return index;
  }

  private static void same(String what, double[] x, double[] v) {
    Objects.requireNonNull(x, () -> what + ": the point is null");
    Objects.requireNonNull(v, () -> what + ": the direction is null");
    if (x.length != v.length) throw new IllegalArgumentException(what + ": a point of size " + x.length + " but a direction of size " + v.length);
  }

  private static Value call(Function<List<Value>, Value> f, List<Value> leaves) {
    Objects.requireNonNull(f, "the function is null");
    return Objects.requireNonNull(f.apply(leaves), "the function returned null");
  }

  private static List<Value> callVector(Function<List<Value>, List<Value>> f, List<Value> leaves) {
    Objects.requireNonNull(f, "the function is null");
    List<Value> outs = Objects.requireNonNull(f.apply(leaves), "the function returned null");
    for (int i = 0; i < outs.size(); i++) {
      if (outs.get(i) == null) throw new NullPointerException("output " + i + " of the function is null");
    }
    return outs;
  }

  static List<Value> leaves(double[] x) {
    Objects.requireNonNull(x, "the point is null");
    List<Value> out = new ArrayList<>(x.length);
    for (double v : x) out.add(Value.of(v));
    return out;
  }
}
