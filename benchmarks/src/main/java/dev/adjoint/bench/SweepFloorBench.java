package dev.adjoint.bench;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The floor under {@link ScalarBench#binaryOpRecordReverse}: the same product chain of n = 16384
 * fresh leaves, built and differentiated by the least code a define-by-run engine with Adjoint's
 * node layout can run, with nothing of the engine in it (no op table, no anomaly check, no list of
 * leaves, no give-up checks, no fault contract). Each row adds one cost on the row before:
 *
 * <ol>
 *   <li>{@link #allocate}: the leaves and product nodes alone, 48-byte objects with Value's fields,
 *       numbered from a plain field;
 *   <li>{@link #sweep}: and one reverse sweep specialised to the chain's multiplication, in a
 *       window indexed by number (as {@code Sweep.Fast}), adding into the leaves' gradients with
 *       plain writes;
 *   <li>{@link #sweepAtomicLeaves}: the leaves' gradients added atomically, as {@code
 *       Value.backward()} must so that concurrent sweeps sharing a leaf lose nothing;
 *   <li>{@link #sweepAtomicLeavesThreadNumbers}: and every node numbered from a counter of its
 *       thread's (a {@link ThreadLocal}), as graphs made on several threads at once need without
 *       global state.
 * </ol>
 *
 * <p>{@code SweepFloorBenchTest} checks that the sweeps give the chain's gradient. Not part of the
 * library; a measuring stick.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class SweepFloorBench {
  static final int N = ScalarBench.N;

  /** A node with {@code Value}'s fields (48 bytes with compressed pointers). */
  static final class Node {
    double data, grad;
    final Node a, b;
    final Object[] args;
    final int number;
    final Object op;

    Node(double data, Node a, Node b, int number, Object op) {
      this.data = data;
      this.a = a;
      this.b = b;
      this.args = null;
      this.number = number;
      this.op = op;
    }
  }

  static final Object LEAF = new Object(), MUL = new Object();
  static final VarHandle GRAD;

  static {
    try {
      GRAD = MethodHandles.lookup().findVarHandle(Node.class, "grad", double.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  static final class Counter {
    int next;
  }

  static final ThreadLocal<Counter> COUNTER = ThreadLocal.withInitial(Counter::new);

  double[] x;
  Node[] leaves;
  int next;
  /** The sweep's adjoints, kept from call to call as {@code Sweep.Fast} keeps them. */
  double[] adj = new double[2 * N];

  @Setup
  public void setup() {
    Random r = new Random(42);
    x = new double[N];
    for (int i = 0; i < N; i++) x[i] = r.nextDouble() * 2 - 1;
  }

  /**
   * The chain x₀·x₁·…·xₙ₋₁ on new leaves, made first and kept in a new array, as {@code
   * ScalarBench} makes them and keeps them in a new list; numbers from a field.
   */
  Node build() {
    final Node[] leaves = this.leaves = new Node[N];
    final double[] x = this.x;
    for (int i = 0; i < N; i++) leaves[i] = new Node(x[i], null, null, next++, LEAF);
    Node s = leaves[0];
    for (int i = 1; i < N; i++) s = new Node(s.data * leaves[i].data, s, leaves[i], next++, MUL);
    return s;
  }

  /** The same chain, numbered from this thread's counter. */
  Node buildThreadNumbers() {
    final Node[] leaves = this.leaves = new Node[N];
    final double[] x = this.x;
    for (int i = 0; i < N; i++) leaves[i] = new Node(x[i], null, null, COUNTER.get().next++, LEAF);
    Node s = leaves[0];
    for (int i = 1; i < N; i++) s = new Node(s.data * leaves[i].data, s, leaves[i], COUNTER.get().next++, MUL);
    return s;
  }

  /**
   * Reverse sweep of a chain of products from root: a window of nodes indexed by distance in number
   * below the root, scanned once (every node's users are nearer the root), then the gradients
   * written, the leaves' atomically or not.
   */
  double sweep(Node root, boolean atomic) {
    final int top = root.number, cap = 2 * N;
    final Node[] win = new Node[cap];
    final double[] adj = this.adj;
    win[0] = root;
    adj[0] = 1.0;
    int maxd = 0;
    for (int d = 0; d <= maxd; d++) {
      final Node v = win[d];
      if (v.op == LEAF) continue;
      final Node a = v.a, b = v.b;
      final int ia = top - a.number, ib = top - b.number;
      if (win[ia] == null) {
        win[ia] = a;
        adj[ia] = 0.0;
        if (ia > maxd) maxd = ia;
      }
      if (win[ib] == null) {
        win[ib] = b;
        adj[ib] = 0.0;
        if (ib > maxd) maxd = ib;
      }
      final double g = adj[d];
      adj[ia] += g * b.data;
      adj[ib] += g * a.data;
    }
    for (int d = 0; d <= maxd; d++) {
      final Node v = win[d];
      if (v.op != LEAF) v.grad = adj[d];
      else if (atomic) addAtomically(v, adj[d]);
      else v.grad += adj[d];
    }
    return root.data + leaves[0].grad;
  }

  /** Adds d to a leaf's gradient as {@code Value.addGrad} does. */
  static void addAtomically(Node v, double d) {
    double old = v.grad;
    while (!GRAD.compareAndSet(v, old, old + d)) old = (double) GRAD.getVolatile(v);
  }

  /** The leaves and nodes alone. */
  @Benchmark
  @OperationsPerInvocation(N - 1)
  public double allocate() {
    return build().data;
  }

  /** And a reverse sweep with plain writes. */
  @Benchmark
  @OperationsPerInvocation(N - 1)
  public double sweep() {
    return sweep(build(), false);
  }

  /** And the leaves' gradients added atomically. */
  @Benchmark
  @OperationsPerInvocation(N - 1)
  public double sweepAtomicLeaves() {
    return sweep(build(), true);
  }

  /** And the nodes numbered per thread. */
  @Benchmark
  @OperationsPerInvocation(N - 1)
  public double sweepAtomicLeavesThreadNumbers() {
    return sweep(buildThreadNumbers(), true);
  }
}
