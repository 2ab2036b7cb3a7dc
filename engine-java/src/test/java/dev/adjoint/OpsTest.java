package dev.adjoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.function.DoubleUnaryOperator;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** Every op's value and gradient at several points against the analytic derivative. */
class OpsTest {
  static final double[] POINTS = {-2.5, -1.0, -0.3, 0.2, 0.7, 1.0, 3.1};
  static final double[] POSITIVE = {0.05, 0.3, 1.0, 2.0, 7.5};

  static Stream<Arguments> unaryOps() {
    return Stream.of(
        unary("neg", Value::unaryMinus, x -> -x, x -> -1, POINTS),
        unary("exp", Value::exp, Math::exp, Math::exp, POINTS),
        unary("log", Value::log, Math::log, x -> 1 / x, POSITIVE),
        unary("sqrt", Value::sqrt, Math::sqrt, x -> 0.5 / Math.sqrt(x), POSITIVE),
        unary("tanh", Value::tanh, Math::tanh, x -> 1 / (Math.cosh(x) * Math.cosh(x)), POINTS),
        unary("sigmoid", Value::sigmoid, x -> 1 / (1 + Math.exp(-x)),
            x -> Math.exp(-x) / ((1 + Math.exp(-x)) * (1 + Math.exp(-x))), POINTS),
        unary("relu", Value::relu, x -> x > 0 ? x : 0, x -> x > 0 ? 1 : 0, POINTS),
        unary("sin", Value::sin, Math::sin, Math::cos, POINTS),
        unary("cos", Value::cos, Math::cos, x -> -Math.sin(x), POINTS),
        unary("abs", Value::abs, Math::abs, Math::signum, POINTS),
        unary("pow 3", x -> x.pow(3), x -> x * x * x, x -> 3 * x * x, POINTS),
        unary("pow -2", x -> x.pow(-2), x -> 1 / (x * x), x -> -2 / (x * x * x), POINTS),
        unary("pow 0.5", x -> x.pow(0.5), Math::sqrt, x -> 0.5 / Math.sqrt(x), POSITIVE),
        unary("plus c", x -> x.plus(1.5), x -> x + 1.5, x -> 1, POINTS),
        unary("minus c", x -> x.minus(1.5), x -> x - 1.5, x -> 1, POINTS),
        unary("times c", x -> x.times(-4.0), x -> -4 * x, x -> -4, POINTS),
        unary("div c", x -> x.div(4.0), x -> x / 4, x -> 0.25, POINTS));
  }

  static Arguments unary(String name, UnaryOperator<Value> op, DoubleUnaryOperator f,
      DoubleUnaryOperator df, double[] at) {
    return Arguments.of(name, op, f, df, at);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("unaryOps")
  void unaryValueAndGradient(String name, UnaryOperator<Value> op, DoubleUnaryOperator f,
      DoubleUnaryOperator df, double[] at) {
    for (double x0 : at) {
      Value x = Value.of(x0);
      Value y = op.apply(x);
      y.backward();
      assertClose(f.applyAsDouble(x0), y.data(), name + " value at " + x0);
      assertClose(df.applyAsDouble(x0), x.grad(), name + " gradient at " + x0);
      assertEquals(1.0, y.grad(), "the output's own gradient is 1");
    }
  }

  @Test
  void binaryOps() {
    double[][] pts = {{2, 3}, {-1.5, 0.25}, {0.7, -2.2}, {4, 1}};
    for (double[] p : pts) {
      double a0 = p[0], b0 = p[1];
      check(a0, b0, Value::plus, a0 + b0, 1, 1);
      check(a0, b0, Value::minus, a0 - b0, 1, -1);
      check(a0, b0, Value::times, a0 * b0, b0, a0);
      check(a0, b0, Value::div, a0 / b0, 1 / b0, -a0 / (b0 * b0));
    }
    double[][] positive = {{2, 3}, {0.5, -1.3}, {3.7, 0.4}};
    for (double[] p : positive) {
      double a0 = p[0], b0 = p[1], y = Math.pow(a0, b0);
      check(a0, b0, Value::pow, y, b0 * Math.pow(a0, b0 - 1), y * Math.log(a0));
    }
  }

  interface Binary {
    Value apply(Value a, Value b);
  }

  static void check(double a0, double b0, Binary op, double y, double da, double db) {
    Value a = Value.of(a0), b = Value.of(b0);
    Value out = op.apply(a, b);
    out.backward();
    String at = " at (" + a0 + ", " + b0 + ")";
    assertClose(y, out.data(), out.op() + " value" + at);
    assertClose(da, a.grad(), out.op() + " d/da" + at);
    assertClose(db, b.grad(), out.op() + " d/db" + at);
  }

  @Test
  void conventionsAtKinksFollowPyTorch() {
    assertEquals(0.0, gradAt(0.0, Value::relu), "relu'(0)");
    assertEquals(0.0, gradAt(0.0, Value::abs), "abs'(0)");
    assertEquals(Double.POSITIVE_INFINITY, gradAt(0.0, Value::sqrt), "sqrt'(0)");
    assertEquals(0.0, gradAt(0.0, x -> x.pow(2)), "d/dx x^2 at 0");
    assertEquals(0.0, gradAt(0.0, x -> x.pow(0)), "d/dx x^0 at 0");
    assertEquals(0.0, gradAt(5.0, x -> x.pow(0)), "d/dx x^0 at 5");
    assertEquals(Double.POSITIVE_INFINITY, gradAt(0.0, x -> x.pow(0.5)), "d/dx x^0.5 at 0");
    assertEquals(Double.POSITIVE_INFINITY, gradAt(0.0, Value::log), "log'(0) = 1/0");
    // variable exponent at base 0: d/de 0^e is 0 for e >= 0, as in PyTorch
    Value a = Value.of(0.0), e = Value.of(2.0);
    a.pow(e).backward();
    assertEquals(0.0, a.grad());
    assertEquals(0.0, e.grad());
  }

  @Test
  void nanAndInfinityPropagate() {
    Value x = Value.of(-1.0);
    Value y = x.log().times(2.0);
    assertTrue(Double.isNaN(y.data()));
    y.backward();
    assertEquals(-2.0, x.grad(), "log'(-1) = 1/x is finite even where log is NaN");
    Value z = Value.of(0.0).log();
    assertEquals(Double.NEGATIVE_INFINITY, z.data());
    Value n = Value.of(Double.NaN);
    Value m = n.times(Value.of(3)).plus(1);
    assertTrue(Double.isNaN(m.data()));
    m.backward();
    assertEquals(3.0, n.grad());
    Value r = Value.of(Double.NaN).relu();
    assertTrue(Double.isNaN(r.data()), "relu keeps NaN");
  }

  @Test
  void sumAndDot() {
    Value a = Value.of(1.5), b = Value.of(-2.0), c = Value.of(4.0);
    Value s = Value.sum(List.of(a, b, c, a));
    assertEquals("sum", s.op());
    assertEquals(4, s.inputs().size());
    s.backward();
    assertEquals(5.0, s.data());
    assertEquals(2.0, a.grad());
    assertEquals(1.0, b.grad());

    Value x1 = Value.of(2), x2 = Value.of(-3), w1 = Value.of(0.5), w2 = Value.of(4);
    Value d = Value.dot(List.of(x1, x2), List.of(w1, w2));
    assertEquals("dot", d.op());
    assertEquals(List.of(x1, x2, w1, w2), d.inputs());
    d.backward();
    assertEquals(1 - 12, d.data());
    assertEquals(0.5, x1.grad());
    assertEquals(4.0, x2.grad());
    assertEquals(2.0, w1.grad());
    assertEquals(-3.0, w2.grad());

    Value q = Value.of(3.0);
    Value sq = Value.dot(List.of(q, q), List.of(q, Value.of(1.0)));
    sq.backward();
    assertEquals(12.0, sq.data());
    assertEquals(2 * 3.0 + 1.0, q.grad(), "d/dq (q*q + q*1) with q shared across both lists");
  }

  @Test
  void emptySumAndDotAreZero() {
    Value s = Value.sum(List.of());
    assertEquals(0.0, s.data());
    assertEquals(List.of(), s.inputs());
    s.backward();
    assertEquals(1.0, s.grad());
    assertEquals(0.0, Value.dot(List.of(), List.of()).data());
  }

  @Test
  void opNamesAndInputs() {
    Value x = Value.of(2), y = Value.of(3);
    assertEquals("", x.op());
    assertTrue(x.isLeaf());
    assertEquals(List.of(), x.inputs());
    assertEquals("+", x.plus(y).op());
    assertEquals("-", x.minus(y).op());
    assertEquals("*", x.times(y).op());
    assertEquals("/", x.div(y).op());
    assertEquals("neg", x.unaryMinus().op());
    assertEquals("pow", x.pow(y).op());
    assertEquals("^2", x.pow(2).op());
    assertEquals("^0.5", x.pow(0.5).op());
    assertEquals(List.of(x), x.pow(2).inputs());
    assertEquals(List.of(x, y), x.pow(y).inputs());
    assertEquals(List.of(x), x.tanh().inputs());
    assertEquals("tanh", x.tanh().op());
    Value c = x.times(2.0);
    assertEquals(2, c.inputs().size());
    assertEquals(2.0, c.inputs().get(1).data(), "a constant operand is a leaf holding it");
  }

  @Test
  void toStringAsApiSays() {
    Value v = Value.of(Math.sqrt(0.5));
    v.backward();
    assertEquals("Value(data=0.7071, grad=1.0000)", v.toString());
  }

  static double gradAt(double x0, UnaryOperator<Value> f) {
    Value x = Value.of(x0);
    f.apply(x).backward();
    return x.grad();
  }

  static void assertClose(double expected, double actual, String what) {
    double tol = 1e-13 * Math.max(1, Math.abs(expected));
    assertEquals(expected, actual, tol, what);
  }
}
