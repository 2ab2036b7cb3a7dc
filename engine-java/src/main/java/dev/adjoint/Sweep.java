package dev.adjoint;

import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Walks graphs of {@link Value}s: linearises the part reachable from a root into topological order
 * without recursion, then sweeps it, calling the rule table. It knows no op by name.
 *
 * <p>During a walk each node's {@code mark} holds its traversal state (&gt; 0: on the stack, with
 * the next input to visit in {@code mark - 1}; &lt; 0: placed, at position {@code -mark - 1} of the
 * inner nodes or of the leaves). Every walk clears the marks it set before it returns or throws.
 */
final class Sweep {
  private Sweep() {}

  /** The reachable graph of one root: inner nodes with operands first, and the leaves reached. */
  static final class Order {
    Value[] inner = new Value[16];
    int innerCount;
    Value[] leaves = new Value[16];
    int leafCount;

    void addInner(Value v) {
      if (innerCount == inner.length) inner = Arrays.copyOf(inner, innerCount << 1);
      inner[innerCount] = v;
      v.mark = -(++innerCount);
    }

    void addLeaf(Value v) {
      if (leafCount == leaves.length) leaves = Arrays.copyOf(leaves, leafCount << 1);
      leaves[leafCount] = v;
      v.mark = -(++leafCount);
    }

    /** Resets every mark this order set. */
    void clearMarks() {
      for (int i = 0; i < innerCount; i++) inner[i].mark = 0;
      for (int i = 0; i < leafCount; i++) leaves[i].mark = 0;
    }
  }

  /**
   * Linearises everything reachable from root with an explicit stack (post-order DFS). The marks
   * of the returned order stay set: the caller must call {@link Order#clearMarks()} when done.
   */
  static Order linearise(Value root) {
    Order o = new Order();
    if (root.op == Op.LEAF) {
      o.addLeaf(root);
      return o;
    }
    Value[] stack = new Value[64];
    int sp = 0;
    root.mark = 1;
    stack[sp++] = root;
    try {
      while (sp > 0) {
        Value v = stack[sp - 1];
        int k = v.mark - 1;
        final int n = v.arity();
        Value next = null;
        while (k < n) {
          Value in = v.input(k++);
          if (in.mark == 0) {
            if (in.op == Op.LEAF) {
              o.addLeaf(in);
            } else {
              next = in;
              break;
            }
          }
        }
        if (next == null) {
          sp--;
          o.addInner(v);
        } else {
          v.mark = k + 1;
          next.mark = 1;
          if (sp == stack.length) stack = Arrays.copyOf(stack, sp << 1);
          stack[sp++] = next;
        }
      }
    } catch (RuntimeException | Error e) {
      for (int i = 0; i < sp; i++) stack[i].mark = 0;
      o.clearMarks();
      throw e;
    }
    return o;
  }

  /** {@link Value#backward()}: seeds root with 1 and sweeps the adjoint rules in reverse order. */
  static void backward(Value root) {
    final Order o = linearise(root);
    final Value[] leaves = o.leaves, inner = o.inner;
    final int nl = o.leafCount, ni = o.innerCount;
    final double[] saved = new double[nl];
    boolean done = false;
    try {
      for (int j = 0; j < nl; j++) {
        saved[j] = leaves[j].grad;
        leaves[j].grad = 0.0;
      }
      for (int i = 0; i < ni; i++) inner[i].grad = 0.0;
      root.grad = 1.0;
      if (Anomaly.anyOpen() && Anomaly.isEnabled()) {
        for (int i = ni - 1; i >= 0; i--) {
          Value v = inner[i];
          NodeRules.adjoint(v);
          Anomaly.checkGradients(v);
        }
      } else {
        for (int i = ni - 1; i >= 0; i--) NodeRules.adjoint(inner[i]);
      }
      for (int j = 0; j < nl; j++) leaves[j].grad = saved[j] + leaves[j].grad;
      done = true;
    } finally {
      if (!done) {
        for (int j = 0; j < nl; j++) leaves[j].grad = saved[j];
      }
      o.clearMarks();
    }
  }

  /**
   * Forward mode: the directional derivative of root, given each leaf's tangent as
   * {@code seed(leaf)}; one sweep in topological order over the tangent rules.
   */
  static double tangent(Value root, Seed seed) {
    final Order o = linearise(root);
    try {
      final double[] lt = new double[o.leafCount];
      for (int j = 0; j < o.leafCount; j++) lt[j] = seed.tangent(o.leaves[j]);
      if (o.innerCount == 0) return lt[0];
      final double[] t = new double[o.innerCount];
      for (int i = 0; i < o.innerCount; i++) t[i] = NodeRules.tangent(o.inner[i], t, lt);
      return t[o.innerCount - 1];
    } finally {
      o.clearMarks();
    }
  }

  /** The tangent of a placed node during {@link #tangent}: leaves in lt, inner nodes in t. */
  static double tangentOf(Value x, double[] t, double[] lt) {
    return x.op == Op.LEAF ? lt[-x.mark - 1] : t[-x.mark - 1];
  }

  /**
   * Forward over reverse: for each of {@code inputs}, the gradient of root and the Hessian of root
   * times the direction v (v[k] is the tangent of inputs.get(k)): a tangent sweep, then one reverse
   * sweep carrying each adjoint and its tangent. Returns {gradient, H·v}.
   */
  static double[][] secondOrder(Value root, List<Value> inputs, double[] v) {
    Map<Value, Integer> index = new IdentityHashMap<>();
    for (int k = 0; k < inputs.size(); k++) index.put(inputs.get(k), k);
    final Order o = linearise(root);
    try {
      Second s = new Second(o);
      for (int j = 0; j < o.leafCount; j++) {
        Integer k = index.get(o.leaves[j]);
        s.lt[j] = k == null ? 0.0 : v[k];
      }
      for (int i = 0; i < o.innerCount; i++) s.t[i] = NodeRules.tangent(o.inner[i], s.t, s.lt);
      if (o.innerCount == 0) {
        s.lg[0] = 1.0;
      } else {
        s.g[o.innerCount - 1] = 1.0;
        for (int i = o.innerCount - 1; i >= 0; i--) NodeRules.adjointTangent(o.inner[i], s);
      }
      double[] grad = new double[inputs.size()], hv = new double[inputs.size()];
      for (int k = 0; k < inputs.size(); k++) {
        Value x = inputs.get(k);
        if (x.op == Op.LEAF && x.mark < 0) {
          grad[k] = s.lg[-x.mark - 1];
          hv[k] = s.lgt[-x.mark - 1];
        }
      }
      return new double[][] {grad, hv};
    } finally {
      o.clearMarks();
    }
  }

  /** The state of a forward-over-reverse sweep: tangents, adjoints and adjoints' tangents by position. */
  static final class Second {
    final double[] t, lt, g, gt, lg, lgt;

    Second(Order o) {
      t = new double[o.innerCount];
      g = new double[o.innerCount];
      gt = new double[o.innerCount];
      lt = new double[o.leafCount];
      lg = new double[o.leafCount];
      lgt = new double[o.leafCount];
    }

    double tangent(Value x) {
      return tangentOf(x, t, lt);
    }

    /** Adds dg to x's adjoint and dgt to its tangent. */
    void add(Value x, double dg, double dgt) {
      int k = -x.mark - 1;
      if (x.op == Op.LEAF) {
        lg[k] += dg;
        lgt[k] += dgt;
      } else {
        g[k] += dg;
        gt[k] += dgt;
      }
    }
  }

  /** The tangent of each leaf, for a forward sweep. */
  interface Seed {
    double tangent(Value leaf);
  }
}
