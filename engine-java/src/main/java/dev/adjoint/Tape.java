package dev.adjoint;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * A graph recorded once and replayed many times: its nodes flattened, in topological order, into
 * primitive arrays (op codes packed with 32-bit operand indices, values, adjoints), then evaluated
 * forward and differentiated backward with new inputs, allocating nothing per replay.
 *
 * <p>Slots hold the inputs first (in the order given to {@code record}), then every other leaf the
 * graph reached (constants, frozen at their recorded values), then the op nodes. Replays follow
 * the same rule table and the same order as {@link Value#backward()}, so they give bitwise the
 * values and gradients of rebuilding the graph with the new inputs, as long as the graph's shape
 * does not depend on the data (relu, abs and the other primitives' own kinks are not branches and
 * stay live).
 *
 * <p><b>Guards.</b> A branch that user code took on a value while building the graph cannot be
 * replayed, so every value it read with {@link Value#data()} then is an assumption of the tape:
 * {@code record} takes the reads made on the recording thread since its last recording (before
 * the outputs were made, or of another value than the outputs: a branch may pick between nodes
 * made before it), keeps those of inputs and of op nodes that depend on an input (in the graph or
 * not), and every replay checks, once per guard after its forward sweep, that each still has its
 * recorded value, bitwise. A replay that breaks one throws {@link TapeGuardException} naming the
 * node and where the tape was recorded, before it changes any gradient or input; redo the step
 * define-by-run, or record again. Reads of the outputs after they were made (printing a loss), reads
 * on other threads, and the library's own reads (optimizers, losses, the trainer) are not guards. A read is an exact guard: a replay at another value of a guarded input throws even where
 * the branch would go the same way. Compare with {@link Value#compareTo(double)} or
 * {@link Value#compareTo(Value)} instead ({@code x > 0.0} in Kotlin) and the guard is the
 * comparison's outcome: replays go on while it holds, and throw when the branch would flip.
 *
 * <p><b>Anomaly detection.</b> With {@link Anomaly} on, a replay throws {@link AnomalyException}
 * at the first op whose value (forward), tangent ({@link #jvp}), rule's gradient (reverse sweeps)
 * or gradient's tangent ({@link #hvp}) is NaN or infinite, naming the op, its operands' values,
 * where its node was made (known when the graph was built with detection on) and where the tape was
 * recorded; the sweeps check nothing per node (a reverse sweep that leaves a NaN or infinity is swept
 * again, stopped early, to find its first node); off, a replay pays one read of a static counter.
 * A replay that throws, whatever it throws, changes no gradient and leaves {@link #output} as it was.
 *
 * <p>Memory: 24 bytes per binary op node (an int packing op code and first operand, an int second
 * operand, a double value and a double adjoint), plus 4 bytes per operand of n-ary nodes.
 *
 * <p>A tape is not thread-safe: replays write its arrays. Give each thread its own {@link #copy()},
 * which shares the recorded structure; {@link #backward()} adds to its input leaves' gradients
 * atomically, so copies replaying on several threads lose no contribution.
 */
public final class Tape {
  private static final int SHIFT = Program.SHIFT;
  private static final int MASK = Program.MASK;

  /** The recorded form this tape replays. */
  final Program program;
  private final int inputs;
  private final int first;
  private final int size;
  /** Per slot: op code &lt;&lt; 26 | first operand (n-ary: start in {@link #args}). */
  private final int[] code;
  /** Per slot: second operand (n-ary: operand count; DOT: pair count). */
  private final int[] second;
  private final int[] args;
  private final int[] outputs;
  /** The leaves whose values feed the inputs and whose gradients {@link #backward()} adds to. */
  private final Value[] leaves;
  private final double[] val;
  private final double[] adj;
  /** The generated sweeps of a compiled tape; null for the generic one. */
  private final Compiler.Kernel kernel;
  /** Why {@link #compile()} fell back to the generic sweeps; null otherwise. */
  private final String fallback;

  /** Where the tape was recorded (null: not by record). */
  private String recordedAt;
  /** What the recording assumed (null: nothing); checked once per replay, after the forward sweep. */
  private final Guards.Set guards;
  /**
   * The outputs' values after the last replay that completed (at recording, before any): what
   * {@link #output} reads, so a replay that throws, whatever it throws, leaves them as they were.
   */
  private final double[] last;

  Tape(Program p, Value[] leaves) {
    this(p, leaves, null, null, null, p.outputs.length);
  }

  private Tape(Program p, Value[] leaves, Compiler.Kernel kernel, String fallback, Guards.Set guards, int outputs) {
    this.program = p;
    this.inputs = p.inputs;
    this.first = p.first;
    this.size = p.size;
    this.code = p.code;
    this.second = p.second;
    this.args = p.args;
    this.outputs = outputs == p.outputs.length ? p.outputs : Arrays.copyOf(p.outputs, outputs);
    this.guards = guards;
    this.leaves = leaves;
    this.val = p.values.clone();
    this.adj = new double[size];
    this.kernel = kernel;
    this.fallback = fallback;
    this.last = new double[outputs];
    commit();
  }

  /**
   * A copy sharing this tape's recorded structure and input leaves, with working arrays of its own:
   * copies replay independently on different threads, and their {@link #backward()}s add to the
   * shared input leaves' gradients atomically, losing no contribution.
   */
  public Tape copy() {
    Tape t = new Tape(program, leaves, kernel, fallback, guards, outputs.length);
    t.recordedAt = recordedAt;
    System.arraycopy(val, 0, t.val, 0, size);
    System.arraycopy(last, 0, t.last, 0, last.length);
    return t;
  }

  /**
   * The same function replayed by generated JVM code: every method of the returned tape gives
   * bitwise the results of this one (its forward, reverse and tangent sweeps are bytecode made
   * from this tape's recorded form, applying the same rules in the same order; second order runs
   * the generic sweep). The returned tape has working arrays of its own, as a {@link #copy()}. The
   * generated class is cached per tape shape, so recording the same program again and compiling it
   * costs no new code. Where the compiler cannot handle a tape, the returned tape replays with the
   * generic sweeps and {@link #whyNotCompiled()} says why.
   */
  public Tape compile() {
    Compiler.Result r = Compiler.compile(program);
    return withKernel(r);
  }

  /** A copy of this tape replaying with r's kernel (or generic, with r's reason). */
  Tape withKernel(Compiler.Result r) {
    Tape t = new Tape(program, leaves, r.kernel, r.reason, guards, outputs.length);
    t.recordedAt = recordedAt;
    System.arraycopy(val, 0, t.val, 0, size);
    System.arraycopy(last, 0, t.last, 0, last.length);
    return t;
  }

  /** Whether this tape replays with generated code ({@link #compile()}). */
  public boolean isCompiled() {
    return kernel != null;
  }

  /**
   * Why {@link #compile()} returned a tape with the generic sweeps (for example, a program too
   * large for the generated class); null for a compiled tape and for a tape never compiled.
   */
  public String whyNotCompiled() {
    return fallback;
  }

  // ------------------------------------------------------------------------ recording

  /** Records the graph of {@code output} with the given leaves as inputs. */
  public static Tape record(List<Value> inputs, Value output) {
    return record(inputs, List.of(Objects.requireNonNull(output, "record: output is null")));
  }

  /**
   * Records the graphs of {@code outputs} (gradients are of output 0; the others can be read after
   * each replay) with the given leaves as inputs. Leaves the outputs reach that are not inputs
   * become constants, frozen at their current values.
   *
   * @throws IllegalArgumentException if an input is not a leaf or appears twice, or there are no outputs
   */
  public static Tape record(List<Value> inputs, List<Value> outputs) {
    Objects.requireNonNull(inputs, "record: inputs is null");
    Objects.requireNonNull(outputs, "record: outputs is null");
    if (outputs.isEmpty()) throw new IllegalArgumentException("record: no outputs");
    Map<Value, Integer> inputIndex = new IdentityHashMap<>();
    for (int i = 0; i < inputs.size(); i++) {
      Value x = inputs.get(i);
      if (x == null) throw new NullPointerException("record: input " + i + " is null");
      if (!x.isLeaf()) throw new IllegalArgumentException("record: input " + i + " is a '" + x.op() + "' node, not a leaf");
      if (inputIndex.put(x, i) != null) throw new IllegalArgumentException("record: input " + i + " appears twice");
    }
    for (int k = 0; k < outputs.size(); k++) {
      if (outputs.get(k) == null) throw new NullPointerException("record: output " + k + " is null");
    }
    // values user code read, and comparisons it made, while the graph was built become guards: each
    // value is lowered as an extra output (nothing new when it is in the graph already) and checked
    // after every forward sweep
    Guards.Taken taken = Guards.taken(outputs);
    List<Value> read = Guards.shaping(taken.reads, inputIndex);
    List<Guards.Comparison> compared = Guards.shapingComparisons(taken.comparisons, inputIndex);
    StackTraceElement at = Anomaly.recordingCaller();
    String site = at == null ? "an unknown place" : at.toString();
    if (read.isEmpty() && compared.isEmpty()) {
      return sited(new Tape(Program.lower(inputs, outputs, false), inputs.toArray(new Value[0])), site);
    }
    List<Value> all = new ArrayList<>(outputs);
    all.addAll(read);
    for (Guards.Comparison q : compared) {
      all.add(q.x);
      if (q.y != null) all.add(q.y);
    }
    Program p = Program.lower(inputs, all, false);
    int n = read.size() + compared.size();
    int[] slot = new int[n], other = new int[n], order = new int[n];
    double[] value = new double[n];
    String[] what = new String[n];
    int next = outputs.size();
    for (int k = 0; k < n; k++) {
      slot[k] = p.outputs[next++];
      if (k < read.size()) {
        other[k] = Guards.Set.EXACT;
        value[k] = p.values[slot[k]];
        what[k] = Guards.describe(read.get(k), inputIndex.getOrDefault(read.get(k), -1));
        continue;
      }
      Guards.Comparison q = compared.get(k - read.size());
      other[k] = q.y == null ? Guards.Set.CONSTANT : p.outputs[next++];
      value[k] = q.c;
      order[k] = Guards.order(p.values[slot[k]], q.y == null ? q.c : p.values[other[k]]);
      what[k] = Guards.describe(q.x, inputIndex.getOrDefault(q.x, -1)) + " with "
          + (q.y == null ? String.valueOf(q.c) : Guards.describe(q.y, inputIndex.getOrDefault(q.y, -1)));
    }
    Guards.Set guards = new Guards.Set(slot, other, order, value, what, site);
    return sited(new Tape(p, inputs.toArray(new Value[0]), null, null, guards, outputs.size()), site);
  }

  /** Sets where t was recorded. */
  private static Tape sited(Tape t, String site) {
    t.recordedAt = site;
    return t;
  }

  /** Records f at the point x: f receives one leaf per coordinate, which become the inputs. */
  public static Tape record(double[] x, Function<List<Value>, Value> f) {
    Objects.requireNonNull(f, "record: f is null");
    List<Value> in = Derivatives.leaves(x);
    return record(in, Objects.requireNonNull(f.apply(in), "record: f returned null"));
  }

  // ------------------------------------------------------------------------ replaying

  /** Evaluates the tape at x; returns output 0. */
  public double value(double[] x) {
    load(x, "value");
    forward();
    commit();
    return val[outputs[0]];
  }

  /**
   * Evaluates the tape at x and writes the gradient of output 0 with respect to each input into
   * {@code gradOut}; returns output 0.
   */
  public double gradient(double[] x, double[] gradOut) {
    load(x, "gradient");
    Objects.requireNonNull(gradOut, "gradient: gradOut is null");
    if (gradOut.length != inputs) {
      throw new IllegalArgumentException("gradient: gradOut has size " + gradOut.length + ", the tape has " + inputs + " inputs");
    }
    forward();
    reverse(0);
    System.arraycopy(adj, 0, gradOut, 0, inputs);
    commit();
    return val[outputs[0]];
  }

  /**
   * Replays the tape with the recorded input leaves' current values, and adds the gradient of
   * output 0 to each input leaf's {@code grad}, as rebuilding the graph and calling
   * {@link Value#backward()} on it would (an input that appears in the graph gets bitwise the same
   * gradient). Returns output 0.
   */
  public double backward() {
    for (int i = 0; i < inputs; i++) val[i] = leaves[i].data;
    forward();
    reverse(0);
    for (int i = 0; i < inputs; i++) leaves[i].addGrad(adj[i]);
    commit();
    return val[outputs[0]];
  }

  /**
   * Output k's value at the last replay that completed (at recording, before any): a replay that
   * threw (a broken guard, an anomaly, an error) leaves the outputs as they were.
   */
  public double output(int k) {
    if (k < 0 || k >= outputs.length) throw new IndexOutOfBoundsException("output: " + k + " is outside 0.." + (outputs.length - 1));
    return last[k];
  }

  /** Makes the outputs of the replay that just completed what {@link #output} reads. */
  private void commit() {
    for (int k = 0; k < last.length; k++) last[k] = val[outputs[k]];
  }

  /** The number of inputs. */
  public int inputs() {
    return inputs;
  }

  /** The number of outputs. */
  public int outputs() {
    return outputs.length;
  }

  /** The number of op nodes. */
  public int operations() {
    return size - first;
  }

  /** Bytes held by this tape's arrays (structure and working values; forward-mode arrays once used). */
  public long bytes() {
    return 4L * code.length + 4L * second.length + 4L * args.length + 4L * outputs.length + 8L * val.length + 8L * adj.length
        + (tan == null ? 0 : 8L * tan.length) + (adjT == null ? 0 : 8L * adjT.length);
  }

  private void load(double[] x, String what) {
    if (x == null) throw new NullPointerException(what + ": x is null");
    if (x.length != inputs) throw new IllegalArgumentException(what + ": expected " + inputs + " inputs, got " + x.length);
    System.arraycopy(x, 0, val, 0, inputs);
  }

  /** The forward sweep: every op node in topological order; then the guards and, when on, anomaly detection. */
  void forward() {
    sweepForward();
    Faults.point("Tape.forward");
    if (guards != null) guards.check(val, "Tape");
    if (Anomaly.anyOpen() && Anomaly.isEnabled()) checkValues();
  }

  /** Anomaly detection: throws at the first op slot whose replayed value is NaN or infinite. */
  private void checkValues() {
    for (int i = first; i < size; i++) {
      if (!Double.isFinite(val[i])) {
        throw anomaly(i, "Tape.forward: op '" + Program.op(code[i]).label + "' produced " + val[i], null);
      }
    }
  }

  /** The operand slots of op slot i, in the rule's order. */
  private int[] operands(int i) {
    final int c = code[i];
    final Op op = Program.op(c);
    final int a = c & MASK;
    if (op.nary) {
      int n = Rules.naryOperands(op, second[i]);
      return Arrays.copyOfRange(args, a, a + n);
    }
    return op.arity == 2 ? new int[] {a, second[i]} : new int[] {a};
  }

  /** The values of the given slots. */
  private static List<Double> values(double[] of, int[] slots) {
    List<Double> out = new ArrayList<>(slots.length);
    for (int s : slots) out.add(of[s]);
    return out;
  }

  /**
   * The exception for op slot i: what happened, its operands' values, {@code more} (if not null),
   * where its node was made and where the tape was recorded.
   */
  private AnomalyException anomaly(int i, String what, String more) {
    final Op op = Program.op(code[i]);
    List<Double> in = values(val, operands(i));
    StackTraceElement site = program.sites == null ? null : program.sites[i - first];
    return new AnomalyException(op.label, in, site, what + " from inputs " + in + (more == null ? "" : more)
        + ", node created at " + (site == null ? "an unknown place (made while anomaly detection was off)" : site.toString())
        + (recordedAt == null ? "" : ", tape recorded at " + recordedAt));
  }

  /** The first slot of a from 'from' on whose value is NaN or infinite, or -1. */
  private static int firstNonFinite(double[] a, int from) {
    for (int i = from; i < a.length; i++) if (!Double.isFinite(a[i])) return i;
    return -1;
  }

  private void sweepForward() {
    if (kernel != null) {
      kernel.forward(val, args);
      return;
    }
    final int[] code = this.code, second = this.second, args = this.args;
    final double[] val = this.val;
    for (int i = first; i < size; i++) {
      final int c = code[i];
      final Op op = Op.of(c >>> SHIFT);
      final int a = c & MASK;
      val[i] = op.nary ? SlotRules.forward(op, args, a, second[i], val) : Rules.forward(op, val[a], val[second[i]]);
    }
  }

  /**
   * The reverse sweep of output k over the nodes it depends on, in its graph's own order; values
   * must be current. Output 0's nodes are a range of slots; another output's come from the
   * program's orders (a program lowered with them). With anomaly detection on, throws if it made
   * any gradient NaN or infinite, naming the first node whose rule did ({@link #locateReverse}).
   */
  void reverse(int k) {
    final int[] order = k == 0 ? null : program.order(k);
    if (order == null && kernel != null) {
      if (Anomaly.anyOpen() && Anomaly.isEnabled()) {
        seed(k); // the check below reads every adjoint
      } else {
        kernel.clear(adj); // only those the kernel reads: the rest it keeps in locals
        adj[outputs[k]] = 1.0;
      }
      kernel.reverse(val, adj, args);
    } else {
      reverseNodes(k, order, 0);
    }
    Faults.point("Tape.reverse");
    if (Anomaly.anyOpen() && Anomaly.isEnabled() && firstNonFinite(adj, 0) >= 0) throw locateReverse(k, order);
  }

  /** Clears the adjoints and seeds output k's with 1. */
  private void seed(int k) {
    Arrays.fill(adj, 0.0);
    adj[outputs[k]] = 1.0;
  }

  /**
   * The generic reverse sweep of output k ({@link #seed} included), over its nodes from the last
   * down to the one at position {@code stop} of its order (0: all of them).
   */
  private void reverseNodes(int k, int[] order, int stop) {
    final int[] code = this.code, second = this.second, args = this.args;
    final double[] val = this.val, adj = this.adj;
    seed(k);
    for (int j = (order == null ? program.end0 - first : order.length) - 1; j >= stop; j--) {
      final int i = order == null ? first + j : order[j];
      final double g = adj[i];
      final int c = code[i];
      final Op op = Op.of(c >>> SHIFT);
      final int a = c & MASK;
      final int b = second[i];
      if (op.nary) {
        SlotRules.adjoint(op, args, a, b, val, adj, g, val[i]);
      } else {
        final double av = val[a], bv = val[b], y = val[i];
        adj[a] += Rules.adjointA(op, av, bv, y, g);
        if (op.arity == 2) adj[b] += Rules.adjointB(op, av, bv, y, g);
      }
    }
  }

  /**
   * Anomaly detection for a reverse sweep that made some gradient NaN or infinite: finds the first
   * node (in sweep order) whose rule did, by sweeping again and stopping early (a gradient, once
   * NaN or infinite, stays so, so the sweeps stopped at or after that node are exactly those that
   * leave one). Costs a few sweeps, only then; the sweeps themselves check nothing.
   */
  private AnomalyException locateReverse(int k, int[] order) {
    final int count = order == null ? program.end0 - first : order.length;
    final int j = lastBad(count, stop -> {
      reverseNodes(k, order, stop);
      return firstNonFinite(adj, 0) >= 0;
    });
    reverseNodes(k, order, j);
    final int i = order == null ? first + j : order[j];
    final String op = Program.op(code[i]).label;
    int[] in = operands(i);
    int q = 0;
    while (q < in.length - 1 && Double.isFinite(adj[in[q]])) q++;
    return anomaly(i, "Tape.backward: op '" + op + "' with output gradient " + adj[i] + " produced gradient " + adj[in[q]]
        + " for input " + q, null);
  }

  /**
   * The largest position j in [0, count) for which bad(j) holds, given bad(0) holds and bad is
   * monotone (bad(j) implies bad(j - 1)): the node at which a sweep from the last node down first
   * goes bad. 0 when count is 0.
   */
  private static int lastBad(int count, java.util.function.IntPredicate bad) {
    int lo = 0, hi = count - 1;
    while (lo < hi) {
      final int mid = (lo + hi + 1) >>> 1;
      if (bad.test(mid)) lo = mid; else hi = mid - 1;
    }
    return lo;
  }

  // ------------------------------------------------------------------------ forward mode and second order

  /** Tangents and adjoints' tangents, made on first use. */
  private double[] tan, adjT;

  /**
   * The tangent sweep for inputs' tangents v (every other leaf's is 0); values must be current.
   * With anomaly detection on, throws at the first op whose tangent is NaN or infinite.
   */
  void tangents(double[] v) {
    if (tan == null) tan = new double[size];
    final double[] tan = this.tan, val = this.val;
    Arrays.fill(tan, 0.0);
    System.arraycopy(v, 0, tan, 0, inputs);
    if (kernel != null) {
      kernel.tangents(val, tan, args);
    } else {
      for (int i = first; i < size; i++) {
        final int c = code[i];
        final Op op = Op.of(c >>> SHIFT);
        final int a = c & MASK;
        final int b = second[i];
        tan[i] = op.nary ? SlotRules.tangent(op, args, a, b, val, tan, val[i])
            : Rules.tangent(op, val[a], val[b], val[i], tan[a], op.arity == 2 ? tan[b] : 0.0);
      }
    }
    Faults.point("Tape.tangents");
    if (Anomaly.anyOpen() && Anomaly.isEnabled()) {
      final int i = firstNonFinite(tan, first);
      if (i >= 0) {
        throw anomaly(i, "Tape.jvp: op '" + Program.op(code[i]).label + "' produced tangent " + tan[i],
            " and input tangents " + values(tan, operands(i)));
      }
    }
  }

  /** Output k's tangent after {@link #tangents}. */
  double tangent(int k) {
    return tan[outputs[k]];
  }

  /** Input i's adjoint after {@link #reverse} or {@link #secondOrder}. */
  double adjoint(int i) {
    return adj[i];
  }

  /** Input i's adjoint's tangent after {@link #secondOrder}. */
  double adjointTangent(int i) {
    return adjT[i];
  }

  /**
   * Forward mode: the derivative of output 0 at x along v, by one tangent sweep through the rule
   * table's tangent rules.
   */
  public double jvp(double[] x, double[] v) {
    load(x, "jvp");
    Objects.requireNonNull(v, "jvp: v is null");
    if (v.length != inputs) throw new IllegalArgumentException("jvp: a direction of size " + v.length + " for " + inputs + " inputs");
    forward();
    tangents(v);
    commit();
    return tan[outputs[0]];
  }

  /**
   * Forward over reverse: writes H·v, the Hessian of output 0 at x times v, into {@code hvOut},
   * and the gradient into {@code gradOut} (when not null); returns output 0. No finite differences.
   */
  public double hvp(double[] x, double[] v, double[] hvOut, double[] gradOut) {
    load(x, "hvp");
    Objects.requireNonNull(v, "hvp: v is null");
    if (v.length != inputs) throw new IllegalArgumentException("hvp: a direction of size " + v.length + " for " + inputs + " inputs");
    Objects.requireNonNull(hvOut, "hvp: hvOut is null");
    if (hvOut.length != inputs) throw new IllegalArgumentException("hvp: hvOut has size " + hvOut.length + ", the tape has " + inputs + " inputs");
    if (gradOut != null && gradOut.length != inputs) {
      throw new IllegalArgumentException("hvp: gradOut has size " + gradOut.length + ", the tape has " + inputs + " inputs");
    }
    forward();
    tangents(v);
    secondOrder();
    System.arraycopy(adjT, 0, hvOut, 0, inputs);
    if (gradOut != null) System.arraycopy(adj, 0, gradOut, 0, inputs);
    commit();
    return val[outputs[0]];
  }

  /**
   * Forward over reverse for output 0 after {@link #tangents}: one reverse sweep carrying every
   * adjoint and its tangent; values must be current. With anomaly detection on, throws if it made
   * any gradient or gradient tangent NaN or infinite, naming the first node whose rule did.
   */
  void secondOrder() {
    if (adjT == null) adjT = new double[size];
    secondOrderNodes(first);
    Faults.point("Tape.secondOrder");
    if (Anomaly.anyOpen() && Anomaly.isEnabled() && (firstNonFinite(adj, 0) >= 0 || firstNonFinite(adjT, 0) >= 0)) {
      final int j = lastBad(program.end0 - first, stop -> {
        secondOrderNodes(first + stop);
        return firstNonFinite(adj, 0) >= 0 || firstNonFinite(adjT, 0) >= 0;
      });
      final int i = first + j;
      secondOrderNodes(i);
      int[] in = operands(i);
      int q = 0;
      while (q < in.length - 1 && Double.isFinite(adj[in[q]]) && Double.isFinite(adjT[in[q]])) q++;
      throw anomaly(i, "Tape.hvp: op '" + Program.op(code[i]).label + "' with output gradient " + adj[i] + " and its tangent "
          + adjT[i] + " produced gradient " + adj[in[q]] + " and gradient tangent " + adjT[in[q]] + " for input " + q,
          " and input tangents " + values(tan, in));
    }
  }

  /** The second-order reverse sweep of output 0 (adjoints cleared and seeded), over its op slots from the last down to {@code stop}. */
  private void secondOrderNodes(int stop) {
    final double[] val = this.val, adj = this.adj, tan = this.tan, adjT = this.adjT;
    Arrays.fill(adj, 0.0);
    Arrays.fill(adjT, 0.0);
    adj[outputs[0]] = 1.0;
    for (int i = program.end0 - 1; i >= stop; i--) {
      final double g = adj[i], gt = adjT[i];
      final int c = code[i];
      final Op op = Op.of(c >>> SHIFT);
      final int a = c & MASK;
      final int b = second[i];
      if (op.nary) {
        SlotRules.adjointTangent(op, args, a, b, val, tan, adj, adjT, g, gt, val[i]);
      } else {
        final double av = val[a], bv = val[b], y = val[i];
        final boolean binary = op.arity == 2;
        final double ta = tan[a], tb = binary ? tan[b] : 0.0, ty = tan[i];
        adj[a] += Rules.adjointA(op, av, bv, y, g);
        adjT[a] += (gt == 0.0 ? 0.0 : Rules.adjointA(op, av, bv, y, gt)) + Rules.term(g, Rules.partialTangentA(op, av, bv, y, ta, tb, ty));
        if (binary) {
          adj[b] += Rules.adjointB(op, av, bv, y, g);
          adjT[b] += (gt == 0.0 ? 0.0 : Rules.adjointB(op, av, bv, y, gt)) + Rules.term(g, Rules.partialTangentB(op, av, bv, y, ta, tb, ty));
        }
      }
    }
  }
}
