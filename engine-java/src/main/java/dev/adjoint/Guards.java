package dev.adjoint;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The values user code has read ({@link Value#data()}) on this thread since its last recording,
 * each with the hash the next node made on this thread would have had at the read: a read can have
 * shaped a graph only if some node of it was made after the read, that is if the graph's root was.
 * A recording takes the reads that came before its root as guards ({@link #taken}) and forgets the
 * rest. Held weakly: a read keeps no node alive. Library code reads values through
 * {@link Internal#data} and is never logged.
 */
final class Guards {
  private Guards() {}

  /** Logs a read of v by user code on this thread (its first since the last recording). */
  static void read(Value v) {
    final Sweep.Local l = Sweep.local();
    l.reads.add(v, l.next);
  }

  /**
   * The nodes read on this thread before root was made (so they may have shaped its graph), in no
   * particular order; clears this thread's log.
   */
  static List<Value> taken(List<Value> roots) {
    final Log log = Sweep.local().reads;
    if (log.used == 0) return List.of();
    List<Value> out = new ArrayList<>();
    for (Read r : log.reads) {
      final Value v = r == null ? null : r.get();
      if (v == null) continue;
      for (Value root : roots) {
        if (root.hash - r.stamp >= 0) {
          out.add(v);
          break;
        }
      }
    }
    log.clear();
    return out;
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
      if (reads.length > 1024) reads = new Read[16];
      else Arrays.fill(reads, null);
      used = 0;
    }
  }

  /**
   * Of the nodes read, those whose values a replay can change: the inputs, and op nodes that depend
   * on an input (in the recorded graphs or not: a branch on an intermediate value may pick which
   * nodes are built). Constants are frozen and need no guard.
   */
  static List<Value> shaping(List<Value> read, Map<Value, Integer> inputs) {
    if (read.isEmpty()) return read;
    List<Value> out = new ArrayList<>();
    for (Value v : read) {
      if (inputs.containsKey(v)) {
        out.add(v);
      } else if (!v.isLeaf()) {
        Sweep.Order o = Sweep.linearise(v);
        for (int j = 0; j < o.leafCount; j++) {
          if (inputs.containsKey(o.leaves[j])) {
            out.add(v);
            break;
          }
        }
      }
    }
    return out;
  }

  /**
   * The guards of one tape: slots whose replayed values must equal the recorded ones bitwise, what
   * each is (for the message), and where the tape was recorded.
   */
  static final class Set {
    final int[] slot;
    final double[] value;
    final String[] what;
    final String site;

    Set(int[] slot, double[] value, String[] what, String site) {
      this.slot = slot;
      this.value = value;
      this.what = what;
      this.site = site;
    }

    /** Throws if a guarded slot of a replay's values val differs from its recorded value. */
    void check(double[] val, String tape) {
      for (int k = 0; k < slot.length; k++) {
        double now = val[slot[k]];
        if (Double.doubleToLongBits(now) != Double.doubleToLongBits(value[k])) {
          throw new TapeGuardException(tape + ": replay refused: user code read the value of " + what[k]
              + " while building the graph recorded at " + site + ", so its shape may depend on that value ("
              + value[k] + "); this replay gives " + now + ". Nothing was changed: run this step define-by-run, or record again");
        }
      }
    }
  }

  /** How a read node is named in a guard's message. */
  static String describe(Value v, int input) {
    if (input >= 0) return "input " + input + (v.name() == null ? "" : " '" + v.name() + "'");
    return "a '" + v.op() + "' node";
  }
}
