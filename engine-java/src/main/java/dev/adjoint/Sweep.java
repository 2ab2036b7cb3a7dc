package dev.adjoint;

import java.util.Arrays;

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
    return linearise(root, new Order());
  }

  /**
   * Appends to o what root reaches that o does not hold yet (nothing if root is placed), in the
   * same post-order: o then lists several roots' graphs one after the other.
   */
  static Order linearise(Value root, Order o) {
    if (root.mark != 0) return o;
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
}
