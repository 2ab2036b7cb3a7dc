package dev.adjoint;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Opt-in anomaly detection, scoped to the current thread: while it is on, the first node whose
 * value (when it is made) or gradient (during {@link Value#backward()}) becomes NaN or infinite
 * throws an {@link AnomalyException} naming the op, its input values and the source line where the
 * node was made. Replays check too: {@link Tape}'s value, gradient, backward, jvp and hvp (values,
 * tangents, gradients and their tangents), compiled tapes and {@link Derivatives} name the op, its
 * operands' values, where its node was made (when the graph was built with detection on) and where
 * the tape was recorded; {@link BatchTape} names the row node, the row and its operands' values
 * there. A failed backward or replay changes no gradient.
 *
 * <pre>{@code
 * Value y = Anomaly.detect(() -> x.log().times(w));   // checks the forward pass
 * Anomaly.run(y::backward);                           // checks the backward pass
 * try (Anomaly.Scope s = Anomaly.enable()) { ... }    // or as a scope
 * }</pre>
 *
 * <p>Off by default and free when off: no creation site is captured and the only cost per node is
 * reading one static counter (per replay, for a tape). While on, each node's creation site is remembered weakly (it never
 * keeps a graph alive). Scopes nest and belong to the thread that opened them; other threads are
 * unaffected.
 */
public final class Anomaly {
  private Anomaly() {}

  /** How many scopes are open on all threads; read (one volatile load) on every node creation. */
  private static final AtomicInteger OPEN = new AtomicInteger();
  private static final ThreadLocal<Scope> CURRENT = new ThreadLocal<>();

  /** Runs body with anomaly detection on for this thread and returns its result. */
  public static <T> T detect(Supplier<T> body) {
    try (Scope s = enable()) {
      return body.get();
    }
  }

  /** Runs body with anomaly detection on for this thread. */
  public static void run(Runnable body) {
    try (Scope s = enable()) {
      body.run();
    }
  }

  /** Turns anomaly detection on for this thread until the returned scope is closed. */
  public static Scope enable() {
    Scope outer = CURRENT.get();
    Scope s = new Scope(outer, outer == null ? new WeakHashMap<>() : outer.sites);
    CURRENT.set(s);
    OPEN.incrementAndGet();
    return s;
  }

  /** Whether a scope is open on any thread: the cheap test made before looking at this thread's. */
  static boolean anyOpen() {
    return OPEN.get() != 0;
  }

  /** Whether anomaly detection is on for the current thread. */
  public static boolean isEnabled() {
    return CURRENT.get() != null;
  }

  /** An open anomaly-detection scope of one thread; closing it restores the enclosing state. */
  public static final class Scope implements AutoCloseable {
    private final Scope outer;
    private final Map<Value, StackTraceElement> sites;
    private final Thread owner = Thread.currentThread();
    private boolean closed;

    private Scope(Scope outer, Map<Value, StackTraceElement> sites) {
      this.outer = outer;
      this.sites = sites;
    }

    /**
     * Ends this scope.
     *
     * @throws IllegalStateException if called from another thread than the one that opened it, or
     *     while a scope opened inside it is still open
     */
    @Override
    public void close() {
      if (closed) return;
      if (Thread.currentThread() != owner) {
        throw new IllegalStateException("Anomaly.Scope: closed on " + Thread.currentThread().getName()
            + " but opened on " + owner.getName());
      }
      if (CURRENT.get() != this) {
        throw new IllegalStateException("Anomaly.Scope: closed while an inner scope is still open");
      }
      closed = true;
      if (outer == null) CURRENT.remove(); else CURRENT.set(outer);
      OPEN.decrementAndGet();
    }
  }

  /** Called for every new op node while some scope is open on some thread. */
  static void created(Value v) {
    Scope s = CURRENT.get();
    if (s == null) return;
    StackTraceElement site = callerOutsideLibrary();
    s.sites.put(v, site);
    if (!Double.isFinite(v.data)) {
      throw new AnomalyException(v.op(), inputData(v), site,
          describe(v) + " produced " + v.data + " from inputs " + inputText(v)
              + ", created at " + where(site));
    }
  }

  /** Where v was made, if this thread's detection scope saw it made; else null. */
  static StackTraceElement siteOf(Value v) {
    Scope s = CURRENT.get();
    return s == null ? null : s.sites.get(v);
  }

  /** After v's adjoint rule ran: throws if it made an input's gradient NaN or infinite. */
  static void checkGradients(Value v, double g, Sweep.Order o, double[] adj) {
    final int n = v.arity();
    for (int k = 0; k < n; k++) {
      Value in = v.input(k);
      double gin = adj[o.slot(in)];
      if (!Double.isFinite(gin)) {
        Scope s = CURRENT.get();
        StackTraceElement site = s == null ? null : s.sites.get(v);
        throw new AnomalyException(v.op(), inputData(v), site,
            "backward: " + describe(v) + " with inputs " + inputText(v) + " and output gradient "
                + g + " produced gradient " + gin + " for input " + k
                + ", created at " + where(site));
      }
    }
  }


  private static String describe(Value v) {
    return "op '" + v.op() + "'";
  }

  /** The inputs' values, each named leaf as {@code name=value}: {@code [a=2.0, -3.0]}. */
  private static String inputText(Value v) {
    StringBuilder out = new StringBuilder("[");
    List<Value> inputs = v.inputs();
    for (int k = 0; k < inputs.size(); k++) {
      Value in = inputs.get(k);
      if (k > 0) out.append(", ");
      if (in.name() != null) out.append(in.name()).append('=');
      out.append(in.data);
    }
    return out.append(']').toString();
  }

  private static List<Double> inputData(Value v) {
    List<Double> xs = new ArrayList<>(v.arity());
    for (Value in : v.inputs()) xs.add(in.data);
    return xs;
  }

  private static String where(StackTraceElement site) {
    return site == null ? "an unknown place (made before anomaly detection was on)" : site.toString();
  }

  /** The first stack frame outside Adjoint's own library code: where the user made the node. */
  static StackTraceElement callerOutsideLibrary() {
    return StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE)
        .walk(frames -> frames.filter(f -> !isLibrary(f.getDeclaringClass()))
            .findFirst()
            .map(StackWalker.StackFrame::toStackTraceElement)
            .orElse(null));
  }

  /**
   * {@link #callerOutsideLibrary()} for a recording (once per tape), read from a throwable's stack
   * trace instead of a {@link StackWalker}: the same frame (reflection frames are skipped, as the
   * walker skips them), but a cold JVM finds it in about 0.2 ms instead of 2 to 3 ms, which the
   * walker's first use spends interpreting its stream pipeline; that was a tenth of a short
   * training's recording. The walker stays for the per-node sites of anomaly detection, where it
   * stops at the first frame outside the library rather than filling in the whole stack.
   */
  static StackTraceElement recordingCaller() {
    for (StackTraceElement f : new Throwable().getStackTrace()) {
      String name = f.getClassName();
      if (name.startsWith("jdk.internal.reflect.") || name.equals("java.lang.reflect.Method")
          || name.equals("java.lang.reflect.Constructor") || name.startsWith("java.lang.invoke.LambdaForm")) {
        continue;
      }
      if (!name.startsWith("dev.adjoint.") || name.startsWith("dev.adjoint.examples.")) return f;
      Class<?> c;
      try {
        c = Class.forName(name, false, Anomaly.class.getClassLoader());
      } catch (ClassNotFoundException | LinkageError e) {
        return f;
      }
      if (!isLibrary(c)) return f;
    }
    return null;
  }

  /** Adjoint's own classes (engine, nn, DSL, verification), but not their tests or the examples. */
  static boolean isLibrary(Class<?> c) {
    String name = c.getName();
    if (!name.startsWith("dev.adjoint.") || name.startsWith("dev.adjoint.examples.")) return false;
    var source = c.getProtectionDomain().getCodeSource();
    return source == null || !source.getLocation().getPath().contains("/test-classes/");
  }
}
