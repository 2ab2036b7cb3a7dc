package dev.adjoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Replays 500 random programs with shared intermediate nodes whose values, gradients, JVPs, HVPs
 * and Hessians PyTorch 1.13 computed in float64 (tools/torch_reference.py wrote
 * torch-programs.txt; second order by double backward): every number agrees within 1e-9
 * relative, through the graph and through a recorded tape.
 */
class TorchReferenceTest {
  static final double REL = 1e-9;

  @Test
  void valuesAndGradientsMatchPyTorch() throws IOException {
    int programs = 0;
    double worst = 0;
    try (BufferedReader in = new BufferedReader(new InputStreamReader(
        TorchReferenceTest.class.getResourceAsStream("torch-programs.txt"), StandardCharsets.UTF_8))) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        if (line.startsWith("#") || line.isBlank()) continue;
        programs++;
        worst = Math.max(worst, replay(line, programs));
      }
    }
    assertEquals(500, programs);
    assertTrue(worst < REL, "worst relative error " + worst);
  }

  /** The program of a line as a function of its inputs. */
  static Function<List<Value>, Value> program(String line) {
    String[] part = line.split(" \\| ");
    return leaves -> {
      List<Value> nodes = new ArrayList<>(leaves);
      if (!part[1].isBlank()) {
        for (String step : part[1].split(" ; ")) nodes.add(op(step.trim().split(" "), nodes));
      }
      int last = Integer.parseInt(words(part[2], "last")[0]);
      return last == 0 ? nodes.get(0).times(1.0) : Value.sum(nodes.subList(nodes.size() - last, nodes.size()));
    };
  }

  static double[] numbers(String part, String tag) {
    String[] w = words(part, tag);
    double[] out = new double[w.length];
    for (int i = 0; i < w.length; i++) out[i] = Double.parseDouble(w[i]);
    return out;
  }

  /** Runs one program; returns its worst relative error. */
  static double replay(String line, int number) {
    String[] part = line.split(" \\| ");
    double[] x = numbers(part[0], "inputs");
    List<Value> leaves = new ArrayList<>();
    for (double v : x) leaves.add(Value.of(v));
    Function<List<Value>, Value> f = program(line);
    Value out = f.apply(leaves);
    out.backward();
    double worst = check(Double.parseDouble(words(part[3], "value")[0]), out.data(), number + " value", line);
    String[] grads = words(part[4], "grads");
    for (int i = 0; i < grads.length; i++) {
      worst = Math.max(worst, check(Double.parseDouble(grads[i]), leaves.get(i).grad(), number + " d/dx" + i, line));
    }
    // second order: forward mode, forward over reverse, on the graph and on a tape
    double[] v = numbers(part[5], "dir");
    double jvp = numbers(part[6], "jvp")[0];
    double[] hvp = numbers(part[7], "hvp");
    Tape tape = Tape.record(x, f);
    worst = Math.max(worst, check(jvp, Derivatives.jvp(f, x, v), number + " jvp", line));
    worst = Math.max(worst, check(jvp, tape.jvp(x, v), number + " tape jvp", line));
    double[] mine = Derivatives.hvp(f, x, v), tapeHv = new double[x.length];
    tape.hvp(x, v, tapeHv, null);
    // second-order entries are measured against at least 1e-3 of the largest of their vector's or
    // matrix's entries and the first-order scale (max of 1, |value|, |gradient|)
    double firstOrder = Math.max(1.0, Math.abs(out.data()));
    for (Value l : leaves) firstOrder = Math.max(firstOrder, Math.abs(l.grad()));
    double hvScale = firstOrder;
    for (double e : hvp) hvScale = Math.max(hvScale, Math.abs(e));
    for (int i = 0; i < x.length; i++) {
      worst = Math.max(worst, check(hvp[i], mine[i], hvScale, number + " hvp " + i, line));
      worst = Math.max(worst, check(hvp[i], tapeHv[i], hvScale, number + " tape hvp " + i, line));
    }
    String[] rows = part[8].trim().substring("hessian".length()).trim().split(" ; ");
    double[][] expected = new double[x.length][x.length];
    double hScale = firstOrder;
    for (int i = 0; i < x.length; i++) {
      String[] row = rows[i].trim().split(" ");
      for (int j = 0; j < x.length; j++) hScale = Math.max(hScale, Math.abs(expected[i][j] = Double.parseDouble(row[j])));
    }
    double[][] h = Derivatives.hessian(f, x);
    for (int i = 0; i < x.length; i++) {
      for (int j = 0; j < x.length; j++) {
        worst = Math.max(worst, check(expected[i][j], h[i][j], hScale, number + " hessian " + i + "," + j, line));
      }
    }
    return worst;
  }

  static Value op(String[] w, List<Value> nodes) {
    List<Value> args = new ArrayList<>();
    int constants = w[0].equals("powc") ? 1 : w[0].equals("clamp") ? 2 : 0;
    for (int i = 1; i < w.length - constants; i++) args.add(nodes.get(Integer.parseInt(w[i])));
    Value a = args.get(0);
    switch (w[0]) {
      case "add": return a.plus(args.get(1));
      case "sub": return a.minus(args.get(1));
      case "mul": return a.times(args.get(1));
      case "div": return a.div(args.get(1));
      case "powv": return a.pow(args.get(1));
      case "powc": return a.pow(Double.parseDouble(w[w.length - 1]));
      case "neg": return a.unaryMinus();
      case "clamp": return a.clamp(Double.parseDouble(w[w.length - 2]), Double.parseDouble(w[w.length - 1]));
      case "sum": return Value.sum(args);
      case "dot": {
        int n = args.size() / 2;
        return Value.dot(args.subList(0, n), args.subList(n, 2 * n));
      }
      default: // every other op is PyTorch's name for an op of the registry, and Value's method
        for (Op o : Op.VALUES) {
          if (o.label.equals(w[0]) && o.kind != Op.Kind.NARY) return RegistryTest.build(o, a, args.size() > 1 ? args.get(1) : null);
        }
        throw new IllegalArgumentException("unknown op " + w[0]);
    }
  }

  static String[] words(String part, String tag) {
    String s = part.trim();
    if (!s.startsWith(tag)) throw new IllegalArgumentException("expected '" + tag + "' in: " + part);
    s = s.substring(tag.length()).trim();
    return s.isEmpty() ? new String[0] : s.split(" ");
  }

  static double check(double expected, double actual, String what, String line) {
    return check(expected, actual, 0.0, what, line);
  }

  /**
   * Relative error, where an entry of second order is measured against at least 1e-3 of
   * {@code largest} (the largest of its vector's or matrix's entries and the program's first-order
   * scale): rounding noise on an entry that is 0 in exact arithmetic (PyTorch's -1.7e-15 for a
   * vanishing Hessian entry, or 8.9e-16 for the HVP of the constant x / x) cannot be matched. So
   * a second-order entry passes with |Δ| ≤ 1e-9 · max(|expected|, |actual|, 1e-3 · largest).
   */
  static double check(double expected, double actual, double largest, String what, String line) {
    double scale = Math.max(Math.max(Math.abs(expected), Math.abs(actual)), 1e-3 * largest);
    double err = scale == 0 ? 0 : Math.abs(expected - actual) / scale;
    if (!(err <= REL)) assertEquals(expected, actual, REL * scale, what + " in program\n" + line);
    return err;
  }
}
