package dev.adjoint.nn;

import dev.adjoint.Tape;
import dev.adjoint.TapeGuardException;
import dev.adjoint.Internal;
import dev.adjoint.Value;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * Unconstrained minimisation of a scalar function of n variables written on {@link Value}s, with
 * gradients by reverse mode: L-BFGS with a strong-Wolfe line search ({@link #lbfgs}), and gradient
 * descent (with a backtracking line search) and Adam through the same entry ({@link #run}) for
 * comparison.
 *
 * <pre>{@code
 * Minimize.Result r = Minimize.lbfgs(x -> {
 *   Value a = Value.of(1).minus(x.get(0)), b = x.get(1).minus(x.get(0).pow(2));
 *   return a.pow(2).plus(b.pow(2).times(100));         // Rosenbrock
 * }, new double[] {-1.2, 1});
 * r.x();  // [1.0, 1.0] to about 1e-9
 * }</pre>
 *
 * <p>The function is recorded once on a {@link Tape} at the start point and replayed at every
 * other point; where a replay's recorded assumptions (a branch on a value) no longer hold
 * ({@link TapeGuardException}), that point's graph is built define-by-run and the function is
 * not replayed again. {@link Options#recorded(boolean)} turns recording off. Both give bitwise the
 * same iterates.
 *
 * <p>Stateless; each call is independent and may run on any thread (the function itself must be
 * safe to call from that thread).
 */
public final class Minimize {
  private Minimize() {}

  /** The minimisation methods of {@link #run}. */
  public enum Method {
    /** Limited-memory BFGS with a strong-Wolfe line search (Nocedal and Wright, algorithms 7.4, 3.5, 3.6). */
    LBFGS,
    /** Steepest descent with a backtracking (Armijo) line search. */
    GRADIENT_DESCENT,
    /** Adam (PyTorch's) with a constant learning rate, one step per iteration. */
    ADAM
  }

  /**
   * What a minimisation found: the last point x, f(x), the number of iterations, whether a
   * tolerance was met ({@code converged}), the function evaluations, and why it stopped.
   */
  public record Result(double[] x, double value, int iterations, boolean converged, int evaluations, String reason) {
    /** The point found (a copy). */
    @Override
    public double[] x() {
      return x.clone();
    }

    @Override
    public String toString() {
      return "Result(value=" + value + ", iterations=" + iterations + ", converged=" + converged + ", " + reason + ", x="
          + Arrays.toString(x) + ")";
    }
  }

  /** One iteration as {@link Options#onIteration} sees it: its index, f at the new point, the gradient's largest component. */
  public record Iteration(int iteration, double value, double gradientNorm) {}

  /**
   * Settings, immutable: each method returns a changed copy. Defaults: at most 10,000
   * iterations; converged when the gradient's largest component is at most 1e-9·max(1, |f|), or a
   * step changes no coordinate by more than 1e-15 of its size (relative), or f changes by at most
   * 0 (off) relative; L-BFGS memory 10; learning rate 1e-3 (Adam); recorded.
   */
  public static final class Options {
    final int maxIterations;
    final double gradientTolerance, stepTolerance, valueTolerance, learningRate;
    final int memory;
    final boolean recorded;
    final java.util.function.Consumer<Iteration> onIteration;

    private Options(int maxIterations, double gradientTolerance, double stepTolerance, double valueTolerance, double learningRate,
        int memory, boolean recorded, java.util.function.Consumer<Iteration> onIteration) {
      this.maxIterations = maxIterations;
      this.gradientTolerance = gradientTolerance;
      this.stepTolerance = stepTolerance;
      this.valueTolerance = valueTolerance;
      this.learningRate = learningRate;
      this.memory = memory;
      this.recorded = recorded;
      this.onIteration = onIteration;
    }

    /** The defaults. */
    public static Options defaults() {
      return new Options(10_000, 1e-9, 1e-15, 0.0, 1e-3, 10, true, null);
    }

    /** At most n iterations (then {@code converged()} is false unless a tolerance was met). */
    public Options maxIterations(int n) {
      if (n < 0) throw new IllegalArgumentException("Minimize: maxIterations must be non-negative, was " + n);
      return new Options(n, gradientTolerance, stepTolerance, valueTolerance, learningRate, memory, recorded, onIteration);
    }

    /** Converged when max |∂f/∂xᵢ| ≤ tol·max(1, |f|). */
    public Options gradientTolerance(double tol) {
      return new Options(maxIterations, nonNegative("gradientTolerance", tol), stepTolerance, valueTolerance, learningRate, memory, recorded, onIteration);
    }

    /** Converged when a step changes every coordinate by at most tol·max(1, |xᵢ|). */
    public Options stepTolerance(double tol) {
      return new Options(maxIterations, gradientTolerance, nonNegative("stepTolerance", tol), valueTolerance, learningRate, memory, recorded, onIteration);
    }

    /** Converged when an iteration changes f by at most tol·max(1, |f|) (0: off). */
    public Options valueTolerance(double tol) {
      return new Options(maxIterations, gradientTolerance, stepTolerance, nonNegative("valueTolerance", tol), learningRate, memory, recorded, onIteration);
    }

    /** Adam's learning rate. */
    public Options learningRate(double rate) {
      if (!(rate > 0) || !Double.isFinite(rate)) throw new IllegalArgumentException("Minimize: learningRate must be positive and finite, was " + rate);
      return new Options(maxIterations, gradientTolerance, stepTolerance, valueTolerance, rate, memory, recorded, onIteration);
    }

    /** L-BFGS's memory: the number of recent steps its Hessian estimate uses. */
    public Options memory(int m) {
      if (m < 1) throw new IllegalArgumentException("Minimize: memory must be at least 1, was " + m);
      return new Options(maxIterations, gradientTolerance, stepTolerance, valueTolerance, learningRate, m, recorded, onIteration);
    }

    /** Whether to replay a recording of the function (true, the default) or build its graph at every point. */
    public Options recorded(boolean on) {
      return new Options(maxIterations, gradientTolerance, stepTolerance, valueTolerance, learningRate, memory, on, onIteration);
    }

    /** Runs action after every iteration. */
    public Options onIteration(java.util.function.Consumer<Iteration> action) {
      return new Options(maxIterations, gradientTolerance, stepTolerance, valueTolerance, learningRate, memory, recorded,
          Objects.requireNonNull(action, "Minimize: onIteration action is null"));
    }

    private static double nonNegative(String what, double v) {
      if (!(v >= 0)) throw new IllegalArgumentException("Minimize: " + what + " must be non-negative, was " + v);
      return v;
    }
  }

  /** L-BFGS from x0 with the default options. */
  public static Result lbfgs(Function<List<Value>, Value> f, double[] x0) {
    return run(Method.LBFGS, f, x0, Options.defaults());
  }

  /** L-BFGS from x0 with the given options. */
  public static Result lbfgs(Function<List<Value>, Value> f, double[] x0, Options options) {
    return run(Method.LBFGS, f, x0, options);
  }

  /**
   * Minimises f from x0 by method.
   *
   * @throws IllegalArgumentException if x0 is empty or not finite, or f is not finite at x0
   */
  public static Result run(Method method, Function<List<Value>, Value> f, double[] x0, Options options) {
    Objects.requireNonNull(method, "Minimize: method is null");
    Objects.requireNonNull(f, "Minimize: f is null");
    Objects.requireNonNull(x0, "Minimize: x0 is null");
    Objects.requireNonNull(options, "Minimize: options is null");
    if (x0.length == 0) throw new IllegalArgumentException("Minimize: x0 is empty");
    for (int i = 0; i < x0.length; i++) {
      if (!Double.isFinite(x0[i])) throw new IllegalArgumentException("Minimize: x0[" + i + "] is " + x0[i]);
    }
    Evaluator e = new Evaluator(f, x0, options.recorded);
    switch (method) {
      case LBFGS: return new Lbfgs(e, x0, options).run();
      case GRADIENT_DESCENT: return gradientDescent(e, x0, options);
      default: return adam(e, x0, options);
    }
  }

  // ------------------------------------------------------------------------ evaluation

  /** f and its gradient at a point: a replayed recording, or the graph built define-by-run. */
  private static final class Evaluator {
    private final Function<List<Value>, Value> f;
    private Tape tape;
    /** Op nodes the tape has replayed (it is compiled once that pays: {@link Internal#compiledOnceItPays}). */
    private long replayed;
    int evaluations;

    Evaluator(Function<List<Value>, Value> f, double[] x0, boolean recorded) {
      this.f = f;
      this.tape = recorded ? Tape.record(x0, f) : null;
    }

    /** f(x), writing ∇f(x) into g. */
    double at(double[] x, double[] g) {
      evaluations++;
      if (tape != null) {
        try {
          double y = tape.gradient(x, g);
          replayed += tape.operations();
          tape = Internal.compiledOnceItPays(tape, replayed);
          return y;
        } catch (TapeGuardException branched) {
          tape = null; // f branches on a value: build its graph at every point from here on
        }
      }
      List<Value> in = new ArrayList<>(x.length);
      for (double v : x) in.add(Value.of(v));
      Value y = Objects.requireNonNull(f.apply(in), "Minimize: f returned null");
      y.backward();
      for (int i = 0; i < x.length; i++) g[i] = in.get(i).grad();
      return Internal.data(y);
    }
  }

  private static double normInf(double[] v) {
    double m = 0;
    for (double x : v) m = Math.max(m, Math.abs(x));
    return m;
  }

  private static double dot(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) s += a[i] * b[i];
    return s;
  }

  private static boolean gradientSmall(double[] g, double fx, Options o) {
    return normInf(g) <= o.gradientTolerance * Math.max(1.0, Math.abs(fx));
  }

  private static boolean stepSmall(double[] step, double[] x, Options o) {
    for (int i = 0; i < x.length; i++) if (Math.abs(step[i]) > o.stepTolerance * Math.max(1.0, Math.abs(x[i]))) return false;
    return true;
  }

  private static boolean valueSettled(double before, double after, Options o) {
    return o.valueTolerance > 0 && Math.abs(before - after) <= o.valueTolerance * Math.max(1.0, Math.max(Math.abs(before), Math.abs(after)));
  }

  private static void report(Options o, int k, double fx, double[] g) {
    if (o.onIteration != null) o.onIteration.accept(new Iteration(k, fx, normInf(g)));
  }

  private static double start(Evaluator e, double[] x, double[] g) {
    double fx = e.at(x, g);
    if (!Double.isFinite(fx)) throw new IllegalArgumentException("Minimize: f(x0) is " + fx);
    return fx;
  }

  // ------------------------------------------------------------------------ L-BFGS

  /** L-BFGS state: the point, its value and gradient, and the last m steps and gradient changes. */
  private static final class Lbfgs {
    private static final double C1 = 1e-4, C2 = 0.9;
    private final Evaluator e;
    private final Options o;
    private final int n;
    private final double[] x, g, d, xt, gt;
    private double fx;
    private final double[][] s, y;
    private final double[] rho, alpha;
    private int stored, newest = -1;
    // the line search's trial point and its value and slope
    private double ft;

    Lbfgs(Evaluator e, double[] x0, Options o) {
      this.e = e;
      this.o = o;
      this.n = x0.length;
      this.x = x0.clone();
      this.g = new double[n];
      this.d = new double[n];
      this.xt = new double[n];
      this.gt = new double[n];
      this.s = new double[o.memory][n];
      this.y = new double[o.memory][n];
      this.rho = new double[o.memory];
      this.alpha = new double[o.memory];
    }

    Result run() {
      fx = start(e, x, g);
      if (gradientSmall(g, fx, o)) return result(0, true, "gradient tolerance");
      for (int k = 1; k <= o.maxIterations; k++) {
        direction();
        double slope = dot(g, d);
        if (!(slope < 0)) {
          stored = 0;
          for (int i = 0; i < n; i++) d[i] = -g[i];
          slope = dot(g, d);
        }
        double a0 = k == 1 && stored == 0 ? Math.min(1.0, 1.0 / normInf(g)) : 1.0;
        double a = search(a0, slope);
        if (Double.isNaN(a) && stored > 0) {
          stored = 0; // the quasi-Newton direction failed: retry along the gradient
          for (int i = 0; i < n; i++) d[i] = -g[i];
          a = search(Math.min(1.0, 1.0 / normInf(g)), dot(g, d));
        }
        if (Double.isNaN(a)) return result(k - 1, false, "line search found no decrease");
        int slot = (newest + 1) % o.memory;
        double sy = 0, yy = 0;
        double[] step = s[slot], change = y[slot];
        for (int i = 0; i < n; i++) {
          step[i] = xt[i] - x[i];
          change[i] = gt[i] - g[i];
          sy += step[i] * change[i];
          yy += change[i] * change[i];
        }
        double before = fx;
        System.arraycopy(xt, 0, x, 0, n);
        System.arraycopy(gt, 0, g, 0, n);
        fx = ft;
        report(o, k, fx, g);
        if (sy > 1e-300 && yy > 0) {
          rho[slot] = 1.0 / sy;
          newest = slot;
          stored = Math.min(stored + 1, o.memory);
        }
        if (gradientSmall(g, fx, o)) return result(k, true, "gradient tolerance");
        if (stepSmall(step, x, o)) return result(k, true, "step tolerance");
        if (valueSettled(before, fx, o)) return result(k, true, "value tolerance");
      }
      return result(o.maxIterations, false, "maximum iterations");
    }

    private Result result(int iterations, boolean converged, String reason) {
      return new Result(x.clone(), fx, iterations, converged, e.evaluations, reason);
    }

    /** d = -H·g by the two-loop recursion, H₀ = (sᵀy / yᵀy)·I from the newest pair. */
    private void direction() {
      for (int i = 0; i < n; i++) d[i] = -g[i];
      for (int j = 0, k = newest; j < stored; j++, k = (k - 1 + o.memory) % o.memory) {
        alpha[k] = rho[k] * dot(s[k], d);
        for (int i = 0; i < n; i++) d[i] -= alpha[k] * y[k][i];
      }
      if (stored > 0) {
        double gamma = 1.0 / (rho[newest] * dot(y[newest], y[newest]));
        for (int i = 0; i < n; i++) d[i] *= gamma;
      }
      for (int j = 0, k = (newest - stored + 1 + o.memory) % o.memory; j < stored; j++, k = (k + 1) % o.memory) {
        double b = rho[k] * dot(y[k], d);
        for (int i = 0; i < n; i++) d[i] += s[k][i] * (alpha[k] - b);
      }
    }

    /** f at x + a·d into ft, its gradient into gt; returns the slope ∇f·d there. */
    private double trial(double a) {
      for (int i = 0; i < n; i++) xt[i] = x[i] + a * d[i];
      ft = e.at(xt, gt);
      return dot(gt, d);
    }

    /**
     * A step length meeting the strong Wolfe conditions (or, where f no longer changes beyond
     * rounding, Hager and Zhang's approximate ones); leaves its point in xt, ft, gt. NaN when none
     * was found.
     */
    private double search(double a, double slope0) {
      double f0 = fx, aPrev = 0, fPrev = f0, dPrev = slope0;
      for (int i = 0; i < 40; i++) {
        double dA = trial(a);
        if (approximate(ft, dA, f0, slope0)) return a;
        if (!Double.isFinite(ft) || ft > f0 + C1 * a * slope0 || (i > 0 && ft >= fPrev)) {
          return zoom(aPrev, fPrev, dPrev, a, ft, dA, f0, slope0);
        }
        if (Math.abs(dA) <= -C2 * slope0) return a;
        if (dA >= 0) return zoom(a, ft, dA, aPrev, fPrev, dPrev, f0, slope0);
        aPrev = a;
        fPrev = ft;
        dPrev = dA;
        a *= 2;
      }
      return Double.NaN;
    }

    /**
     * Hager and Zhang's approximate Wolfe conditions, for where f differs from f0 only by rounding:
     * f has not risen beyond 1e-10·|f0| and the slope has flattened enough, (2c₁ - 1)φ'(0) ≥ φ'(a)
     * ≥ c₂φ'(0).
     */
    private static boolean approximate(double f, double slope, double f0, double slope0) {
      return Double.isFinite(f) && f <= f0 + 1e-10 * Math.abs(f0) && (2 * C1 - 1) * slope0 >= slope && slope >= C2 * slope0;
    }

    private double zoom(double lo, double fLo, double dLo, double hi, double fHi, double dHi, double f0, double slope0) {
      for (int i = 0; i < 60; i++) {
        double a = cubic(lo, fLo, dLo, hi, fHi, dHi);
        double dA = trial(a);
        if (approximate(ft, dA, f0, slope0)) return a;
        if (!Double.isFinite(ft) || ft > f0 + C1 * a * slope0 || ft >= fLo) {
          hi = a;
          fHi = ft;
          dHi = dA;
        } else {
          if (Math.abs(dA) <= -C2 * slope0) return a;
          if (dA * (hi - lo) >= 0) {
            hi = lo;
            fHi = fLo;
            dHi = dLo;
          }
          lo = a;
          fLo = ft;
          dLo = dA;
        }
        if (Math.abs(hi - lo) <= 1e-16 * Math.max(1.0, Math.abs(lo))) break;
      }
      if (lo > 0 && fLo < f0) {
        trial(lo); // the best decrease found, though not a Wolfe point
        return lo;
      }
      return Double.NaN;
    }

    /** The minimiser of the cubic through both ends' values and slopes, kept inside the bracket; else the midpoint. */
    private static double cubic(double a1, double f1, double d1, double a2, double f2, double d2) {
      double e1 = d1 + d2 - 3 * (f1 - f2) / (a1 - a2);
      double r = e1 * e1 - d1 * d2;
      double lo = Math.min(a1, a2), hi = Math.max(a1, a2), w = hi - lo;
      if (r >= 0 && Double.isFinite(r)) {
        double e2 = Math.copySign(Math.sqrt(r), a2 - a1);
        double a = a2 - (a2 - a1) * (d2 + e2 - e1) / (d2 - d1 + 2 * e2);
        if (Double.isFinite(a) && a >= lo + 0.1 * w && a <= hi - 0.1 * w) return a;
      }
      return lo + 0.5 * w;
    }
  }

  // ------------------------------------------------------------------------ first-order methods

  private static Result gradientDescent(Evaluator e, double[] x0, Options o) {
    int n = x0.length;
    double[] x = x0.clone(), g = new double[n], xt = new double[n], gt = new double[n], step = new double[n];
    double fx = start(e, x, g);
    if (gradientSmall(g, fx, o)) return new Result(x, fx, 0, true, e.evaluations, "gradient tolerance");
    double a = Math.min(1.0, 1.0 / normInf(g));
    for (int k = 1; k <= o.maxIterations; k++) {
      double gg = dot(g, g), ft = Double.NaN;
      for (int tries = 0; tries < 60; tries++, a *= 0.5) {
        for (int i = 0; i < n; i++) xt[i] = x[i] - a * g[i];
        ft = e.at(xt, gt);
        if (ft <= fx - 1e-4 * a * gg) break;
      }
      if (!(ft <= fx - 1e-4 * a * gg)) return new Result(x, fx, k - 1, false, e.evaluations, "line search found no decrease");
      for (int i = 0; i < n; i++) step[i] = xt[i] - x[i];
      double before = fx;
      System.arraycopy(xt, 0, x, 0, n);
      System.arraycopy(gt, 0, g, 0, n);
      fx = ft;
      a *= 2; // let the step grow back
      report(o, k, fx, g);
      if (gradientSmall(g, fx, o)) return new Result(x, fx, k, true, e.evaluations, "gradient tolerance");
      if (stepSmall(step, x, o)) return new Result(x, fx, k, true, e.evaluations, "step tolerance");
      if (valueSettled(before, fx, o)) return new Result(x, fx, k, true, e.evaluations, "value tolerance");
    }
    return new Result(x, fx, o.maxIterations, false, e.evaluations, "maximum iterations");
  }

  private static Result adam(Evaluator e, double[] x0, Options o) {
    int n = x0.length;
    double[] x = x0.clone(), g = new double[n], m = new double[n], v = new double[n], step = new double[n];
    double fx = start(e, x, g);
    if (gradientSmall(g, fx, o)) return new Result(x, fx, 0, true, e.evaluations, "gradient tolerance");
    double b1 = 0.9, b2 = 0.999, eps = 1e-8;
    for (int k = 1; k <= o.maxIterations; k++) {
      double c1 = 1 - Math.pow(b1, k), c2 = 1 - Math.pow(b2, k);
      for (int i = 0; i < n; i++) {
        m[i] = b1 * m[i] + (1 - b1) * g[i];
        v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
        step[i] = -o.learningRate * (m[i] / c1) / (Math.sqrt(v[i] / c2) + eps);
        x[i] += step[i];
      }
      double before = fx;
      fx = e.at(x, g);
      report(o, k, fx, g);
      if (gradientSmall(g, fx, o)) return new Result(x, fx, k, true, e.evaluations, "gradient tolerance");
      if (stepSmall(step, x, o)) return new Result(x, fx, k, true, e.evaluations, "step tolerance");
      if (valueSettled(before, fx, o)) return new Result(x, fx, k, true, e.evaluations, "value tolerance");
    }
    return new Result(x, fx, o.maxIterations, false, e.evaluations, "maximum iterations");
  }
}
