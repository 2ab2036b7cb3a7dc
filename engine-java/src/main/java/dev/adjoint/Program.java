package dev.adjoint;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one recorded form of a graph, made once by {@link #lower} and read by every executor:
 * {@link Tape} (replays, forward mode, second order), {@link BatchTape} (the row function over all
 * rows), {@link Derivatives} (sweeps over a graph just built) and the bytecode {@link Compiler}.
 * Immutable once made; safe to share between threads.
 *
 * <p>Slots: the inputs first ({@code [0, inputs)}, in the order given), then constants
 * ({@code [inputs, first)}: every other leaf reached, and every operand an op holds but does not
 * differentiate, such as a constant exponent), then the op nodes ({@code [first, size)}) in a
 * topological order. An op node in slot s reads operand slots {@code a = code[s] & MASK} and
 * {@code second[s]} (a unary op reads its own operand there too, and ignores it), or, for the
 * n-ary ops, {@code second[s]} groups of operand slots in {@code args} from {@code a}. Nothing
 * here names an op: the rule table alone says what an op code does.
 *
 * <p>Outputs: {@code outputs[k]} is output k's slot. The op nodes output 0 depends on are exactly
 * the slots {@code [first, end0)}, in the order {@link Value#backward()} sweeps them, so a reverse
 * sweep of output 0 over that range gives bitwise the graph's gradients. A program lowered with
 * orders also holds, for every output, its own sweep order ({@link #order}).
 */
final class Program {
  /** Operand slots use the low 26 bits of {@link #code}; the op code the high 6 (64 codes). */
  static final int SHIFT = 26;
  static final int MASK = (1 << SHIFT) - 1;

  static {
    if (Op.VALUES.length > 1 << (32 - SHIFT)) {
      throw new ExceptionInInitializerError("Program: " + Op.VALUES.length + " op codes do not fit in " + (32 - SHIFT) + " bits");
    }
  }

  final int inputs;
  final int first;
  final int size;
  /** Per slot from first: op code &lt;&lt; SHIFT | first operand (n-ary: start in {@link #args}). */
  final int[] code;
  /** Per slot from first: second operand (n-ary: operand groups; DOT: pairs). */
  final int[] second;
  final int[] args;
  final int[] outputs;
  /** One past the last op slot output 0 depends on. */
  final int end0;
  /** Every slot's value at recording: inputs, constants (frozen) and op nodes. */
  final double[] values;
  /** Per output, the op slots its graph's reverse sweep visits, in forward order; null if not lowered with orders. */
  private final int[][] orders;
  /**
   * Per op slot (from first), where its node was made, as anomaly detection saw it; null when the
   * program was lowered with detection off on this thread (then no site is known).
   */
  final StackTraceElement[] sites;

  private Program(int inputs, int first, int size, int[] code, int[] second, int[] args, int[] outputs, int end0,
      double[] values, int[][] orders, StackTraceElement[] sites) {
    this.inputs = inputs;
    this.first = first;
    this.size = size;
    this.code = code;
    this.second = second;
    this.args = args;
    this.outputs = outputs;
    this.end0 = end0;
    this.values = values;
    this.orders = orders;
    this.sites = sites;
  }

  static Op op(int code) {
    return Op.of(code >>> SHIFT);
  }

  /** The op slots output k's reverse sweep visits, in forward order (a program lowered with orders). */
  int[] order(int k) {
    return orders[k];
  }

  /**
   * Lowers the graphs of {@code outputs} with {@code inputs} as the first slots. Inputs must be
   * distinct and not null (callers check and name them); an input that is not a leaf keeps its slot
   * but nothing reads it. With {@code orders}, also records each output's own sweep order.
   *
   * @throws IllegalArgumentException if the program is larger than the operand fields hold
   */
  static Program lower(List<Value> inputs, List<Value> outputs, boolean orders) {
    Map<Value, Integer> inputIndex = new IdentityHashMap<>();
    for (int i = 0; i < inputs.size(); i++) inputIndex.put(inputs.get(i), i);
    Sweep.Order o = Sweep.linearise(outputs.get(0));
    int end0 = o.innerCount;
    for (int k = 1; k < outputs.size(); k++) Sweep.linearise(outputs.get(k), o);
    final int nin = inputs.size(), inner = o.innerCount;
    int[] leafSlot = new int[o.leafCount];
    int constants = 0;
    for (int j = 0; j < o.leafCount; j++) {
      Integer i = inputIndex.get(o.leaves[j]);
      leafSlot[j] = i != null ? i : nin + constants++;
    }
    // operands an op holds but does not differentiate (a constant exponent) are constants too
    int held = 0, nargs = 0;
    for (int i = 0; i < inner; i++) {
      Value v = o.inner[i];
      if (v.args != null) nargs += v.args.length;
      else if (v.b != null && v.op.arity < 2) held++;
    }
    int heldSlot = nin + constants;
    final int first = heldSlot + held;
    final int size = first + inner;
    if (size > MASK) throw new IllegalArgumentException("record: " + size + " nodes is more than a tape holds (" + MASK + ")");
    if (nargs > MASK) throw new IllegalArgumentException("record: " + nargs + " n-ary operands is more than a tape holds (" + MASK + ")");
    int[] code = new int[size], second = new int[size], args = new int[nargs];
    double[] values = new double[size];
    for (int i = 0; i < nin; i++) values[i] = inputs.get(i).data;
    for (int j = 0; j < o.leafCount; j++) values[leafSlot[j]] = o.leaves[j].data;
    StackTraceElement[] sites = Anomaly.anyOpen() && Anomaly.isEnabled() ? new StackTraceElement[inner] : null;
    int next = 0;
    for (int i = 0; i < inner; i++) {
      Value v = o.inner[i];
      int s = first + i;
      values[s] = v.data;
      if (sites != null) sites[i] = Anomaly.siteOf(v);
      if (v.args != null) {
        code[s] = (v.op.ordinal() << SHIFT) | next;
        second[s] = Rules.naryCount(v.op, v.args.length);
        for (Value x : v.args) args[next++] = slot(o, x, leafSlot, first);
      } else {
        int a = slot(o, v.a, leafSlot, first);
        code[s] = (v.op.ordinal() << SHIFT) | a;
        if (v.b == null) {
          second[s] = a;
        } else if (v.op.arity == 2) {
          second[s] = slot(o, v.b, leafSlot, first);
        } else {
          values[heldSlot] = v.b.data;
          second[s] = heldSlot++;
        }
      }
    }
    int[] outs = new int[outputs.size()];
    for (int k = 0; k < outs.length; k++) outs[k] = slot(o, outputs.get(k), leafSlot, first);
    int[][] sweeps = null;
    if (orders) {
      sweeps = new int[outs.length][];
      sweeps[0] = range(first, first + end0);
      Map<Value, Integer> opSlot = outs.length > 1 ? new IdentityHashMap<>() : null;
      for (int i = 0; opSlot != null && i < inner; i++) opSlot.put(o.inner[i], first + i);
      for (int k = 1; k < outs.length; k++) {
        Sweep.Order ok = Sweep.linearise(outputs.get(k));
        int[] order = new int[ok.innerCount];
        for (int i = 0; i < order.length; i++) order[i] = opSlot.get(ok.inner[i]);
        sweeps[k] = order;
      }
    }
    return new Program(nin, first, size, code, second, args, outs, first + end0, values, sweeps, sites);
  }

  private static int[] range(int from, int to) {
    int[] r = new int[to - from];
    for (int i = 0; i < r.length; i++) r[i] = from + i;
    return r;
  }

  /** The slot of a node placed by the linearisation o. */
  private static int slot(Sweep.Order o, Value x, int[] leafSlot, int first) {
    int k = o.rank(x);
    return x.op == Op.LEAF ? leafSlot[k] : first + k;
  }
}
