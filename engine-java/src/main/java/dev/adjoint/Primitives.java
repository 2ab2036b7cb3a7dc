package dev.adjoint;

import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The registry of the users' {@link Primitive}s, each by a number that a PRIMITIVE node keeps in
 * its last, constant operand (so tapes carry it as they carry any constant), and the rules of a
 * primitive node in terms of its primitive's value, gradient and Hessian, for every layout.
 *
 * <p>Thread-safe: registration is synchronized; lookups read an array that is only ever replaced
 * by a longer copy. Registered primitives are kept for the life of the JVM.
 */
final class Primitives {
  private Primitives() {}

  private static final Map<Primitive, Integer> NUMBER = new IdentityHashMap<>();
  private static volatile Primitive[] registered = new Primitive[0];

  /** f's number, registering it on first use. */
  static synchronized int index(Primitive f) {
    Integer k = NUMBER.get(f);
    if (k != null) return k;
    int n = registered.length;
    Primitive[] more = Arrays.copyOf(registered, n + 1);
    more[n] = f;
    registered = more;
    NUMBER.put(f, n);
    return n;
  }

  /** The primitive with number k. */
  static Primitive get(double k) {
    return registered[(int) k];
  }

  /** The primitive of a PRIMITIVE node. */
  static Primitive of(Value v) {
    return get(v.args[v.args.length - 1].data);
  }

  /** The gradient of f at x, where y = f(x). */
  static double[] gradient(Primitive f, double[] x, double y) {
    double[] d = new double[x.length];
    f.gradient(x, y, d);
    return d;
  }

  /** Tangent rule: ẏ = Σ ∂y/∂xᵢ·ẋᵢ, each term exactly 0 where ẋᵢ is 0 (as {@link Rules#term}). */
  static double tangent(double[] d, double[] t) {
    double s = 0.0;
    for (int i = 0; i < d.length; i++) s += Rules.term(t[i], d[i]);
    return s;
  }

  /**
   * Second-order rule: the tangent of each share ȳ·∂y/∂xᵢ along the operands' tangents t, given
   * the adjoint g and its tangent gt: gt·∂y/∂xᵢ + g·Σⱼ ∂²y/∂xᵢ∂xⱼ·ẋⱼ. The Hessian is asked for only
   * when some tangent and g are nonzero, so plain gradients never need it.
   */
  static double[] adjointTangents(Primitive f, double[] x, double y, double[] d, double[] t, double g, double gt) {
    final int n = x.length;
    double[] out = new double[n];
    boolean moves = false;
    for (double ti : t) moves |= ti != 0.0;
    double[] h = null;
    if (moves && g != 0.0) {
      h = new double[n * n];
      f.hessian(x, y, h);
    }
    for (int i = 0; i < n; i++) {
      double ht = 0.0;
      if (h != null) for (int j = 0; j < n; j++) ht += Rules.term(t[j], h[i * n + j]);
      out[i] = (gt == 0.0 ? 0.0 : gt * d[i]) + Rules.term(g, ht);
    }
    return out;
  }
}
