package dev.adjoint;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.WeakHashMap;

/**
 * A scalar in a computation graph: its value, fixed when the node is made (or set on a leaf), and
 * the gradient of the output of the last {@link #backward()} that reached it with respect to it.
 *
 * <p>Leaves are made with {@link #of(double)}; every operation makes a new node that remembers its
 * operands, so a graph is built simply by computing with values (define-by-run). Graphs are
 * immutable apart from the {@code data} of leaves and the {@code grad} of every node, and hold no
 * global state: an unreferenced graph is garbage like any other object.
 *
 * <p>Derivative rules follow PyTorch at non-differentiable points: relu'(0) = 0, abs'(0) = 0,
 * sqrt'(0) = +∞, and d/dx x^p = p·x^(p-1) for a constant p. NaN and infinities propagate as IEEE
 * 754 says unless {@link Anomaly} detection is on.
 *
 * <p><b>Threads.</b> Nodes hold no traversal state: every walk ({@link #backward()}, {@link Tape}
 * and {@link BatchTape} recording, {@link Derivatives}, {@link #toDot()}) keeps its own, so walks
 * on any number of threads over graphs that share nodes (a model's parameters) give bitwise the
 * results of running them one after another. {@link #backward()} sweeps into an array of its own
 * and then adds to each leaf's gradient atomically: concurrent calls on graphs that share leaves
 * lose no contribution (the order of the additions, and so the last bits of a sum, may differ
 * from a sequential run's). Concurrent calls on one and the same graph are not supported (each
 * sets the inner nodes' gradients) but corrupt nothing: each adds its own contribution to the
 * leaves. {@link #setData} and {@link #zeroGrad()} are plain writes: order them with the calls
 * that read them, as for any mutable object.
 *
 * <p>Memory: a binary-op node is one 48-byte object on a 64-bit JVM with compressed pointers.
 */
public final class Value {
  /** The value. Only leaves change it, through {@link #setData}. */
  double data;
  /** The accumulated gradient. */
  double grad;
  /** First and second operand of a scalar op (an op of kind CONSTANT: b is a leaf holding the constant). */
  final Value a, b;
  /** The operands of an n-ary op (SUM: x₀..xₙ₋₁; DOT: x₀..xₙ₋₁ then w₀..wₙ₋₁); otherwise null. */
  final Value[] args;
  /**
   * A number fixed at creation ({@link Sweep#nextHash()}): where a walk's own map from nodes to
   * places ({@link Sweep.Order}) keeps this node. Nodes hold no traversal state.
   */
  final int hash;
  /** The op, from the registry {@link Op}. */
  final Op op;

  private Value(Op op, double data, Value a, Value b, Value[] args) {
    this.op = op;
    this.data = data;
    this.a = a;
    this.b = b;
    this.args = args;
    this.hash = Sweep.nextHash();
  }

  /** A new op node; with anomaly detection on, also records where it was made and checks it. */
  private static Value node(Op op, double data, Value a, Value b, Value[] args) {
    Value v = new Value(op, data, a, b, args);
    if (Anomaly.anyOpen()) Anomaly.created(v);
    return v;
  }

  /** A leaf: an input or parameter whose gradient is collected. Any double, NaN included. */
  public static Value of(double data) {
    return new Value(Op.LEAF, data, null, null, null);
  }

  /**
   * Names of named leaves, held weakly: only named leaves pay for a name (a node stays 48 bytes),
   * and a name goes with its leaf. Read only to print (graphs, anomaly messages).
   */
  private static final Map<Value, String> NAMES = Collections.synchronizedMap(new WeakHashMap<>());

  /**
   * A named leaf: as {@link #of(double)}, and its name appears in {@link #toDot()} and in anomaly
   * messages (like micrograd's labels). A null name gives an unnamed leaf.
   */
  public static Value of(double data, String name) {
    Value v = of(data);
    if (name != null) NAMES.put(v, name);
    return v;
  }

  /** This leaf's name, or null when it has none (every op node has none). */
  public String name() {
    return op == Op.LEAF ? NAMES.get(this) : null;
  }

  // ---------------------------------------------------------------- accessors

  /**
   * The value of this node. A read while a graph is being built may shape the graph (a branch on
   * it): a {@link Tape} or {@link BatchTape} recorded from a graph made after the read takes it as
   * a guard, and a replay that gives this node another value throws {@link TapeGuardException}.
   */
  public double data() {
    Guards.read(this);
    return data;
  }

  /**
   * The order of this node's value against c: -1, 0 or +1 as {@code data() < c}, {@code ==} and
   * {@code >} would find it (-0 equals 0); in Kotlin, {@code x > 0.0} and the other comparisons call
   * it. Unlike a read of {@link #data()}, a comparison made while a graph is being built becomes a
   * branch guard of a {@link Tape} recorded from it: a replay goes on while the comparison has the
   * same outcome, and throws {@link TapeGuardException} when it would flip.
   *
   * @throws ArithmeticException if the value or c is NaN (a branch on NaN has no order)
   */
  public int compareTo(double c) {
    if (c != c || data != data) throw new ArithmeticException("compareTo: cannot order " + this + " against " + c + ": NaN has no order");
    Guards.compared(this, null, c);
    return Guards.order(data, c);
  }

  /** The order of this node's value against other's, as {@link #compareTo(double)} (both are guarded alike). */
  public int compareTo(Value other) {
    java.util.Objects.requireNonNull(other, "compareTo: the operand is null");
    if (other.data != other.data || data != data) {
      throw new ArithmeticException("compareTo: cannot order " + this + " against " + other + ": NaN has no order");
    }
    Guards.compared(this, other, 0.0);
    return Guards.order(data, other.data);
  }

  /** The accumulated gradient of this node. */
  public double grad() {
    return grad;
  }

  /**
   * Changes a leaf's value, for optimizers and users feeding new inputs. Nodes built from this leaf
   * earlier keep their old values; build the graph again to see the new one.
   *
   * @throws IllegalStateException if this node is not a leaf made by {@link #of(double)}
   */
  public void setData(double data) {
    if (op != Op.LEAF) {
      throw new IllegalStateException(
          "setData: only a leaf's value can be set, but this is a '" + op() + "' node " + this);
    }
    this.data = data;
  }

  private static final VarHandle GRAD;

  static {
    try {
      GRAD = MethodHandles.lookup().findVarHandle(Value.class, "grad", double.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** Adds d to this node's gradient atomically: concurrent adds to one leaf all count. */
  void addGrad(double d) {
    double old = grad;
    while (!GRAD.compareAndSet(this, old, old + d)) old = (double) GRAD.getVolatile(this);
  }

  /** Sets this node's gradient to 0. */
  public void zeroGrad() {
    grad = 0.0;
  }

  /** Whether this node is a leaf (made by {@link #of(double)}, or a constant operand). */
  public boolean isLeaf() {
    return op == Op.LEAF;
  }

  /**
   * The node's operation: {@code ""} for a leaf, {@code "+" "-" "*" "/"} for arithmetic,
   * {@code "neg"}, {@code "pow"} (variable exponent), {@code "^p"} (constant exponent p, which is
   * then not among the inputs), {@code "exp" "log" "sqrt" "tanh" "sigmoid" "relu" "sin" "cos"
   * "abs" "log1p" "expm1" "tan" "atan" "asin" "acos" "sinh" "cosh" "erf" "softplus"},
   * {@code "clamp_min lo"} and {@code "clamp_max hi"} (the two nodes of {@code clamp}),
   * {@code "max" "min" "atan2" "detach"}, and the fused {@code "sum"} and {@code "dot"}.
   */
  public String op() {
    if (op == Op.POWC) return "^" + shortNumber(b.data);
    if (op == Op.PRIMITIVE) return Primitives.of(this).name();
    if (op.kind == Op.Kind.CONSTANT) return op.label + " " + shortNumber(b.data);
    return op.label;
  }

  /**
   * The node's differentiable inputs, in order: none for a leaf; {@code a} or {@code a, b} for the
   * scalar ops; the summands of {@code sum}; for {@code dot(xs, ws)} the xs then the ws.
   */
  public List<Value> inputs() {
    if (op == Op.PRIMITIVE) return List.of(args).subList(0, args.length - 1);
    if (args != null) return List.of(args);
    switch (op.arity) {
      case 0: return List.of();
      case 1: return List.of(a);
      default: return List.of(a, b);
    }
  }

  /** Number of differentiable inputs. */
  int arity() {
    return args != null ? args.length : op.arity;
  }

  /** Input k, 0 ≤ k &lt; arity(). */
  Value input(int k) {
    return args != null ? args[k] : k == 0 ? a : b;
  }

  // ---------------------------------------------------------------- arithmetic

  /** this + o. */
  public Value plus(Value o) {
    return binary(Op.ADD, o, "plus");
  }

  /** this + c. */
  public Value plus(double c) {
    return binary(Op.ADD, of(c), "plus");
  }

  /** this - o. */
  public Value minus(Value o) {
    return binary(Op.SUB, o, "minus");
  }

  /** this - c. */
  public Value minus(double c) {
    return binary(Op.SUB, of(c), "minus");
  }

  /** this · o. */
  public Value times(Value o) {
    return binary(Op.MUL, o, "times");
  }

  /** this · c. */
  public Value times(double c) {
    return binary(Op.MUL, of(c), "times");
  }

  /** this / o. */
  public Value div(Value o) {
    return binary(Op.DIV, o, "div");
  }

  /** this / c. */
  public Value div(double c) {
    return binary(Op.DIV, of(c), "div");
  }

  /** -this. */
  public Value unaryMinus() {
    return unary(Op.NEG);
  }

  /** this^p for a constant p, with d/dx x^p = p·x^(p-1) (0 when p = 0). */
  public Value pow(double p) {
    return withConstant(Op.POWC, p);
  }

  /** this^e for a variable exponent: ∂/∂x = e·x^(e-1), ∂/∂e = x^e·ln x (0 where x = 0, e ≥ 0). */
  public Value pow(Value e) {
    return binary(Op.POW, e, "pow");
  }

  /** e^this. */
  public Value exp() {
    return unary(Op.EXP);
  }

  /** The natural logarithm of this. */
  public Value log() {
    return unary(Op.LOG);
  }

  /** √this, with derivative +∞ at 0. */
  public Value sqrt() {
    return unary(Op.SQRT);
  }

  /** tanh(this). */
  public Value tanh() {
    return unary(Op.TANH);
  }

  /** The logistic sigmoid 1 / (1 + e^-this). */
  public Value sigmoid() {
    return unary(Op.SIGMOID);
  }

  /** max(this, 0), with derivative 0 at 0. */
  public Value relu() {
    return unary(Op.RELU);
  }

  /** sin(this). */
  public Value sin() {
    return unary(Op.SIN);
  }

  /** cos(this). */
  public Value cos() {
    return unary(Op.COS);
  }

  /** |this|, with derivative 0 at 0. */
  public Value abs() {
    return unary(Op.ABS);
  }

  /** ln(1 + this), accurate for small values. */
  public Value log1p() {
    return unary(Op.LOG1P);
  }

  /** e^this - 1, accurate for small values. */
  public Value expm1() {
    return unary(Op.EXPM1);
  }

  /** tan(this). */
  public Value tan() {
    return unary(Op.TAN);
  }

  /** arctan(this). */
  public Value atan() {
    return unary(Op.ATAN);
  }

  /** arcsin(this), with derivative +∞ at ±1. */
  public Value asin() {
    return unary(Op.ASIN);
  }

  /** arccos(this), with derivative -∞ at ±1. */
  public Value acos() {
    return unary(Op.ACOS);
  }

  /** sinh(this). */
  public Value sinh() {
    return unary(Op.SINH);
  }

  /** cosh(this). */
  public Value cosh() {
    return unary(Op.COSH);
  }

  /** The error function erf(this) = 2/√π ∫₀ᵗʰⁱˢ e^(-t²) dt. */
  public Value erf() {
    return unary(Op.ERF);
  }

  /**
   * PyTorch's {@code softplus(this, beta=1, threshold=20)}: ln(1 + e^this), or this itself where
   * this &gt; 20.
   */
  public Value softplus() {
    return unary(Op.SOFTPLUS);
  }

  /**
   * PyTorch's {@code clamp(this, lo, hi)}: min(max(this, lo), hi), with gradient 1 where
   * lo ≤ this ≤ hi and 0 elsewhere (NaN stays NaN, with gradient 0). Two nodes: clamp_min, then
   * clamp_max.
   */
  public Value clamp(double lo, double hi) {
    return withConstant(Op.CLAMP_MIN, lo).withConstant(Op.CLAMP_MAX, hi);
  }

  /**
   * PyTorch's {@code maximum(x, y)}: the larger, NaN if either is NaN; at a tie each operand gets
   * half the gradient.
   */
  public static Value max(Value x, Value y) {
    return nonNull(x, "max").binary(Op.MAX, y, "max");
  }

  /**
   * PyTorch's {@code minimum(x, y)}: the smaller, NaN if either is NaN; at a tie each operand gets
   * half the gradient.
   */
  public static Value min(Value x, Value y) {
    return nonNull(x, "min").binary(Op.MIN, y, "min");
  }

  /** atan2(y, x): the angle of the point (x, y), in [-π, π]; its derivatives are NaN at (0, 0). */
  public static Value atan2(Value y, Value x) {
    return nonNull(y, "atan2").binary(Op.ATAN2, x, "atan2");
  }

  /**
   * A node with this node's value through which no gradient flows (PyTorch's {@code detach}, JAX's
   * {@code stop_gradient}): it is a constant to every derivative, but not frozen, since a recorded
   * tape recomputes it from this node on every replay.
   */
  public Value detach() {
    return unary(Op.DETACH);
  }

  private static Value nonNull(Value x, String name) {
    if (x == null) throw new NullPointerException(name + ": the first operand is null");
    return x;
  }

  private Value withConstant(Op op, double c) {
    return node(op, Rules.forward(op, data, c), this, of(c), null);
  }

  private Value unary(Op op) {
    return node(op, Rules.forward(op, data, 0.0), this, null, null);
  }

  private Value binary(Op op, Value o, String name) {
    if (o == null) throw new NullPointerException(name + ": the operand is null");
    return node(op, Rules.forward(op, data, o.data), this, o, null);
  }

  // ---------------------------------------------------------------- fused n-ary nodes

  /**
   * One node summing all of {@code xs} (left to right). The sum of an empty list is a node with
   * value 0 and no inputs.
   *
   * @throws NullPointerException naming the list or the index of a null element
   */
  public static Value sum(List<Value> xs) {
    Value[] p = copy(xs, "sum", "the list", 1);
    return node(Op.SUM, NodeRules.sum(p), null, null, p);
  }

  /**
   * One node computing Σ xsᵢ·wsᵢ (left to right): the fused neuron. The dot product of two empty
   * lists is a node with value 0 and no inputs.
   *
   * @throws IllegalArgumentException if the sizes differ, naming both
   * @throws NullPointerException naming the list or the index of a null element
   */
  public static Value dot(List<Value> xs, List<Value> ws) {
    Objects.requireNonNull(xs, "dot: the first list is null");
    Objects.requireNonNull(ws, "dot: the second list is null");
    int n = xs.size();
    if (ws.size() != n) {
      throw new IllegalArgumentException("dot: sizes differ: " + n + " vs " + ws.size());
    }
    Value[] p = copy(xs, "dot", "the first list", 2);
    int i = n;
    for (Value w : ws) {
      if (w == null) throw new NullPointerException("dot: element " + (i - n) + " of the second list is null");
      p[i++] = w;
    }
    return node(Op.DOT, NodeRules.dot(p), null, null, p);
  }

  /**
   * One node computed by a user's own differentiable function: its value is
   * {@code f.value(inputs' values)}, and every derivative of it comes from {@code f.gradient} (and,
   * for second order, {@code f.hessian}). It works define-by-run, in forward mode, in second order
   * and on {@link Tape} and {@link BatchTape}, where f is called again on every replay.
   *
   * <p>f is registered on first use and kept for the life of the JVM (tapes find it by a number):
   * make each primitive once, as a constant, rather than one per call.
   *
   * @throws NullPointerException naming f, the array or the index of a null input
   * @throws IllegalArgumentException naming f if there are no inputs (a function of no inputs is a
   *     constant: use {@link #of(double)})
   */
  public static Value apply(Primitive f, Value... inputs) {
    Objects.requireNonNull(f, "apply: the primitive is null");
    if (inputs == null) throw new NullPointerException("apply " + f.name() + ": the inputs are null");
    final int n = inputs.length;
    if (n == 0) throw new IllegalArgumentException("apply " + f.name() + ": no inputs (a primitive of no inputs is a constant: use Value.of)");
    Value[] p = new Value[n + 1];
    double[] x = new double[n];
    for (int i = 0; i < n; i++) {
      if (inputs[i] == null) throw new NullPointerException("apply " + f.name() + ": input " + i + " is null");
      p[i] = inputs[i];
      x[i] = inputs[i].data;
    }
    // the last operand is a constant leaf holding f's number, so tapes carry f like any constant
    p[n] = of(Primitives.index(f));
    return node(Op.PRIMITIVE, f.value(x), null, null, p);
  }

  /** Copies xs to the front of a new array of length times · |xs|, rejecting nulls. */
  private static Value[] copy(List<Value> xs, String what, String which, int times) {
    if (xs == null) throw new NullPointerException(what + ": " + which + " is null");
    Value[] p = new Value[xs.size() * times];
    int i = 0;
    for (Value x : xs) {
      if (x == null) throw new NullPointerException(what + ": element " + i + " of " + which + " is null");
      p[i++] = x;
    }
    return p;
  }

  // ---------------------------------------------------------------- differentiation

  /**
   * Seeds this node's gradient with 1 and propagates it to every node this one depends on, in one
   * sweep over the graph in reverse topological order (no recursion: any depth works on the
   * default thread stack).
   *
   * <p>Leaf gradients accumulate across calls ({@code +=}), as in PyTorch and micrograd; the
   * gradients of inner nodes are recomputed by each call. Each leaf's contribution from one call is
   * summed on its own and then added, so calling {@code backward()} twice adds each leaf's gradient
   * twice, exactly.
   */
  public void backward() {
    Sweep.backward(this);
  }

  // ---------------------------------------------------------------- printing

  /**
   * The graph of this value as Graphviz DOT text, drawn like micrograd's {@code draw_dot}: a record
   * per node with its op, data and grad, and edges from inputs to the nodes that use them.
   */
  public String toDot() {
    return Graphviz.dot(this);
  }

  /** {@code Value(data=0.7071, grad=1.0000)}. */
  @Override
  public String toString() {
    return String.format(Locale.ROOT, "Value(data=%.4f, grad=%.4f)", data, grad);
  }

  /** A number as short as it prints exactly: "2", "0.5", "-1.5E-9". */
  static String shortNumber(double x) {
    if (x == Math.rint(x) && Math.abs(x) < 1e15) return Long.toString((long) x);
    return Double.toString(x);
  }
}
