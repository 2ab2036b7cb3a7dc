package dev.adjoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Walks the op registry ({@link Op}) and runs every column of every op: forward, adjoint, tangent
 * and second order, on graphs, tapes and batch tapes. The builder below is a {@code switch} with
 * no default, so an op added to the registry without a way to build it does not compile.
 */
class RegistryTest {
  /**
   * Builds a node of op from operands a and b, through the public API: an op named like a method
   * of Value (an instance method for one operand, a static one for two) is built by that method,
   * so a new op needs no line here, and an op without its method fails this test.
   */
  static Value build(Op op, Value a, Value b) {
    return switch (op) {
      case LEAF -> a;
      case ADD -> a.plus(b);
      case SUB -> a.minus(b);
      case MUL -> a.times(b);
      case DIV -> a.div(b);
      case NEG -> a.unaryMinus();
      case POW -> a.pow(b);
      case POWC -> a.pow(2.5);
      case CLAMP_MIN -> a.clamp(0.5, 2.0).a;
      case CLAMP_MAX -> a.clamp(0.5, 2.0);
      case SUM -> Value.sum(List.of(a, b, a));
      case DOT -> Value.dot(List.of(a, b), List.of(b, a));
      case PRIMITIVE -> Value.apply(HYPOT, a, b);
      default -> byName(op, a, b);
    };
  }

  /** The public Value method named as op's label: a.label() for one operand, Value.label(a, b) for two. */
  static Value byName(Op op, Value a, Value b) {
    try {
      return op.arity == 1 ? (Value) Value.class.getMethod(op.label).invoke(a)
          : (Value) Value.class.getMethod(op.label, Value.class, Value.class).invoke(null, a, b);
    } catch (NoSuchMethodException e) {
      throw new AssertionError("Value has no public method " + op.label + (op.arity == 1 ? "()" : "(Value, Value)")
          + " for op " + op + ": add it (CONTRIBUTING.md, adding an op)", e);
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(op + ": " + e.getCause(), e);
    }
  }

  /** √(a² + b²) as a user's primitive, with its second derivatives. */
  static final Primitive HYPOT = new Primitive() {
    @Override
    public String name() {
      return "hypot";
    }

    @Override
    public double value(double[] x) {
      return Math.sqrt(x[0] * x[0] + x[1] * x[1]);
    }

    @Override
    public void gradient(double[] x, double y, double[] out) {
      out[0] = x[0] / y;
      out[1] = x[1] / y;
    }

    @Override
    public void hessian(double[] x, double y, double[] out) {
      double y3 = y * y * y;
      out[0] = x[1] * x[1] / y3;
      out[1] = out[2] = -x[0] * x[1] / y3;
      out[3] = x[0] * x[0] / y3;
    }
  };

  /** A point inside every op's domain, away from kinks. */
  static final double[] AT = {0.7, 1.3};

  static Function<List<Value>, Value> f(Op op) {
    return xs -> build(op, xs.get(0), xs.get(1));
  }

  @Test
  void opCodesFitTheTapesBitFields() {
    assertTrue(Op.VALUES.length <= 1 << (32 - Program.SHIFT), Op.VALUES.length + " ops for " + (32 - Program.SHIFT) + " bits");
    assertTrue(Op.VALUES.length <= Byte.MAX_VALUE + 1, "BatchTape keeps op codes in bytes");
    for (Op op : Op.VALUES) assertSame(op, Op.of(op.ordinal()));
  }

  @Test
  void everyOpIsBuiltWithItsOwnCodeAndName() {
    for (Op op : Op.VALUES) {
      Value y = build(op, Value.of(AT[0]), Value.of(AT[1]));
      assertSame(op, y.op, op.name());
      String label = switch (op) {
        case POWC -> "^2.5";
        case CLAMP_MIN -> "clamp_min 0.5";
        case CLAMP_MAX -> "clamp_max 2";
        case PRIMITIVE -> "hypot";
        default -> op.label;
      };
      assertEquals(label, y.op(), op.name());
      assertEquals(op.nary, op.kind == Op.Kind.NARY, op.name());
      if (!op.nary) assertEquals(op.arity, y.inputs().size(), op.name());
      if (op == Op.PRIMITIVE) assertEquals(2, y.inputs().size(), op.name());
    }
  }

  @Test
  void everyColumnOfEveryOpAgreesWithCalculusOnEveryPath() {
    for (Op op : Op.VALUES) {
      if (op == Op.LEAF) continue;
      String name = op.name();
      List<Value> xs = Derivatives.leaves(AT);
      Value y = build(op, xs.get(0), xs.get(1));
      y.backward();
      double[] g = {xs.get(0).grad(), xs.get(1).grad()};
      double[] v = {0.3, -0.8};
      for (int i = 0; i < 2; i++) {
        // adjoint column against central differences of the forward column
        double h = 1e-6;
        // (detach: its value moves with its operand, but by definition no gradient flows)
        double fd = op == Op.DETACH ? 0.0 : (value(op, AT, i, h) - value(op, AT, i, -h)) / (2 * h);
        assertEquals(fd, g[i], 1e-7 * Math.max(1, Math.abs(fd)), name + " d/dx" + i);
      }
      // tangent column: forward mode equals reverse mode
      double jvp = Derivatives.jvp(y, xs, v);
      assertEquals(g[0] * v[0] + g[1] * v[1], jvp, 1e-13 * Math.max(1, Math.abs(jvp)), name + " jvp");
      // second-order column: H·v against differences of the gradient
      double[] hv = Derivatives.hvp(f(op), AT, v);
      double h = 1e-5;
      double[] plus = Derivatives.gradient(f(op), new double[] {AT[0] + h * v[0], AT[1] + h * v[1]});
      double[] minus = Derivatives.gradient(f(op), new double[] {AT[0] - h * v[0], AT[1] - h * v[1]});
      for (int i = 0; i < 2; i++) {
        double fd = (plus[i] - minus[i]) / (2 * h);
        assertEquals(fd, hv[i], 1e-6 * Math.max(1, Math.abs(fd)), name + " (Hv)" + i);
      }
      // the tape replays the same columns bitwise, at a new point too
      Tape tape = Tape.record(AT, f(op));
      double[] at2 = {0.9, 1.1};
      for (double[] p : new double[][] {AT, at2}) {
        List<Value> ls = Derivatives.leaves(p);
        Value out = build(op, ls.get(0), ls.get(1));
        out.backward();
        double[] tg = new double[2];
        assertEquals(out.data(), tape.gradient(p, tg), name + " tape value");
        assertEquals(ls.get(0).grad(), tg[0], name + " tape d/dx0");
        assertEquals(ls.get(1).grad(), tg[1], name + " tape d/dx1");
        assertEquals(Derivatives.jvp(out, ls, v), tape.jvp(p, v), name + " tape jvp");
        double[] thv = new double[2];
        tape.hvp(p, v, thv, null);
        double[] ghv = Derivatives.hvp(f(op), p, v);
        assertEquals(ghv[0], thv[0], name + " tape (Hv)0");
        assertEquals(ghv[1], thv[1], name + " tape (Hv)1");
      }
      // the batch tape: one row per point, reduced by a sum, bitwise as the whole graph
      Value wa = Value.of(0.5), ra = Value.of(0), rb = Value.of(0);
      Value row = build(op, ra.times(wa), rb);
      double[][] rows = {AT, at2};
      BatchTape batch = BatchTape.record(List.of(wa), List.of(ra, rb), row, rows, Value::sum);
      Value w = Value.of(0.5);
      Value whole = Value.sum(List.of(build(op, Value.of(AT[0]).times(w), Value.of(AT[1])),
          build(op, Value.of(at2[0]).times(w), Value.of(at2[1]))));
      whole.backward();
      assertEquals(whole.data(), batch.backward(), name + " batch value");
      assertEquals(w.grad(), wa.grad(), name + " batch gradient");
    }
  }

  private static double value(Op op, double[] at, int i, double h) {
    double[] p = at.clone();
    p[i] += h;
    return build(op, Value.of(p[0]), Value.of(p[1])).data();
  }
}
