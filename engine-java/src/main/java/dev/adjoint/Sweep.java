package dev.adjoint;

import java.util.Arrays;

/**
 * Walks graphs of {@link Value}s: linearises the part reachable from a root into topological order
 * without recursion, then sweeps it, calling the rule table. It knows no op by name.
 *
 * <p>Every walk keeps its traversal state to itself: an {@link Order} maps each node reached to its
 * place (by the node's {@code hash}, fixed at creation), and {@link #backward} keeps its adjoints in
 * an array of its own. Nothing is written into a node while walking or sweeping, so any number of
 * threads may walk graphs that share nodes. {@link #backward} writes gradients only once its sweep
 * has finished (inner nodes' by plain writes, leaves' by one atomic add each), so concurrent calls
 * on graphs that share leaves lose no contribution, and a sweep that throws, whatever it throws,
 * leaves every gradient as it was.
 */
final class Sweep {
  private Sweep() {}

  /** The most places whose arrays a thread's scratch order keeps between calls. */
  static final int KEEP = 1 << 16;

  private static final ThreadLocal<Order> SCRATCH = ThreadLocal.withInitial(Order::new);

  private static final ThreadLocal<int[]> NEXT_HASH =
      ThreadLocal.withInitial(() -> new int[] {(int) (Thread.currentThread().getId() * 0x9E3779B97F4A7C15L >>> 32)});

  /**
   * The hash of a new node: the next of a counter of this thread's (each thread's starts far from
   * the others'), so nodes made one after another on one thread get consecutive hashes and a walk
   * keeps the nodes of a graph made in one go in a direct-mapped window.
   */
  static int nextHash() {
    return NEXT_HASH.get()[0]++;
  }

  /** The hash the next node made on this thread will have. */
  static int peekHash() {
    return NEXT_HASH.get()[0];
  }

  /**
   * The reachable graph of one or more roots: inner nodes with operands first, and the leaves
   * reached, each in the order the walk placed them; and a per-call map from node to place. The
   * map is a direct-mapped window over the hashes just below the first root's (the nodes made
   * shortly before it on its thread: for a graph made in one go, an array as dense as the graph,
   * filled and read nearly in order) and an open-addressing table for every other node (made on
   * another thread or long before, or whose window entry is taken). A place is coded as the old
   * traversal marks were: inner node i as i + 1, leaf j as -(j + 1).
   */
  static final class Order {
    Value[] inner = new Value[16];
    int innerCount;
    Value[] leaves = new Value[16];
    int leafCount;
    /** window[d]: the place of the node whose hash is top - d, or 0. */
    private int[] window = new int[256];
    private int top, widest;
    private boolean started;
    /** Whether some node whose hash falls in the window is in the table (its entry was taken). */
    private boolean contended;
    /** Open addressing by hash with double hashing: places, 0 for empty. */
    private int[] table;
    private int mask, tabled;
    /** The walk's stack: nodes, and the next operand of each. */
    private Value[] stack = new Value[64];
    private int[] next = new int[64];
    private int depth;
    /** Whether this order is the thread's scratch order, in use ({@link #scratch()}). */
    private boolean busy;

    /**
     * This thread's scratch order, empty, for a walk whose order does not outlive the call: its
     * arrays of ints are kept from call to call and its arrays of nodes are made the size of the
     * last walk's, so walks over graphs of one size allocate little and grow nothing. The caller
     * must {@link #release()} it. A walk made while it is in use (a re-entrant call) gets a new one.
     */
    static Order scratch() {
      final Order o = SCRATCH.get();
      if (o.busy) return new Order();
      o.busy = true;
      // arrays of references are new for each walk: the collector's barrier on a store into a young
      // array is cheap, into an old one it is not
      o.inner = new Value[Math.max(16, o.innerCount)];
      o.leaves = new Value[Math.max(16, o.leafCount)];
      o.stack = new Value[o.next.length];
      o.innerCount = o.leafCount = 0;
      return o;
    }

    /**
     * Makes a scratch order available again, holding no node (it keeps no graph alive); one that
     * grew past {@link #KEEP} places is dropped. Does nothing on an order that is not a scratch.
     */
    void release() {
      if (!busy) return;
      if (window.length > 4 * KEEP || next.length > KEEP || (table != null && table.length > 4 * KEEP)) {
        SCRATCH.remove();
        return;
      }
      Arrays.fill(window, 0, Math.min(window.length, widest + 1), 0);
      if (tabled > 0) Arrays.fill(table, 0);
      widest = tabled = depth = 0;
      started = contended = false;
      inner = leaves = stack = null;
      busy = false;
    }

    /** The place of x (inner i: i + 1; leaf j: -(j + 1)), or 0 if x is not placed. */
    int place(Value x) {
      final int d = top - x.hash;
      if (d >= 0 && d < window.length) {
        final int q = window[d];
        if (q == 0) return 0;
        if (at(q) == x) return q;
      }
      return tabled == 0 ? 0 : find(x);
    }

    /** The node at place q. */
    private Value at(int q) {
      return q > 0 ? inner[q - 1] : leaves[-q - 1];
    }

    /** The index of a placed x among the inner nodes or among the leaves. */
    int rank(Value x) {
      final int q = placed(x);
      return q > 0 ? q - 1 : -q - 1;
    }

    /**
     * The place of x, which is placed: as {@link #place(Value)}, but without checking the window
     * entry when no entry was contended.
     */
    int placed(Value x) {
      final int d = top - x.hash;
      if (!contended && d >= 0 && d < window.length) return window[d];
      return place(x);
    }

    /**
     * Where x's adjoint is in an array of inner nodes' then leaves' adjoints (x is placed and the
     * walk is over).
     */
    int slot(Value x) {
      final int q = placed(x);
      return q > 0 ? q - 1 : innerCount - q - 1;
    }

    void addInner(Value v) {
      if (innerCount == inner.length) inner = Arrays.copyOf(inner, innerCount << 1);
      inner[innerCount] = v;
      map(v, ++innerCount);
    }

    void addLeaf(Value v) {
      if (leafCount == leaves.length) leaves = Arrays.copyOf(leaves, leafCount << 1);
      leaves[leafCount] = v;
      map(v, -(++leafCount));
    }

    private void map(Value v, int q) {
      final int d = top - v.hash;
      if (d >= 0) {
        if (d >= window.length) widen(d);
        if (d < window.length) {
          if (window[d] == 0) {
            window[d] = q;
            if (d > widest) widest = d;
            return;
          }
          contended = true;
        }
      }
      insert(v, q);
    }

    /**
     * Widens the window to reach d when the graph is dense enough to fill it (d within a few times
     * the nodes placed and on the stack), moving into it the table's nodes it now reaches.
     */
    private void widen(int d) {
      if (d > 4 * (innerCount + leafCount + depth) + 1024 || d >= 1 << 30) return;
      window = Arrays.copyOf(window, Integer.highestOneBit(d) << 1);
      if (tabled == 0) return;
      final int[] old = table;
      table = new int[old.length];
      tabled = 0;
      for (int q : old) {
        if (q == 0) continue;
        final Value x = at(q);
        final int e = top - x.hash;
        if (e >= 0 && e < window.length && window[e] == 0) {
          window[e] = q;
          if (e > widest) widest = e;
        } else {
          if (e >= 0 && e < window.length) contended = true;
          insert(x, q);
        }
      }
    }

    private static int step(int hash) {
      return (hash * 0x9E3779B9 >>> 16) | 1;
    }

    private int find(Value x) {
      final int[] table = this.table;
      final int mask = this.mask, s = step(x.hash);
      for (int h = x.hash & mask, q; (q = table[h]) != 0; h = (h + s) & mask) {
        if (at(q) == x) return q;
      }
      return 0;
    }

    private void insert(Value v, int q) {
      if (table == null) {
        table = new int[64];
        mask = 63;
      } else if (tabled << 1 >= table.length) {
        final int[] old = table;
        table = new int[old.length << 1];
        mask = table.length - 1;
        tabled = 0;
        for (int p : old) if (p != 0) insert(at(p), p);
      }
      final int[] table = this.table;
      final int s = step(v.hash);
      int h = v.hash & mask;
      while (table[h] != 0) h = (h + s) & mask;
      table[h] = q;
      tabled++;
    }
  }

  /** Linearises everything reachable from root with an explicit stack (post-order DFS). */
  static Order linearise(Value root) {
    return linearise(root, new Order());
  }

  /**
   * Appends to o what root reaches that o does not hold yet (nothing if root is placed), in the
   * same post-order: o then lists several roots' graphs one after the other. Writes nothing into
   * any node.
   */
  static Order linearise(Value root, Order o) {
    if (!o.started) {
      o.started = true;
      o.top = root.hash;
    }
    if (o.place(root) != 0) return o;
    if (root.op == Op.LEAF) {
      o.addLeaf(root);
      return o;
    }
    Value[] stack = o.stack;
    int[] next = o.next;
    stack[0] = root;
    next[0] = 0;
    int sp = 1;
    while (sp > 0) {
      final Value v = stack[sp - 1];
      int k = next[sp - 1];
      final int n = v.arity();
      Value push = null;
      while (k < n) {
        final Value in = v.input(k++);
        if (o.place(in) == 0) {
          if (in.op == Op.LEAF) {
            o.addLeaf(in);
          } else {
            push = in;
            break;
          }
        }
      }
      if (push == null) {
        sp--;
        o.addInner(v);
      } else {
        next[sp - 1] = k;
        if (sp == stack.length) {
          o.stack = stack = Arrays.copyOf(stack, sp << 1);
          o.next = next = Arrays.copyOf(next, sp << 1);
        }
        stack[sp] = push;
        next[sp++] = 0;
        if (sp > o.depth) o.depth = sp;
      }
    }
    Arrays.fill(stack, 0, o.depth, null);
    return o;
  }

  /**
   * The adjoint of every node of o for its last root's gradient seeded with 1, by one reverse sweep:
   * inner nodes' at their index, then leaves' after them. With anomaly detection on, throws at the
   * first node whose rule makes a gradient NaN or infinite.
   */
  static double[] adjoints(Order o) {
    final int ni = o.innerCount;
    final Value[] inner = o.inner;
    final double[] adj = new double[ni + o.leafCount];
    if (ni == 0) {
      adj[0] = 1.0;
      return adj;
    }
    adj[ni - 1] = 1.0;
    if (Anomaly.anyOpen() && Anomaly.isEnabled()) {
      for (int i = ni - 1; i >= 0; i--) {
        final Value v = inner[i];
        NodeRules.adjoint(v, adj[i], o, adj);
        Anomaly.checkGradients(v, adj[i], o, adj);
      }
    } else {
      for (int i = ni - 1; i >= 0; i--) NodeRules.adjoint(inner[i], adj[i], o, adj);
    }
    return adj;
  }

  /**
   * {@link Value#backward()}: sweeps the adjoints of root's graph into an array of this call's,
   * then sets every inner node's gradient and adds to every leaf's, atomically per leaf. Nothing is
   * written before the sweep has finished.
   */
  static void backward(Value root) {
    final Order o = Order.scratch();
    try {
      linearise(root, o);
      final double[] adj = adjoints(o);
      Faults.point("Value.backward");
      final Value[] inner = o.inner, leaves = o.leaves;
      final int ni = o.innerCount;
      for (int i = 0; i < ni; i++) inner[i].grad = adj[i];
      for (int j = 0, nl = o.leafCount; j < nl; j++) leaves[j].addGrad(adj[ni + j]);
    } finally {
      o.release();
    }
  }
}
