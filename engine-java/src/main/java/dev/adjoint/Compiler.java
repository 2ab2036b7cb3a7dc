package dev.adjoint;

import static org.objectweb.asm.Opcodes.ACC_FINAL;
import static org.objectweb.asm.Opcodes.ACC_PRIVATE;
import static org.objectweb.asm.Opcodes.ACC_STATIC;
import static org.objectweb.asm.Opcodes.ACC_SYNTHETIC;
import static org.objectweb.asm.Opcodes.ALOAD;
import static org.objectweb.asm.Opcodes.BIPUSH;
import static org.objectweb.asm.Opcodes.DADD;
import static org.objectweb.asm.Opcodes.DALOAD;
import static org.objectweb.asm.Opcodes.DASTORE;
import static org.objectweb.asm.Opcodes.DCMPL;
import static org.objectweb.asm.Opcodes.DCONST_0;
import static org.objectweb.asm.Opcodes.DCONST_1;
import static org.objectweb.asm.Opcodes.DDIV;
import static org.objectweb.asm.Opcodes.DLOAD;
import static org.objectweb.asm.Opcodes.DMUL;
import static org.objectweb.asm.Opcodes.DNEG;
import static org.objectweb.asm.Opcodes.DSTORE;
import static org.objectweb.asm.Opcodes.DSUB;
import static org.objectweb.asm.Opcodes.DUP2;
import static org.objectweb.asm.Opcodes.DUP2_X2;
import static org.objectweb.asm.Opcodes.GETSTATIC;
import static org.objectweb.asm.Opcodes.GOTO;
import static org.objectweb.asm.Opcodes.IADD;
import static org.objectweb.asm.Opcodes.IFNE;
import static org.objectweb.asm.Opcodes.ICONST_0;
import static org.objectweb.asm.Opcodes.IFLT;
import static org.objectweb.asm.Opcodes.IF_ICMPGE;
import static org.objectweb.asm.Opcodes.ILOAD;
import static org.objectweb.asm.Opcodes.IMUL;
import static org.objectweb.asm.Opcodes.INVOKESPECIAL;
import static org.objectweb.asm.Opcodes.INVOKESTATIC;
import static org.objectweb.asm.Opcodes.ISTORE;
import static org.objectweb.asm.Opcodes.RETURN;
import static org.objectweb.asm.Opcodes.SIPUSH;
import static org.objectweb.asm.Opcodes.V17;

import java.lang.invoke.MethodHandles;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;

/**
 * Turns a {@link Program} into JVM bytecode: its forward, reverse (output 0) and tangent sweeps as
 * the methods of a hidden class, loaded with {@link MethodHandles.Lookup#defineHiddenClass} and
 * cached per program shape (op codes and operand slots; constants' values are read from the
 * tape's arrays, so tapes of one shape share one class). The generated code applies the same
 * rules to the same operands in the same order as the generic sweeps of {@link Tape}, so every
 * result is bitwise the same.
 *
 * <p>Straight-line code for tens of thousands of nodes is more than the JIT compiles (a method over
 * 8000 bytes of bytecode stays interpreted), so runs of a repeated node pattern (the same ops, each
 * operand slot moving by a fixed stride per repetition, as a layer's neurons or a sum's terms
 * are) become loops, and what remains is cut into methods of a few thousand bytes.
 *
 * <p>The commonest ops (+, -, ·, /, negation, exp and a constant power) have their rules written
 * out as bytecode, the same formulas as {@link Rules} (tests hold them bitwise equal on every op
 * of the registry and on random programs): a call to a rule method passes its op as an enum
 * constant, whose switch the JIT cannot fold away. Every other op calls its rule in
 * {@link Rules} or {@link SlotRules}. Thread-safe: the cache is synchronized and kernels are stateless.
 */
final class Compiler {
  private Compiler() {}

  /** The generated sweeps of one program shape; stateless, shared by every tape of that shape. */
  abstract static class Kernel {
    /**
     * The slot ranges [from, to) whose adjoints the reverse sweep reads or adds to in the array, in
     * pairs; set once when the kernel is made. The other slots below the output are nodes whose
     * adjoints a loop carries in locals (they keep whatever they held) and slots whose first share
     * the sweep stores as 0 + share (see {@link Compiler#fresh}): they need no zeros.
     */
    int[] cleared = new int[0];

    /** Sets the adjoints the reverse sweep uses from the array to 0 (the rest it never reads). */
    final void clear(double[] adj) {
      final int[] r = cleared;
      for (int q = 0; q < r.length; q += 2) Arrays.fill(adj, r[q], r[q + 1], 0.0);
    }

    /** Every op node's value from its operands', in slot order. */
    abstract void forward(double[] val, int[] args);

    /** Output 0's reverse sweep; adj holds zeros in the {@link #cleared} ranges and output 0's seed. */
    abstract void reverse(double[] val, double[] adj, int[] args);

    /** The tangent sweep; tan holds the inputs' tangents and zeros. */
    abstract void tangents(double[] val, double[] tan, int[] args);
  }

  /** A compiled kernel, or the reason there is none. */
  static final class Result {
    final Kernel kernel;
    final String reason;

    Result(Kernel kernel, String reason) {
      this.kernel = kernel;
      this.reason = reason;
    }
  }

  /** Repeated patterns of at most this many nodes become loops ... */
  static final int PERIOD = 16;
  /**
   * Longer patterns, up to this many nodes, become an outer loop around their own segments (an MLP
   * loss's per-row pattern: a layer's neurons re-rolled inside the loop over rows) ...
   */
  static final int OUTER = 256;
  /** ... when their segments' code fits one method well below the JIT's limit (estimated bytes). */
  static final int OUTER_BYTES = 6000;
  /**
   * Where no longer pattern starts, the next this many slots are not searched for one (a pattern
   * starting among them is found at the next search with one repetition fewer): the search tries
   * every period up to {@link #OUTER}, which on a graph without repetition would cost that many
   * comparisons per node.
   */
  static final int OUTER_SKIP = 32;
  /** ... when they repeat at least this often. */
  static final int REPEATS = 4;
  /** Bytes of bytecode per generated method, far below the JIT's 8000-byte limit. */
  static final int CHUNK = 3000;
  /** Generated methods per sweep: the sweep's own method calls them all and must stay small too. */
  static final int CHUNKS = 1000;
  /** Local nodes (adjoints the reverse sweep never reads) between two cleared ranges cleared with them, at most. */
  static final int GAP = 64;

  private static final int CACHED = 64;
  private static final Map<Shape, Result> CACHE = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Shape, Result> eldest) {
      return size() > CACHED;
    }
  };

  /** The kernel of p's shape, generated on first use. */
  static Result compile(Program p) {
    Shape s = new Shape(p);
    synchronized (CACHE) {
      Result r = CACHE.get(s);
      if (r != null) return r;
    }
    Result r = generate(p, CHUNKS);
    synchronized (CACHE) {
      Result again = CACHE.putIfAbsent(s, r);
      return again != null ? again : r;
    }
  }

  /** Generates a kernel for p with at most {@code chunks} methods per sweep (no cache). */
  static Result generate(Program p, int chunks) {
    List<Segment> head = segments(p, p.first, p.end0), tail = segments(p, p.end0, p.size);
    List<Segment> all = new ArrayList<>(head);
    all.addAll(tail);
    try {
      ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_MAXS | ClassWriter.COMPUTE_FRAMES);
      String name = "dev/adjoint/CompiledTape";
      String kernel = "dev/adjoint/Compiler$Kernel";
      cw.visit(V17, ACC_FINAL | ACC_SYNTHETIC, name, null, kernel, null);
      MethodVisitor init = cw.visitMethod(0, "<init>", "()V", null, null);
      init.visitCode();
      init.visitVarInsn(ALOAD, 0);
      init.visitMethodInsn(INVOKESPECIAL, kernel, "<init>", "()V", false);
      init.visitInsn(RETURN);
      init.visitMaxs(0, 0);
      init.visitEnd();
      String fw = sweep(cw, name, p, all, Pass.FORWARD, chunks);
      if (fw != null) return new Result(null, fw);
      String rv = sweep(cw, name, p, head, Pass.REVERSE, chunks);
      if (rv != null) return new Result(null, rv);
      String tg = sweep(cw, name, p, all, Pass.TANGENT, chunks);
      if (tg != null) return new Result(null, tg);
      cw.visitEnd();
      MethodHandles.Lookup lookup = MethodHandles.lookup().defineHiddenClass(cw.toByteArray(), true);
      Kernel k = (Kernel) lookup.findConstructor(lookup.lookupClass(), java.lang.invoke.MethodType.methodType(void.class)).invoke();
      k.cleared = cleared(p, head);
      return new Result(k, null);
    } catch (RuntimeException | LinkageError e) {
      return new Result(null, "the JVM refused the generated class: " + e);
    } catch (Throwable e) {
      return new Result(null, "the generated class could not be made: " + e);
    }
  }

  /**
   * The ranges of slots below output 0's end whose adjoints the reverse sweep over these segments
   * reads or writes in the array: all but the nodes a loop carries in locals (every repetition,
   * bar the last one of a share carried from the next repetition, which the loop reads first) and
   * the slots whose first share the sweep stores rather than adds ({@link #fresh}). A run of at
   * most {@link #GAP} such slots between two ranges is cleared with them (zeros the sweep never
   * reads): a fill per range costs more than a few slots (Rosenbrock's loop keeps 4 of every 6
   * nodes in locals; its 199 one-slot ranges made its compiled gradient at n = 100 1.83 us instead
   * of 1.44).
   */
  static int[] cleared(Program p, List<Segment> head) {
    final int[] uses = uses(p), last = lastUses(p);
    boolean[] local = new boolean[p.end0]; // no zeros needed: carried in a local, or stored first
    for (Segment h : head) {
      Segment o = h.body == null ? null : h;
      for (Segment s : h.body == null ? List.of(h) : h.body) {
        Loop loop = s.reps == 1 ? null : new Loop(p, uses, s, Pass.REVERSE, o);
        for (int j = 0; loop != null && j < s.period; j++) {
          if (!loop.carried[j]) continue;
          int reps = loop.fromNext[j] ? s.reps - 1 : s.reps;
          for (int q = 0; q < (o == null ? 1 : o.reps); q++) {
            for (int k = 0; k < reps; k++) local[s.start + k * s.period + j + (o == null ? 0 : q * o.period)] = true;
          }
        }
        for (int j = 0; j < s.period; j++) {
          int slot = s.start + j;
          Op op = Program.op(p.code[slot]);
          for (int side = 0; !op.nary && side < op.arity; side++) {
            int base = side == 0 ? p.code[slot] & Program.MASK : p.second[slot], stride = side == 0 ? s.da[j] : s.db[j];
            if (loop != null && loop.slide == j && side == loop.over) {
              if (loop.overFresh(last)) local[loop.lastOver()] = true;
              continue;
            }
            boolean slides = loop != null && loop.slide == j; // its 'first' operand: through the local, then stored
            if (!slides && carry(loop, new Index(base, stride, 0, outerStride(o, slot, side))) != NONE) continue;
            if (!fresh(p, last, s, j, side, o)) continue;
            for (int q = 0; q < (o == null ? 1 : o.reps); q++) {
              for (int k = 0; k < s.reps; k++) local[base + k * stride + q * outerStride(o, slot, side)] = true;
            }
          }
        }
      }
    }
    int[] r = new int[8];
    int n = 0;
    for (int i = 0; i < p.end0; ) {
      if (local[i]) {
        i++;
        continue;
      }
      int from = i;
      while (i < p.end0 && !local[i]) i++;
      if (n > 0 && from - r[n - 1] <= GAP) { // a short run of locals between: cleared too, one fill
        r[n - 1] = i;
        continue;
      }
      if (n == r.length) r = Arrays.copyOf(r, 2 * n);
      r[n++] = from;
      r[n++] = i;
    }
    return Arrays.copyOf(r, n);
  }

  // ------------------------------------------------------------------------ finding loops

  /**
   * A run of {@code reps} repetitions of the {@code period} nodes from slot {@code start}: node j
   * of repetition k is slot start + k·period + j and reads a = a[j] + k·da[j], b = b[j] + k·db[j].
   */
  static final class Segment {
    final int start, period, reps;
    final int[] da, db;
    /** An outer loop's segments for its repetition 0 (null for a loop or a node). */
    final List<Segment> body;

    Segment(int start, int period, int reps, int[] da, int[] db, List<Segment> body) {
      this.start = start;
      this.period = period;
      this.reps = reps;
      this.da = da;
      this.db = db;
      this.body = body;
    }

    /** Estimated bytes of this segment's code in the given sweep. */
    int cost(Pass sweep) {
      if (body == null) return period * (sweep == Pass.REVERSE ? 90 : 50) + 20;
      int c = 40;
      for (Segment b : body) c += b.cost(sweep);
      return c;
    }
  }

  /**
   * Covers the op slots [from, to) with loops over repeated patterns, outer loops over repeated
   * longer patterns (whose one repetition is covered the same way, without outer loops) and single
   * nodes.
   */
  static List<Segment> segments(Program p, int from, int to) {
    return segments(p, from, to, true);
  }

  private static List<Segment> segments(Program p, int from, int to, boolean outer) {
    List<Segment> out = new ArrayList<>();
    int i = from, search = from;
    while (i < to) {
      int bestPeriod = 1, bestReps = 1;
      for (int period = 1; period <= PERIOD && i + REPEATS * period <= to; period++) {
        if (bestReps >= REPEATS && period % bestPeriod == 0) continue; // a multiple covers no more
        int reps = repeats(p, i, period, to);
        if (reps >= REPEATS && period * reps > bestPeriod * bestReps) {
          bestPeriod = period;
          bestReps = reps;
        }
      }
      if (outer && i >= search && bestPeriod * bestReps < to - i) {
        Segment o = null;
        for (int period = PERIOD + 1; period <= OUTER && i + REPEATS * period <= to; period++) {
          if (o != null && period % o.period == 0) continue;
          if (opCode(p, i) != opCode(p, i + period)) continue;
          int reps = repeats(p, i, period, to);
          if (reps < REPEATS || period * reps <= Math.max(bestPeriod * bestReps, o == null ? 0 : o.period * o.reps)) continue;
          Segment s = strided(p, i, period, reps, segments(p, i, i + period, false));
          if (s.cost(Pass.REVERSE) <= OUTER_BYTES) o = s;
        }
        if (o != null) {
          out.add(o);
          i += o.period * o.reps;
          continue;
        }
        search = i + OUTER_SKIP;
      }
      out.add(strided(p, i, bestPeriod, bestReps, null));
      i += bestPeriod * bestReps;
    }
    return out;
  }

  /** The segment of reps repetitions of period nodes from slot i, with its operands' strides. */
  private static Segment strided(Program p, int i, int period, int reps, List<Segment> body) {
    int[] da = new int[period], db = new int[period];
    if (reps > 1) {
      for (int j = 0; j < period; j++) {
        da[j] = a(p, i + period + j) - a(p, i + j);
        db[j] = p.second[i + period + j] - p.second[i + j];
      }
    }
    return new Segment(i, period, reps, da, db, body);
  }

  /** How many times the pattern of period nodes at slot i repeats with constant strides before to. */
  private static int repeats(Program p, int i, int period, int to) {
    if (i + 2 * period > to) return 1;
    for (int j = 0; j < period; j++) {
      if (opCode(p, i + j) != opCode(p, i + period + j)) return 1;
    }
    int reps = 2;
    while (i + (reps + 1) * period <= to) {
      int base = i + reps * period;
      for (int j = 0; j < period; j++) {
        int s = base + j, r = s - period, q = r - period;
        if (opCode(p, s) != opCode(p, r)
            || a(p, s) - a(p, r) != a(p, r) - a(p, q)
            || p.second[s] - p.second[r] != p.second[r] - p.second[q]) {
          return reps;
        }
      }
      reps++;
    }
    return reps;
  }

  private static int opCode(Program p, int s) {
    return p.code[s] >>> Program.SHIFT;
  }

  private static int a(Program p, int s) {
    return p.code[s] & Program.MASK;
  }

  // ------------------------------------------------------------------------ writing bytecode

  /** The three sweeps: their method names, descriptors and local variable layout. */
  enum Pass {
    FORWARD("forward", "([D[I)V", 1, 2),
    REVERSE("reverse", "([D[D[I)V", 2, 3),
    TANGENT("tangents", "([D[D[I)V", 2, 3);

    final String method, descriptor;
    /** Local of the args array and of the loop counter (the static chunks' numbering). */
    final int args, counter;

    Pass(String method, String descriptor, int args, int counter) {
      this.method = method;
      this.descriptor = descriptor;
      this.args = args;
      this.counter = counter;
    }
  }

  // locals of a static chunk: val = 0, adj or tan = 1 (reverse, tangent), args, counter, then doubles
  private static final int VAL = 0, OTHER = 1;
  private static final int G = 4, AV = 6, BV = 8, YV = 10;

  /** Writes one sweep: static chunk methods over the segments and the sweep method calling them. */
  private static String sweep(ClassWriter cw, String owner, Program p, List<Segment> segments, Pass sweep, int limit) {
    final int[] uses = uses(p), last = lastUses(p);
    List<List<Segment>> chunks = new ArrayList<>();
    List<Segment> current = new ArrayList<>();
    int bytes = 0;
    for (Segment s : segments) {
      int cost = s.cost(sweep);
      if (bytes + cost > CHUNK && !current.isEmpty()) {
        chunks.add(current);
        current = new ArrayList<>();
        bytes = 0;
      }
      current.add(s);
      bytes += cost;
    }
    if (!current.isEmpty()) chunks.add(current);
    if (chunks.size() > limit) {
      return "too large: the " + sweep.method + " sweep needs " + chunks.size() + " generated methods, more than " + limit;
    }
    if (sweep == Pass.REVERSE) java.util.Collections.reverse(chunks);
    for (int c = 0; c < chunks.size(); c++) {
      MethodVisitor mv = cw.visitMethod(ACC_PRIVATE | ACC_STATIC, sweep.method + c, sweep.descriptor, null, null);
      mv.visitCode();
      List<Segment> chunk = chunks.get(c);
      if (sweep == Pass.REVERSE) {
        for (int k = chunk.size() - 1; k >= 0; k--) segment(mv, p, uses, last, chunk.get(k), sweep, null);
      } else {
        for (Segment s : chunk) segment(mv, p, uses, last, s, sweep, null);
      }
      mv.visitInsn(RETURN);
      mv.visitMaxs(0, 0);
      mv.visitEnd();
    }
    MethodVisitor mv = cw.visitMethod(0, sweep.method, sweep.descriptor, null, null);
    mv.visitCode();
    int params = sweep == Pass.FORWARD ? 2 : 3;
    for (int c = 0; c < chunks.size(); c++) {
      for (int q = 1; q <= params; q++) mv.visitVarInsn(ALOAD, q);
      mv.visitMethodInsn(INVOKESTATIC, owner, sweep.method + c, sweep.descriptor, false);
    }
    mv.visitInsn(RETURN);
    mv.visitMaxs(0, 0);
    mv.visitEnd();
    return null;
  }

  /**
   * One segment: a loop over its repetitions (reversed in the reverse sweep), an outer loop around
   * its segments, or a single node; inside an outer loop o (else null).
   */
  private static void segment(MethodVisitor mv, Program p, int[] uses, int[] last, Segment s, Pass sweep, Segment o) {
    boolean down = sweep == Pass.REVERSE;
    if (s.body != null) {
      Label end = new Label(), test = head(mv, OUTER_COUNTER, s.reps, down, end);
      for (int q = 0; q < s.body.size(); q++) segment(mv, p, uses, last, s.body.get(down ? s.body.size() - 1 - q : q), sweep, s);
      tail(mv, OUTER_COUNTER, down, test, end);
      return;
    }
    if (s.reps == 1) {
      node(mv, p, last, s, null, 0, sweep, o);
      return;
    }
    Loop loop = new Loop(p, uses, s, sweep, o);
    loop.enter(mv, last);
    Label end = new Label(), test = head(mv, sweep.counter, s.reps, down, end);
    for (int jj = 0; jj < s.period; jj++) {
      int j = down ? s.period - 1 - jj : jj;
      node(mv, p, last, s, loop, j, sweep, o);
    }
    tail(mv, sweep.counter, down, test, end);
    loop.leave(mv);
  }

  /** A loop's head: counter from 0 up to reps - 1 (or down from reps - 1 to 0), leaving for end; returns the test's label. */
  private static Label head(MethodVisitor mv, int counter, int reps, boolean down, Label end) {
    Label test = new Label();
    push(mv, down ? reps - 1 : 0);
    mv.visitVarInsn(ISTORE, counter);
    mv.visitLabel(test);
    mv.visitVarInsn(ILOAD, counter);
    if (down) {
      mv.visitJumpInsn(IFLT, end);
    } else {
      push(mv, reps);
      mv.visitJumpInsn(IF_ICMPGE, end);
    }
    return test;
  }

  /** A loop's tail: the counter's step and the jump back to the test. */
  private static void tail(MethodVisitor mv, int counter, boolean down, Label test, Label end) {
    mv.visitIincInsn(counter, down ? -1 : 1);
    mv.visitJumpInsn(GOTO, test);
    mv.visitLabel(end);
  }

  /** Locals where a loop keeps its nodes' values (forward) or adjoints (reverse): node j's at LOCALS + 2j. */
  private static final int LOCALS = 12;
  /** The local of a loop's sliding adjoint (see {@link Loop#slide}). */
  private static final int SLIDE = LOCALS + 2 * PERIOD;
  /** The local of an outer loop's counter. */
  private static final int OUTER_COUNTER = SLIDE + 2;

  /**
   * What a loop keeps in locals rather than in the tape's arrays, and so off the store-to-load
   * path from one repetition to the next. Forward: every node's value, read back by later nodes of
   * the same repetition and by nodes of the next one. Reverse: the adjoint of a node whose only
   * use is one operand of one node of the loop (same or next repetition) is carried in a local from
   * that use to the node; the array would hold 0 + that share, and so does the local as read
   * (an adjoint is never -0, so 0 + x is x bitwise).
   */
  private static final class Loop {
    final Segment s;
    final Pass sweep;
    /** Forward: node j's value is read from its local by the next repetition (set before the loop). */
    final boolean[] previous;
    /** Reverse: node j's adjoint is in its local; from the next repetition (fromNext) or this one. */
    final boolean[] carried, fromNext;
    /**
     * Reverse: node j's carried share is ȳ of its one user exactly (the user adds, or subtracts with
     * j on the left), so it is never -0 and 0 + share is share bitwise: the local is read as it is,
     * which takes an addition off the chain from one repetition to the next (a sum's running total).
     */
    final boolean[] exact;
    /**
     * Reverse: the node (or -1) whose two operands walk one slot sequence a stride apart, as
     * xᵢ and xᵢ₊₁ of a product of neighbours do: its operand {@code over} at repetition k - 1 is the
     * slot its other operand ({@code first}) reads at repetition k, and nothing else of the loop
     * touches that sequence. That slot's adjoint goes through a local (SLIDE) from the first
     * addition to the second: read from the array and added to at repetition k, added to and
     * written at k - 1, the same two additions in the same order as in the array.
     */
    final int slide;
    final int over, first;

    /** Node j's operand slots at repetition 0. */
    int p0(int j) {
      return p.code[s.start + j] & Program.MASK;
    }

    int p1(int j) {
      return p.second[s.start + j];
    }

    private final Program p;
    /** The outer loop this loop runs in, or null. */
    final Segment o;

    Loop(Program p, int[] uses, Segment s, Pass sweep, Segment o) {
      this.p = p;
      this.o = o;
      this.s = s;
      this.sweep = sweep;
      int n = s.period;
      previous = new boolean[n];
      carried = new boolean[n];
      fromNext = new boolean[n];
      exact = new boolean[n];
      for (int j = 0; j < n; j++) {
        int slot = s.start + j;
        Op op = Program.op(p.code[slot]);
        if (op.nary) continue;
        for (int side = 0; side < op.arity; side++) {
          int r = relative(side == 0 ? new Index(p.code[slot] & Program.MASK, s.da[j], 0, outerStride(o, slot, 0))
              : new Index(p.second[slot], s.db[j], 0, outerStride(o, slot, 1)));
          if (r == NONE) continue;
          boolean bare = op == Op.ADD || (op == Op.SUB && side == 0);
          if (r < 0 && r + n >= j) {
            previous[r + n] = true;
            if (single(p, uses, s.start + r, s.reps)) {
              carried[r + n] = fromNext[r + n] = true;
              exact[r + n] = bare;
            }
          } else if (r >= 0 && single(p, uses, s.start + r, s.reps)) {
            carried[r] = true;
            exact[r] = bare;
          }
        }
      }
      int found = -1, x = 0, y = 0;
      if (sweep == Pass.REVERSE && o == null) {
        for (int j = 0; j < n && found < 0; j++) {
          Op op = Program.op(p.code[s.start + j]);
          if (op.nary || op.arity != 2 || s.da[j] != s.db[j] || s.da[j] == 0) continue;
          int a = p.code[s.start + j] & Program.MASK, b = p.second[s.start + j], d = s.da[j];
          if (b == a + d) {
            x = 1;
            y = 0;
          } else if (a == b + d) {
            x = 0;
            y = 1;
          } else {
            continue;
          }
          if (alone(p, s, j, y == 0 ? a : b, d)) found = j;
        }
      }
      slide = found;
      over = x;
      first = y;
    }

    /**
     * Whether the slots base + k·d (k = 0..reps) are touched by no other operand of the loop, are
     * none of the loop's nodes (nor op nodes of the repetition before it, where {@link #leave} adds
     * carried shares; inputs and constants there are free) and the loop has no n-ary node (whose
     * rule adds to its operands' adjoints itself).
     */
    private static boolean alone(Program p, Segment s, int node, int base, int d) {
      long lo = Math.min(base, base + (long) s.reps * d), hi = Math.max(base, base + (long) s.reps * d);
      if (hi >= Math.max(s.start - s.period, p.first) && lo < s.start + (long) s.reps * s.period) return false;
      for (int j = 0; j < s.period; j++) {
        int slot = s.start + j, c = p.code[slot];
        Op op = Program.op(c);
        if (op.nary) return false;
        if (j == node) continue;
        for (int side = 0; side < op.arity; side++) {
          long b = side == 0 ? c & Program.MASK : p.second[slot], st = side == 0 ? s.da[j] : s.db[j];
          long rlo = Math.min(b, b + (s.reps - 1) * st), rhi = Math.max(b, b + (s.reps - 1) * st);
          if (rhi >= lo && rlo <= hi) return false;
        }
      }
      return true;
    }

    /** Whether slots from, from + period, ... (count of them, in every outer repetition) are op nodes used once each. */
    private boolean single(Program p, int[] uses, int from, int count) {
      for (int q = 0; q < (o == null ? 1 : o.reps); q++) {
        for (int k = 0; k < count; k++) {
          int slot = from + k * s.period + (o == null ? 0 : q * o.period);
          if (slot < p.first || uses[slot] != 1) return false;
        }
      }
      return true;
    }

    /** The outer stride of a slot this loop reads at the same place in every outer repetition. */
    int outer() {
      return o == null ? 0 : o.period;
    }

    /** Node j' - period (previous repetition) or j' (this one) that index i reads, or NONE. */
    int relative(Index i) {
      if (i.stride != s.period || i.ostride != outer()) return NONE;
      int r = i.base - s.start;
      return r >= -s.period && r < s.period ? r : NONE;
    }

    /** Before the loop: the locals the first repetition reads. */
    void enter(MethodVisitor mv, int[] last) {
      if (slide >= 0) { // the adjoint the last repetition's 'over' operand adds to: 0 if that is its first share
        if (overFresh(last)) mv.visitInsn(DCONST_0);
        else load(mv, OTHER, new Index(lastOver(), 0, 0));
        mv.visitVarInsn(DSTORE, SLIDE);
      }
      for (int j = 0; j < s.period; j++) {
        if (sweep == Pass.FORWARD && previous[j]) load(mv, VAL, new Index(s.start - s.period + j, 0, 0, outer()));
        else if (sweep == Pass.REVERSE && fromNext[j]) load(mv, OTHER, new Index(s.start + (s.reps - 1) * s.period + j, 0, 0, outer()));
        else continue;
        mv.visitVarInsn(DSTORE, LOCALS + 2 * j);
      }
    }

    /** The slot the sliding node's 'over' operand reads at the last repetition. */
    int lastOver() {
      return (over == 0 ? p0(slide) : p1(slide)) + (s.reps - 1) * s.da[slide];
    }

    /** Whether the sliding node at the last repetition is that slot's last reader (see {@link #fresh}). */
    boolean overFresh(int[] last) {
      return last[lastOver()] == s.start + slide + (s.reps - 1) * s.period;
    }

    /** After the reverse loop: the shares carried for the nodes before it go to the array. */
    void leave(MethodVisitor mv) {
      if (sweep != Pass.REVERSE) return;
      if (slide >= 0) { // repetition 0's 'first' operand: its adjoint as added to
        mv.visitVarInsn(ALOAD, OTHER);
        push(mv, first == 0 ? p0(slide) : p1(slide));
        mv.visitVarInsn(DLOAD, SLIDE);
        mv.visitInsn(DASTORE);
      }
      for (int j = 0; j < s.period; j++) {
        if (!fromNext[j]) continue;
        mv.visitVarInsn(ALOAD, OTHER);
        new Index(s.start - s.period + j, 0, 0, outer()).push(mv);
        mv.visitInsn(DUP2);
        mv.visitInsn(DALOAD);
        mv.visitVarInsn(DLOAD, LOCALS + 2 * j);
        mv.visitInsn(DADD);
        mv.visitInsn(DASTORE);
      }
    }
  }

  private static final int NONE = Integer.MIN_VALUE;

  /** What operand side of slot moves by per repetition of the outer loop o (0 outside one). */
  private static int outerStride(Segment o, int slot, int side) {
    return o == null ? 0 : side == 0 ? o.da[slot - o.start] : o.db[slot - o.start];
  }

  /** How many times each slot is a differentiable operand (every n-ary operand counts). */
  static int[] uses(Program p) {
    int[] uses = new int[p.size];
    for (int s = p.first; s < p.size; s++) {
      Op op = Program.op(p.code[s]);
      int a = p.code[s] & Program.MASK;
      if (op.nary) continue;
      if (op.arity >= 1) uses[a]++;
      if (op.arity == 2) uses[p.second[s]]++;
    }
    for (int k = 0; k < p.args.length; k++) uses[p.args[k]]++;
    return uses;
  }

  /**
   * Per slot, the last op slot of output 0's reverse sweep ([first, end0)) that reads it as a
   * differentiable operand (n-ary operands included), or -1 if none; {@link Integer#MAX_VALUE} for
   * output 0, whose adjoint the sweep starts from (the seed). The reverse sweep visits that last
   * reader first: the share it adds is the first the slot's adjoint gets.
   */
  static int[] lastUses(Program p) {
    int[] last = new int[p.size];
    Arrays.fill(last, -1);
    for (int s = p.first; s < p.end0; s++) {
      Op op = Program.op(p.code[s]);
      int a = p.code[s] & Program.MASK;
      if (op.nary) {
        for (int k = a; k < a + Rules.naryOperands(op, p.second[s]); k++) last[p.args[k]] = s;
        continue;
      }
      if (op.arity >= 1) last[a] = s;
      if (op.arity == 2) last[p.second[s]] = s;
    }
    if (p.outputs.length > 0) last[p.outputs[0]] = Integer.MAX_VALUE;
    return last;
  }

  /**
   * Whether the share node j of segment seg adds to its operand side's adjoint is, at every
   * repetition (and every repetition of the outer loop o, or null), the first that adjoint gets in
   * the reverse sweep: the node is the operand's last reader ({@link #lastUses}) and its other
   * operand is another slot. The generated code then stores 0 + share, what the cleared array
   * would hold after the addition, and never reads the slot first, which so needs no zeros.
   */
  static boolean fresh(Program p, int[] last, Segment seg, int j, int side, Segment o) {
    final int y0 = seg.start + j, c = p.code[y0];
    final Op op = Program.op(c);
    if (op.nary || side >= op.arity) return false;
    final int a0 = c & Program.MASK, b0 = p.second[y0];
    final int t0 = side == 0 ? a0 : b0, u0 = side == 0 ? b0 : a0;
    final int dt = side == 0 ? seg.da[j] : seg.db[j], du = side == 0 ? seg.db[j] : seg.da[j];
    final int ot = outerStride(o, y0, side), ou = outerStride(o, y0, 1 - side);
    for (int q = 0; q < (o == null ? 1 : o.reps); q++) {
      for (int k = 0; k < seg.reps; k++) {
        int t = t0 + k * dt + q * ot;
        if (last[t] != y0 + k * seg.period + (o == null ? 0 : q * o.period)) return false;
        if (op.arity == 2 && u0 + k * du + q * ou == t) return false;
      }
    }
    return true;
  }

  /**
   * One node's rule in the given sweep: node j of segment seg, alone (loop null) or in a loop at
   * repetition 0, its own slot moving by the period and its operands by their strides; last as
   * {@link #lastUses} (reverse sweep).
   */
  private static void node(MethodVisitor mv, Program p, int[] last, Segment seg, Loop loop, int j, Pass sweep, Segment o) {
    final int s = seg.start + j;
    final Op op = Program.op(p.code[s]);
    final int a = p.code[s] & Program.MASK, b = p.second[s];
    final Index y = new Index(s, loop == null ? 0 : loop.s.period, sweep.counter, o == null ? 0 : o.period);
    final Index ia = new Index(a, loop == null ? 0 : loop.s.da[j], sweep.counter, outerStride(o, s, 0));
    final Index ib = new Index(b, loop == null ? 0 : loop.s.db[j], sweep.counter, outerStride(o, s, 1));
    final String opDesc = "Ldev/adjoint/Op;";
    switch (sweep) {
      case FORWARD:
        mv.visitVarInsn(ALOAD, VAL);
        y.push(mv);
        if (op.nary) {
          naryOperands(mv, op, sweep, ia, ib);
          mv.visitMethodInsn(INVOKESTATIC, "dev/adjoint/SlotRules", "forward", "(" + opDesc + "[III[D)D", false);
        } else if (Direct.of(op) != null) {
          value(mv, loop, j, ia);
          if (Direct.of(op).readsB(op)) value(mv, loop, j, ib);
          Direct.of(op).forward(mv);
        } else {
          constant(mv, op);
          value(mv, loop, j, ia);
          value(mv, loop, j, ib);
          mv.visitMethodInsn(INVOKESTATIC, "dev/adjoint/Rules", "forward", "(" + opDesc + "DD)D", false);
        }
        if (loop != null) {
          mv.visitInsn(DUP2_X2);
          mv.visitInsn(DASTORE);
          mv.visitVarInsn(DSTORE, LOCALS + 2 * j);
        } else {
          mv.visitInsn(DASTORE);
        }
        return;
      case TANGENT:
        mv.visitVarInsn(ALOAD, OTHER);
        y.push(mv);
        constant(mv, op);
        if (op.nary) {
          naryOperands(mv, null, sweep, ia, ib);
          mv.visitVarInsn(ALOAD, OTHER);
          load(mv, VAL, y);
          mv.visitMethodInsn(INVOKESTATIC, "dev/adjoint/SlotRules", "tangent", "(" + opDesc + "[III[D[DD)D", false);
        } else {
          load(mv, VAL, ia);
          load(mv, VAL, ib);
          load(mv, VAL, y);
          load(mv, OTHER, ia);
          if (op.arity == 2) load(mv, OTHER, ib);
          else mv.visitInsn(DCONST_0);
          mv.visitMethodInsn(INVOKESTATIC, "dev/adjoint/Rules", "tangent", "(" + opDesc + "DDDDD)D", false);
        }
        mv.visitInsn(DASTORE);
        return;
      default:
        if (op.nary) {
          naryOperands(mv, op, sweep, ia, ib);
          mv.visitVarInsn(ALOAD, OTHER);
          adjoint(mv, loop, j, y);
          load(mv, VAL, y);
          mv.visitMethodInsn(INVOKESTATIC, "dev/adjoint/SlotRules", "adjoint", "(" + opDesc + "[III[D[DDD)V", false);
          return;
        }
        Direct d = Direct.of(op);
        adjoint(mv, loop, j, y);
        mv.visitVarInsn(DSTORE, G);
        if (d == null || d.operands) {
          load(mv, VAL, ia);
          mv.visitVarInsn(DSTORE, AV);
          load(mv, VAL, ib);
          mv.visitVarInsn(DSTORE, BV);
        }
        if (d == null || d == Direct.EXP) {
          load(mv, VAL, y);
          mv.visitVarInsn(DSTORE, YV);
        }
        boolean sliding = loop != null && loop.slide == j;
        for (int q = 0; q < op.arity; q++) {
          // a sliding node adds to its 'over' operand first (it reads the local before 'first' sets it);
          // the two operands are different slots, so the order of these additions changes no bits
          int side = sliding ? (q == 0 ? loop.over : loop.first) : q;
          Index target = side == 0 ? ia : ib;
          if (sliding) {
            if (side == loop.over) {
              mv.visitVarInsn(ALOAD, OTHER);
              target.push(mv);
              mv.visitVarInsn(DLOAD, SLIDE);
            } else if (fresh(p, last, seg, j, side, o)) {
              mv.visitInsn(DCONST_0);
            } else {
              load(mv, OTHER, target);
            }
            if (d != null) d.adjoint(mv, side);
            else rule(mv, op, side);
            mv.visitInsn(DADD);
            if (side == loop.over) mv.visitInsn(DASTORE);
            else mv.visitVarInsn(DSTORE, SLIDE);
            continue;
          }
          int carry = carry(loop, target);
          if (carry == NONE) {
            mv.visitVarInsn(ALOAD, OTHER);
            target.push(mv);
            if (fresh(p, last, seg, j, side, o)) {
              mv.visitInsn(DCONST_0); // the first share this adjoint gets: 0 + share, as the cleared array would give
            } else {
              mv.visitInsn(DUP2);
              mv.visitInsn(DALOAD);
            }
          }
          if (d != null) d.adjoint(mv, side);
          else rule(mv, op, side);
          if (carry == NONE) {
            mv.visitInsn(DADD);
            mv.visitInsn(DASTORE);
          } else {
            mv.visitVarInsn(DSTORE, LOCALS + 2 * carry);
          }
        }
    }
  }

  /** Pushes what ȳ (local G) adds to operand side's adjoint, by the rule table. */
  private static void rule(MethodVisitor mv, Op op, int side) {
    constant(mv, op);
    mv.visitVarInsn(DLOAD, AV);
    mv.visitVarInsn(DLOAD, BV);
    mv.visitVarInsn(DLOAD, YV);
    mv.visitVarInsn(DLOAD, G);
    mv.visitMethodInsn(INVOKESTATIC, "dev/adjoint/Rules", side == 0 ? "adjointA" : "adjointB", "(Ldev/adjoint/Op;DDDD)D", false);
  }

  /** Pushes the value operand i reads in the forward sweep: from a loop's local where it holds it. */
  private static void value(MethodVisitor mv, Loop loop, int j, Index i) {
    int r = loop == null ? NONE : loop.relative(i);
    if (r != NONE && r >= 0 && r < j) {
      mv.visitVarInsn(DLOAD, LOCALS + 2 * r);
    } else if (r != NONE && r < 0 && r + loop.s.period >= j) {
      mv.visitVarInsn(DLOAD, LOCALS + 2 * (r + loop.s.period));
    } else {
      load(mv, VAL, i);
    }
  }

  /**
   * Pushes node j's adjoint in the reverse sweep: its carried share as it is where that is exact,
   * else 0 + its carried share (as the array would hold it), or from the array. An adjoint in the
   * array is never -0 (it starts at +0 or the seed 1 and only ever has shares added to it), and
   * neither is ȳ read from a local that way, which is what an exact share is.
   */
  private static void adjoint(MethodVisitor mv, Loop loop, int j, Index y) {
    if (loop != null && loop.carried[j] && loop.exact[j]) {
      mv.visitVarInsn(DLOAD, LOCALS + 2 * j);
    } else if (loop != null && loop.carried[j]) {
      mv.visitInsn(DCONST_0);
      mv.visitVarInsn(DLOAD, LOCALS + 2 * j);
      mv.visitInsn(DADD);
    } else {
      load(mv, OTHER, y);
    }
  }

  /** The loop node whose adjoint a share for operand i is carried to, or NONE (it goes to the array). */
  private static int carry(Loop loop, Index i) {
    int r = loop == null ? NONE : loop.relative(i);
    if (r == NONE) return NONE;
    if (r >= 0) return loop.carried[r] && !loop.fromNext[r] ? r : NONE;
    return loop.fromNext[r + loop.s.period] ? r + loop.s.period : NONE;
  }

  /**
   * The ops whose rules are written out, exactly as {@link Rules} writes them: y = a ∘ b;
   * ā += ȳ·∂y/∂a and b̄ += ȳ·∂y/∂b in the same floating-point operations.
   */
  enum Direct {
    ADD(DADD, false),
    SUB(DSUB, false),
    MUL(DMUL, true),
    DIV(DDIV, true),
    NEG(DNEG, false),
    /** e^a (Math.exp, as Rules.forward); ā += ȳ·y. */
    EXP(0, false),
    /** Rules.pow(a, p) for the constant p in b; ā += p == 0 ? 0 : ȳ·(p·pow(a, p - 1)). */
    POWC(0, true);

    /** The instruction of the forward rule (0: a call, see {@link #forward}). */
    final int instruction;
    /** Whether the adjoint reads the operands' values (else only ȳ, and y for EXP). */
    final boolean operands;

    Direct(int instruction, boolean operands) {
      this.instruction = instruction;
      this.operands = operands;
    }

    static Direct of(Op op) {
      return switch (op) {
        case ADD -> ADD;
        case SUB -> SUB;
        case MUL -> MUL;
        case DIV -> DIV;
        case NEG -> NEG;
        case EXP -> EXP;
        case POWC -> POWC;
        default -> null;
      };
    }

    /** Whether the forward rule reads operand b (the binary ops, and POWC's constant). */
    boolean readsB(Op op) {
      return op.arity == 2 || this == POWC;
    }

    /** The forward rule on the operands pushed. */
    void forward(MethodVisitor mv) {
      switch (this) {
        case EXP -> mv.visitMethodInsn(INVOKESTATIC, "java/lang/Math", "exp", "(D)D", false);
        case POWC -> mv.visitMethodInsn(INVOKESTATIC, "dev/adjoint/Rules", "pow", "(DD)D", false);
        default -> mv.visitInsn(instruction);
      }
    }

    /** Pushes what ȳ (local G) adds to operand side's adjoint, as Rules.adjointA / adjointB compute it. */
    void adjoint(MethodVisitor mv, int side) {
      switch (this) {
        case ADD -> mv.visitVarInsn(DLOAD, G); // g, g
        case SUB -> { // g, -g
          mv.visitVarInsn(DLOAD, G);
          if (side == 1) mv.visitInsn(DNEG);
        }
        case MUL -> { // g * b, g * a
          mv.visitVarInsn(DLOAD, G);
          mv.visitVarInsn(DLOAD, side == 0 ? BV : AV);
          mv.visitInsn(DMUL);
        }
        case DIV -> {
          if (side == 0) { // g / b
            mv.visitVarInsn(DLOAD, G);
            mv.visitVarInsn(DLOAD, BV);
            mv.visitInsn(DDIV);
          } else { // -g * (a / b / b)
            mv.visitVarInsn(DLOAD, G);
            mv.visitInsn(DNEG);
            mv.visitVarInsn(DLOAD, AV);
            mv.visitVarInsn(DLOAD, BV);
            mv.visitInsn(DDIV);
            mv.visitVarInsn(DLOAD, BV);
            mv.visitInsn(DDIV);
            mv.visitInsn(DMUL);
          }
        }
        case NEG -> { // -g
          mv.visitVarInsn(DLOAD, G);
          mv.visitInsn(DNEG);
        }
        case EXP -> { // g * y
          mv.visitVarInsn(DLOAD, G);
          mv.visitVarInsn(DLOAD, YV);
          mv.visitInsn(DMUL);
        }
        case POWC -> { // b == 0.0 ? 0.0 : g * (b * pow(a, b - 1.0))
          Label general = new Label(), done = new Label();
          mv.visitVarInsn(DLOAD, BV);
          mv.visitInsn(DCONST_0);
          mv.visitInsn(DCMPL);
          mv.visitJumpInsn(IFNE, general);
          mv.visitInsn(DCONST_0);
          mv.visitJumpInsn(GOTO, done);
          mv.visitLabel(general);
          mv.visitVarInsn(DLOAD, G);
          mv.visitVarInsn(DLOAD, BV);
          mv.visitVarInsn(DLOAD, AV);
          mv.visitVarInsn(DLOAD, BV);
          mv.visitInsn(DCONST_1);
          mv.visitInsn(DSUB);
          mv.visitMethodInsn(INVOKESTATIC, "dev/adjoint/Rules", "pow", "(DD)D", false);
          mv.visitInsn(DMUL);
          mv.visitInsn(DMUL);
          mv.visitLabel(done);
        }
      }
    }
  }

  /** A slot index, base + counter·stride inside a loop (stride 0: a constant). */
  private static final class Index {
    /** Inside an outer loop, ostride is what its counter (OUTER_COUNTER) adds per repetition. */
    final int base, stride, counter, ostride;

    Index(int base, int stride, int counter) {
      this(base, stride, counter, 0);
    }

    Index(int base, int stride, int counter, int ostride) {
      this.base = base;
      this.stride = stride;
      this.counter = counter;
      this.ostride = ostride;
    }

    void push(MethodVisitor mv) {
      if (stride == 0 && ostride == 0) {
        Compiler.push(mv, base);
        return;
      }
      boolean first = true;
      if (stride != 0) {
        term(mv, counter, stride);
        first = false;
      }
      if (ostride != 0) {
        term(mv, OUTER_COUNTER, ostride);
        if (!first) mv.visitInsn(IADD);
      }
      if (base != 0) {
        Compiler.push(mv, base);
        mv.visitInsn(IADD);
      }
    }

    private static void term(MethodVisitor mv, int counter, int stride) {
      mv.visitVarInsn(ILOAD, counter);
      if (stride != 1) {
        Compiler.push(mv, stride);
        mv.visitInsn(IMUL);
      }
    }
  }

  /** Pushes an n-ary rule's leading arguments: the op (unless pushed already), args, start, count, val. */
  private static void naryOperands(MethodVisitor mv, Op op, Pass sweep, Index ia, Index ib) {
    if (op != null) constant(mv, op);
    mv.visitVarInsn(ALOAD, sweep.args);
    ia.push(mv);
    ib.push(mv);
    mv.visitVarInsn(ALOAD, VAL);
  }

  private static void load(MethodVisitor mv, int array, Index i) {
    mv.visitVarInsn(ALOAD, array);
    i.push(mv);
    mv.visitInsn(DALOAD);
  }

  private static void constant(MethodVisitor mv, Op op) {
    mv.visitFieldInsn(GETSTATIC, "dev/adjoint/Op", op.name(), "Ldev/adjoint/Op;");
  }

  private static void push(MethodVisitor mv, int v) {
    if (v >= -1 && v <= 5) mv.visitInsn(ICONST_0 + v);
    else if (v >= Byte.MIN_VALUE && v <= Byte.MAX_VALUE) mv.visitIntInsn(BIPUSH, v);
    else if (v >= Short.MIN_VALUE && v <= Short.MAX_VALUE) mv.visitIntInsn(SIPUSH, v);
    else mv.visitLdcInsn(v);
  }

  // ------------------------------------------------------------------------ the cache key

  /** A program's shape: everything the generated code depends on (not the constants' values). */
  private static final class Shape {
    final int first, size, end0, hash;
    final int[] code, second, args;

    Shape(Program p) {
      first = p.first;
      size = p.size;
      end0 = p.end0;
      code = p.code;
      second = p.second;
      args = p.args;
      hash = 31 * (31 * (31 * (31 * first + size) + end0) + Arrays.hashCode(code)) + 31 * Arrays.hashCode(second) + Arrays.hashCode(args);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Shape s && s.hash == hash && s.first == first && s.size == size && s.end0 == end0
          && Arrays.equals(s.code, code) && Arrays.equals(s.second, second) && Arrays.equals(s.args, args);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }
}
