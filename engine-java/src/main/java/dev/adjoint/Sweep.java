package dev.adjoint;

import java.util.Arrays;

/**
 * Walks graphs of {@link Value}s: linearises the part reachable from a root into topological order
 * without recursion, then sweeps it, calling the rule table. It knows no op by name.
 *
 * <p>The order is creation order: every node gets a number when it is made ({@code hash}, the next
 * of a counter of the thread that made it), and a node made on one thread after its operands has a
 * larger number than every one of them, so sorting a graph's op nodes by number is a topological
 * order, and the order in which a program built them. Where the numbers do not order a graph (op
 * nodes made on several threads, or numbers that collide), the order is a post-order walk's. Both
 * are a function of the graph alone, and {@link Program}'s lowering uses the same one, so recorded
 * tapes sum every adjoint in the order {@link Value#backward()} does.
 *
 * <p>{@link #backward} has a fast path for the common graph, made on one thread in one go: the
 * nodes sit in a window indexed by distance in number from the root, which is a counting sort, and
 * one scan of the window from the root gathers the graph and sweeps it at once (an op node's users
 * all have smaller distances, so its adjoint is complete when the scan reaches it).
 *
 * <p>Every walk keeps its traversal state to itself: an {@link Order} maps each node reached to its
 * place, and {@link #backward} keeps its adjoints in an array of its own. Nothing is written into a
 * node while walking or sweeping, so any number of threads may walk graphs that share nodes.
 * {@link #backward} writes gradients only once its sweep has finished (inner nodes' by plain
 * writes, leaves' by one atomic add each), so concurrent calls on graphs that share leaves lose no
 * contribution, and a sweep that throws, whatever it throws, leaves every gradient as it was.
 */
final class Sweep {
  private Sweep() {}

  /** The most places whose arrays a thread's scratch order keeps between calls. */
  static final int KEEP = 1 << 16;

  /** A thread's own state: its node counter, its scratch walks and the values its user code read. */
  static final class Local {
    /** The number the next node made on this thread gets. */
    int next = (int) (Thread.currentThread().getId() * 0x9E3779B97F4A7C15L >>> 32);
    Order order = new Order();
    final Fast fast = new Fast();
    final Guards.Log reads = new Guards.Log();
  }

  private static final ThreadLocal<Local> LOCAL = ThreadLocal.withInitial(Local::new);

  /** This thread's state. */
  static Local local() {
    return LOCAL.get();
  }

  /**
   * The hash of a new node: the next of a counter of this thread's (each thread's starts far from
   * the others'), so nodes made one after another on one thread get consecutive hashes, in the
   * order they were made.
   */
  static int nextHash() {
    return LOCAL.get().next++;
  }

  /** The hash the next node made on this thread will have. */
  static int peekHash() {
    return LOCAL.get().next;
  }

  /** Where a sweep keeps each node's adjoint: its index in the sweep's array of adjoints. */
  abstract static class Slots {
    /** The index of x's adjoint. */
    abstract int slot(Value x);

    /** Notes that the sweep reaches x without adding to its adjoint (a skipped rule's operand). */
    abstract void reach(Value x);
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
  static final class Order extends Slots {
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
      final Order o = LOCAL.get().order;
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
        LOCAL.get().order = new Order();
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
    @Override
    int slot(Value x) {
      final int q = placed(x);
      return q > 0 ? q - 1 : innerCount - q - 1;
    }

    /** Every node a rule reads is placed already. */
    @Override
    void reach(Value x) {}

    /**
     * Whether the op nodes placed from index i0 on are in creation order once sorted by number:
     * each op node's operands placed from i0 on have smaller numbers (greater distances below the
     * first root's).
     */
    boolean numbersOrder(int i0) {
      for (int i = i0; i < innerCount; i++) {
        final Value v = inner[i];
        final int dv = top - v.hash;
        for (int k = 0, n = v.arity(); k < n; k++) {
          final Value u = v.input(k);
          if (u.op != Op.LEAF && top - u.hash <= dv && (i0 == 0 || placed(u) - 1 >= i0)) return false;
        }
      }
      return true;
    }

    /**
     * Sorts the op nodes placed from i0 on, and the leaves placed from l0 on, by number (the order
     * they were made in; ties among leaves keep the walk's order) and places them again. Leaves
     * the walk's order when two op nodes have the same number (made on different threads).
     */
    void sortByNumber(int i0, int l0) {
      final int n = innerCount - i0, m = leafCount - l0;
      // old index (in the segment) of each new place: by a scan of the window where it holds the
      // segment (a counting sort), else by sorting keys
      final int[] innerFrom = new int[n], leafFrom = new int[m];
      int ni = 0, nl = 0;
      for (int d = Math.min(window.length - 1, widest); d >= 0; d--) {
        final int q = window[d];
        if (q > i0) innerFrom[ni++] = q - 1 - i0;
        else if (q < -l0) leafFrom[nl++] = -q - 1 - l0;
      }
      if (ni < n && !byKeys(inner, i0, n, innerFrom, true)) return;
      if (nl < m) byKeys(leaves, l0, m, leafFrom, false);
      final int[] innerTo = new int[n], leafTo = new int[m];
      final Value[] oldInner = Arrays.copyOfRange(inner, i0, innerCount), oldLeaves = Arrays.copyOfRange(leaves, l0, leafCount);
      for (int k = 0; k < n; k++) {
        innerTo[innerFrom[k]] = k;
        inner[i0 + k] = oldInner[innerFrom[k]];
      }
      for (int k = 0; k < m; k++) {
        leafTo[leafFrom[k]] = k;
        leaves[l0 + k] = oldLeaves[leafFrom[k]];
      }
      final int[] window = this.window;
      for (int d = 0, w = Math.min(window.length - 1, widest); d <= w; d++) window[d] = moved(window[d], i0, l0, innerTo, leafTo);
      if (tabled > 0) {
        final int[] table = this.table;
        for (int h = 0; h < table.length; h++) table[h] = moved(table[h], i0, l0, innerTo, leafTo);
      }
    }

    /**
     * Writes into from the order by number of the n nodes of xs from x0 (each entry an index from
     * x0; equal numbers keep their order); with distinct, returns false instead when two numbers
     * are equal.
     */
    private boolean byKeys(Value[] xs, int x0, int n, int[] from, boolean distinct) {
      final long[] keys = new long[n];
      for (int k = 0; k < n; k++) keys[k] = (long) ~(top - xs[x0 + k].hash) << 32 | k;
      Arrays.sort(keys);
      for (int k = 0; k < n; k++) {
        if (distinct && k > 0 && keys[k] >>> 32 == keys[k - 1] >>> 32) return false;
        from[k] = (int) keys[k];
      }
      return true;
    }

    /** Place q after {@link #sortByNumber} moved the segments from i0 and l0. */
    private static int moved(int q, int i0, int l0, int[] innerTo, int[] leafTo) {
      if (q > i0) return i0 + innerTo[q - 1 - i0] + 1;
      if (q < -l0) return -(l0 + leafTo[-q - 1 - l0] + 1);
      return q;
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

  /**
   * Linearises everything reachable from root: its op nodes in creation order where their numbers
   * give one, else in the post-order of a walk with an explicit stack (see the class comment).
   */
  static Order linearise(Value root) {
    return linearise(root, new Order());
  }

  /**
   * Appends to o what root reaches that o does not hold yet (nothing if root is placed), ordered
   * as {@link #linearise(Value)} orders a graph: o then lists several roots' graphs one after the
   * other. Writes nothing into any node.
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
    final int i0 = o.innerCount, l0 = o.leafCount;
    walk(root, o);
    if (o.numbersOrder(i0)) o.sortByNumber(i0, l0);
    return o;
  }

  /** Appends what root, an op node that o does not hold, reaches to o, in post-order. */
  private static void walk(Value root, Order o) {
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
   * written before the sweep has finished. The fast path ({@link Fast}) takes graphs made on one
   * thread in one go; any other graph, and every sweep with anomaly detection on, is linearised
   * first ({@link #linearise}): the same order either way.
   */
  static void backward(Value root) {
    if (root.op != Op.LEAF && !(Anomaly.anyOpen() && Anomaly.isEnabled())) {
      final Local l = LOCAL.get();
      final Fast f = l.fast.busy ? new Fast() : l.fast;
      if (f.backward(root)) return;
    }
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

  /**
   * The fast path of {@link #backward}: a window of nodes indexed by their distance in number
   * below the root's ({@code top - hash}), filled as one scan from the root reaches them. An op
   * node's operands were made before it on the same thread, so they sit further down the window
   * and the scan reaches each op node after all its users: its adjoint is complete, and the scan
   * applies its rule at once, placing its operands. Leaves outside the window (parameters made long
   * before) go to a small table of their own. It gives up, having written nothing, on a graph whose
   * numbers do not order it (an operand not further down, two op nodes at one distance) or whose op
   * nodes spread too far for a window; {@link #backward} then linearises it, which orders such a
   * graph the same way where it can.
   */
  static final class Fast extends Slots {
    /** The window size the next call starts with: the last call's, within bounds. */
    private int hint = 1024;
    boolean busy;
    /** The root's number, the window's size, the scan's distance and the furthest placed. */
    private int top, cap, at, maxd;
    /** The furthest far leaf within a few windows' depth: the next call's window reaches it. */
    private int nearFar;
    /** 0 while the scan may go on; -1: give up; above 0: an op node needs a window that deep. */
    private int status;
    private Value[] win;
    private double[] adj;
    /** The last call's adjoints, kept for the next (up to 4 · {@link #KEEP} entries). */
    private double[] kept;
    /** Leaves outside the window, their adjoints at cap + 1 + j; open addressing by number: j + 1. */
    private Value[] far;
    private int farCount;
    private int[] farTable;

    /** Sweeps root's graph and writes its gradients; false, having written nothing, if it cannot. */
    boolean backward(Value root) {
      busy = true;
      try {
        int cap = hint;
        for (int r; (r = scan(root, cap)) != 0; ) {
          if (r < 0 || r >= 1 << 29 || r > 16 * placed() + (1 << 16)) return false;
          cap = Math.max(cap << 2, Integer.highestOneBit(r) << 1);
        }
        Faults.point("Value.backward");
        final Value[] win = this.win;
        final double[] adj = this.adj;
        for (int d = 0, n = maxd; d <= n; d++) {
          final Value v = win[d];
          if (v == null) continue;
          if (v.op == Op.LEAF) v.addGrad(adj[d]);
          else v.grad = adj[d];
        }
        for (int j = 0, base = cap + 1; j < farCount; j++) far[j].addGrad(adj[base + j]);
        hint = Math.min(1 << 22, Math.max(1024, Integer.highestOneBit(Math.max(maxd, nearFar)) << 1));
        return true;
      } finally {
        win = null;
        if (adj != null && adj.length <= KEEP << 2) kept = adj;
        adj = null;
        far = null;
        farCount = 0;
        if (farTable != null && farTable.length > KEEP) farTable = null;
        busy = false;
      }
    }

    /** One scan with a window of cap nodes: 0 when done, else {@link #status}. */
    private int scan(Value root, int cap) {
      this.top = root.hash;
      this.cap = cap;
      maxd = 0;
      nearFar = 0;
      status = 0;
      farCount = 0;
      if (farTable != null) Arrays.fill(farTable, 0);
      final Value[] win = this.win = new Value[cap];
      // the adjoints are kept from call to call: slot() zeroes each entry as it places its node
      double[] adj = kept;
      if (adj == null || adj.length < cap + 1 + 16) adj = new double[cap + 1 + 16];
      kept = null;
      this.adj = adj;
      win[0] = root;
      adj[0] = 1.0;
      for (int d = 0; d <= maxd; d++) {
        final Value v = win[d];
        if (v == null) continue;
        final Op op = v.op;
        if (op == Op.LEAF) continue;
        final int arity = op.arity;
        at = d;
        if (arity < 0) {
          // room for every operand to be a new far leaf: the array must not move under the rule
          final int need = cap + 1 + farCount + v.args.length;
          if (adj.length < need) adj = this.adj = Arrays.copyOf(adj, Math.max(need, adj.length + (adj.length >> 1)));
          NodeRules.adjoint(v, adj[d], this, adj);
        } else {
          // NodeRules.adjoint's scalar case, with slot()'s common case written out (the JIT does
          // not reliably inline slot())
          final Value a = v.a;
          int ia = top - a.hash, ib = -1;
          if (ia > d && ia < cap && win[ia] == null) place(a, ia);
          else if (ia <= d || ia >= cap || win[ia] != a) ia = slotElsewhere(a, ia);
          if (arity == 2) {
            final Value b = v.b;
            ib = top - b.hash;
            if (ib > d && ib < cap && win[ib] == null) place(b, ib);
            else if (ib <= d || ib >= cap || win[ib] != b) ib = slotElsewhere(b, ib);
          }
          adj = this.adj; // a far leaf may have moved it
          NodeRules.scalar(v, adj[d], ia, ib, adj);
        }
        if (status != 0) return status;
      }
      return 0;
    }

    /** The nodes a stopped scan had placed, to bound the window by the graph's size. */
    private int placed() {
      int n = farCount;
      for (int d = 0; d <= maxd; d++) if (win[d] != null) n++;
      return n;
    }

    /** x's index in the adjoints, placing x (its adjoint 0) if the scan has not reached it yet. */
    @Override
    int slot(Value x) {
      // the common case, small enough for the JIT to inline into the scan: x in the window ahead
      final int d = top - x.hash;
      if (d > at && d < cap) {
        final Value w = win[d];
        if (w == x) return d;
        if (w == null) {
          place(x, d);
          return d;
        }
      }
      return slotElsewhere(x, d);
    }

    /** Places x at d in the window, an empty entry, with adjoint 0. */
    private void place(Value x, int d) {
      win[d] = x;
      adj[d] = 0.0;
      if (d > maxd) maxd = d;
    }

    /** {@link #slot} of an x that is not, or cannot be, in the window ahead of the scan: d is its distance. */
    private int slotElsewhere(Value x, int d) {
      if (x.op == Op.LEAF) {
        if (d >= 0 && d < cap) {
          final Value w = win[d];
          if (w == x) return d;
          if (w == null) {
            place(x, d);
            return d;
          }
        }
        return cap + 1 + farSlot(x);
      }
      // an op node behind the scan, beyond the window or where another node is
      if (d >= cap) {
        if (status == 0) status = d;
      } else {
        status = -1;
      }
      return cap;
    }

    @Override
    void reach(Value x) {
      slot(x);
    }

    /** A far leaf's index among the far leaves, adding it if new (the adjoints have room: see scan). */
    private int farSlot(Value x) {
      if (farTable == null) farTable = new int[64];
      if (far == null) far = new Value[16];
      int[] t = farTable;
      int mask = t.length - 1;
      int h = x.hash * 0x9E3779B9 >>> 7 & mask;
      for (int q; (q = t[h]) != 0; h = (h + 1) & mask) {
        if (far[q - 1] == x) return q - 1;
      }
      if (farCount == far.length) far = Arrays.copyOf(far, farCount << 1);
      if (adj.length <= cap + 1 + farCount) adj = Arrays.copyOf(adj, adj.length + (adj.length >> 1));
      far[farCount] = x;
      adj[cap + 1 + farCount] = 0.0;
      t[h] = ++farCount;
      final int d = top - x.hash;
      if (d > nearFar && d >= 0 && d < cap << 2) nearFar = d;
      if (farCount << 1 > t.length) {
        t = farTable = new int[t.length << 1];
        mask = t.length - 1;
        for (int j = 0; j < farCount; j++) {
          int g = far[j].hash * 0x9E3779B9 >>> 7 & mask;
          while (t[g] != 0) g = (g + 1) & mask;
          t[g] = j + 1;
        }
      }
      return farCount - 1;
    }
  }
}
