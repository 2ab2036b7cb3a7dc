package dev.adjoint;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * What user code has learnt of values on this thread since its last recording, each with the hash
 * the next node made on this thread would have had then: a value read ({@link Value#data()}) or a
 * comparison made ({@link Value#compareTo(double)}, {@link Value#compareTo(Value)}) may have shaped
 * a graph if the graph's root was made afterwards, or if it picked the root among nodes made before
 * (so anything learnt of another value than the root counts, whenever it was learnt). A recording
 * takes those as guards ({@link #taken}) and forgets the rest. A read
 * becomes an exact guard (the value, bitwise); a comparison a branch guard (its outcome: less,
 * equal or greater), which a replay keeps while the branch does not flip. Held weakly: nothing here
 * keeps a node alive. Library code reads values through {@link Internal#data} and is never logged.
 */
final class Guards {
  private Guards() {}

  private static final ThreadLocal<Map<Value, Compared>> COMPARED = new ThreadLocal<>() {
    @Override
    protected Map<Value, Compared> initialValue() {
      return new WeakHashMap<>();
    }
  };

  /** The most distinct comparisons of one value logged; past it, the value is guarded exactly. */
  private static final int MAX_COMPARISONS = 8;

  /** The comparisons of one value x: against other values (held weakly) or constants. */
  private static final class Compared {
    final int hash;
    final List<WeakReference<Value>> others = new ArrayList<>();
    final List<Double> constants = new ArrayList<>();

    Compared(int hash) {
      this.hash = hash;
    }
  }

  /** Logs a read of v by user code on this thread (its first since the last recording). */
  static void read(Value v) {
    final Sweep.Local l = Sweep.local();
    l.reads.add(v, l.next);
  }

  /** Logs a comparison of x with y (null: with the constant c) by user code on this thread. */
  static void compared(Value x, Value y, double c) {
    Compared e = COMPARED.get().computeIfAbsent(x, k -> new Compared(Sweep.peekHash()));
    for (int k = 0; k < e.others.size(); k++) {
      if (e.others.get(k) == null ? y == null && Double.compare(e.constants.get(k), c) == 0 : e.others.get(k).get() == y) return;
    }
    if (e.others.size() == MAX_COMPARISONS) {
      read(x);
      if (y != null) read(y);
      return;
    }
    e.others.add(y == null ? null : new WeakReference<>(y));
    e.constants.add(c);
  }

  /** The order of a against b: -1, 0 or +1 (-0 equals 0), as {@code <}, {@code ==} and {@code >} see it. */
  static int order(double a, double b) {
    return a < b ? -1 : a > b ? 1 : 0;
  }

  /** A comparison taken as a guard: x against y (null: the constant c). */
  static final class Comparison {
    final Value x, y;
    final double c;

    Comparison(Value x, Value y, double c) {
      this.x = x;
      this.y = y;
      this.c = c;
    }
  }

  /** What a recording takes: the values read and the comparisons made before its roots. */
  static final class Taken {
    final List<Value> reads;
    final List<Comparison> comparisons;

    Taken(List<Value> reads, List<Comparison> comparisons) {
      this.reads = reads;
      this.comparisons = comparisons;
    }

    /** Every value read or compared. */
    List<Value> values() {
      List<Value> out = new ArrayList<>(reads);
      for (Comparison q : comparisons) {
        out.add(q.x);
        if (q.y != null) out.add(q.y);
      }
      return out;
    }
  }

  /**
   * Whether something learnt of v, first when the next node's hash was {@code hash}, may have shaped
   * the graphs of roots: it came before one of them was made, or it is of another value than the
   * roots themselves (a branch that picks between nodes made before it; printing a root shapes
   * nothing).
   */
  private static boolean shaped(List<Value> roots, Value v, int hash) {
    for (Value root : roots) if (root.hash - hash >= 0) return true;
    for (Value root : roots) if (root == v) return false;
    return true;
  }

  /**
   * The values read and comparisons made on this thread that may have shaped the graphs of roots
   * ({@link #shaped}), in no particular order; clears this thread's logs.
   */
  static Taken taken(List<Value> roots) {
    final Log log = Sweep.local().reads;
    Map<Value, Compared> compared = COMPARED.get();
    if (log.used == 0 && compared.isEmpty()) return new Taken(List.of(), List.of());
    List<Value> read = new ArrayList<>();
    for (Read r : log.reads) {
      final Value v = r == null ? null : r.get();
      if (v != null && shaped(roots, v, r.stamp)) read.add(v);
    }
    List<Comparison> comparisons = new ArrayList<>();
    for (Map.Entry<Value, Compared> e : compared.entrySet()) {
      Value x = e.getKey();
      Compared q = e.getValue();
      if (x == null || !shaped(roots, x, q.hash)) continue;
      for (int k = 0; k < q.others.size(); k++) {
        WeakReference<Value> y = q.others.get(k);
        Value other = y == null ? null : y.get();
        if (y != null && other == null) continue; // the other value is gone, so is the graph it shaped
        comparisons.add(new Comparison(x, other, q.constants.get(k)));
      }
    }
    log.clear();
    compared.clear();
    return new Taken(read, comparisons);
  }

  /** A logged read: the value, held weakly, and the number the thread's next node had then. */
  private static final class Read extends WeakReference<Value> {
    final int stamp;

    Read(Value v, int stamp) {
      super(v);
      this.stamp = stamp;
    }
  }

  /**
   * One thread's reads since its last recording, each value once: open addressing by the node's
   * number (no identity hash is computed), linear probing; a read whose value was collected keeps
   * its slot until the table is rebuilt. A repeated read costs a probe; a first one, one small
   * object.
   */
  static final class Log {
    private Read[] reads = new Read[16];
    /** Slots taken, by live or collected values. */
    private int used;

    void add(Value v, int stamp) {
      Read[] t = reads;
      final int mask = t.length - 1;
      int h = v.hash * 0x9E3779B9 >>> 7 & mask;
      for (Read r; (r = t[h]) != null; h = (h + 1) & mask) {
        if (r.get() == v) return;
      }
      t[h] = new Read(v, stamp);
      if (++used << 1 > t.length) rebuild();
    }

    /** Drops collected values' slots; doubles the table if live reads still fill half of it. */
    private void rebuild() {
      final Read[] old = reads;
      int live = 0;
      for (Read r : old) if (r != null && r.get() != null) live++;
      final Read[] t = new Read[live << 2 > old.length ? old.length << 1 : old.length];
      final int mask = t.length - 1;
      for (Read r : old) {
        final Value v = r == null ? null : r.get();
        if (v == null) continue;
        int h = v.hash * 0x9E3779B9 >>> 7 & mask;
        while (t[h] != null) h = (h + 1) & mask;
        t[h] = r;
      }
      reads = t;
      used = live;
    }

    void clear() {
      if (reads.length > 1 << 16) reads = new Read[16];
      else Arrays.fill(reads, null);
      used = 0;
    }
  }

  /** Whether v's value can change on a replay: an input, or an op node that depends on one. */
  static boolean replayable(Value v, Map<Value, Integer> inputs) {
    if (inputs.containsKey(v)) return true;
    if (v.isLeaf()) return false;
    Sweep.Order o = Sweep.linearise(v);
    for (int j = 0; j < o.leafCount; j++) if (inputs.containsKey(o.leaves[j])) return true;
    return false;
  }

  /**
   * Of the values read, those whose values a replay can change: the inputs, and op nodes that
   * depend on an input (in the recorded graphs or not: a branch on an intermediate value may pick
   * which nodes are built). Constants are frozen and need no guard.
   */
  static List<Value> shaping(List<Value> read, Map<Value, Integer> inputs) {
    List<Value> out = new ArrayList<>();
    for (Value v : read) if (replayable(v, inputs)) out.add(v);
    return out;
  }

  /** Of the comparisons made, those whose outcome a replay can change. */
  static List<Comparison> shapingComparisons(List<Comparison> made, Map<Value, Integer> inputs) {
    List<Comparison> out = new ArrayList<>();
    for (Comparison q : made) if (replayable(q.x, inputs) || q.y != null && replayable(q.y, inputs)) out.add(q);
    return out;
  }

  /**
   * The guards of one tape, checked after each forward sweep: for guard k, the slot whose replayed
   * value must equal {@code value[k]} bitwise (when {@code other[k]} is -2), or whose order against
   * the slot {@code other[k]} (or, when it is -1, against the constant {@code value[k]}) must stay
   * {@code order[k]}; what each is (for the message), and where the tape was recorded.
   */
  static final class Set {
    static final int EXACT = -2, CONSTANT = -1;
    final int[] slot, other, order;
    final double[] value;
    final String[] what;
    final String site;

    Set(int[] slot, int[] other, int[] order, double[] value, String[] what, String site) {
      this.slot = slot;
      this.other = other;
      this.order = order;
      this.value = value;
      this.what = what;
      this.site = site;
    }

    /** Throws if a guard does not hold for a replay's values val. */
    void check(double[] val, String tape) {
      for (int k = 0; k < slot.length; k++) {
        final double now = val[slot[k]];
        if (other[k] == EXACT) {
          if (Double.doubleToLongBits(now) != Double.doubleToLongBits(value[k])) {
            throw new TapeGuardException(tape + ": replay refused: user code read the value of " + what[k]
                + " while building the graph recorded at " + site + ", so its shape may depend on that value ("
                + value[k] + "); this replay gives " + now + ". Nothing was changed: run this step define-by-run, or record again");
          }
          continue;
        }
        final double than = other[k] == CONSTANT ? value[k] : val[other[k]];
        if (now != now || than != than || order(now, than) != order[k]) {
          throw new TapeGuardException(tape + ": replay refused: user code compared " + what[k]
              + " while building the graph recorded at " + site + ", and found it " + ORDER[order[k] + 1] + "; this replay gives "
              + now + " against " + than + ", so the branch may flip. Nothing was changed: run this step define-by-run, or record again");
        }
      }
    }

    private static final String[] ORDER = {"less", "equal", "greater"};
  }

  /** How a read node is named in a guard's message. */
  static String describe(Value v, int input) {
    if (input >= 0) return "input " + input + (v.name() == null ? "" : " '" + v.name() + "'");
    return "a '" + v.op() + "' node";
  }
}
