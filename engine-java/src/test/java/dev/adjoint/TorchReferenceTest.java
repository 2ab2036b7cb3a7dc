package dev.adjoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Replays 500 random programs with shared intermediate nodes whose values and gradients PyTorch
 * 1.13 computed in float64 (tools/torch_reference.py wrote torch-programs.txt): every value and
 * gradient agrees within 1e-9 relative.
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

  /** Runs one program; returns its worst relative error. */
  static double replay(String line, int number) {
    String[] part = line.split(" \\| ");
    List<Value> leaves = new ArrayList<>();
    for (String x : words(part[0], "inputs")) leaves.add(Value.of(Double.parseDouble(x)));
    List<Value> nodes = new ArrayList<>(leaves);
    if (!part[1].isBlank()) {
      for (String step : part[1].split(" ; ")) nodes.add(op(step.trim().split(" "), nodes));
    }
    int last = Integer.parseInt(words(part[2], "last")[0]);
    Value out = last == 0 ? nodes.get(0).times(1.0) : Value.sum(nodes.subList(nodes.size() - last, nodes.size()));
    out.backward();
    double worst = check(Double.parseDouble(words(part[3], "value")[0]), out.data(), number + " value", line);
    String[] grads = words(part[4], "grads");
    for (int i = 0; i < grads.length; i++) {
      worst = Math.max(worst, check(Double.parseDouble(grads[i]), leaves.get(i).grad(), number + " d/dx" + i, line));
    }
    return worst;
  }

  static Value op(String[] w, List<Value> nodes) {
    List<Value> args = new ArrayList<>();
    boolean constant = w[0].equals("powc");
    for (int i = 1; i < w.length - (constant ? 1 : 0); i++) args.add(nodes.get(Integer.parseInt(w[i])));
    Value a = args.get(0);
    switch (w[0]) {
      case "add": return a.plus(args.get(1));
      case "sub": return a.minus(args.get(1));
      case "mul": return a.times(args.get(1));
      case "div": return a.div(args.get(1));
      case "powv": return a.pow(args.get(1));
      case "powc": return a.pow(Double.parseDouble(w[w.length - 1]));
      case "neg": return a.unaryMinus();
      case "exp": return a.exp();
      case "log": return a.log();
      case "sqrt": return a.sqrt();
      case "tanh": return a.tanh();
      case "sigmoid": return a.sigmoid();
      case "relu": return a.relu();
      case "sin": return a.sin();
      case "cos": return a.cos();
      case "abs": return a.abs();
      case "sum": return Value.sum(args);
      case "dot": {
        int n = args.size() / 2;
        return Value.dot(args.subList(0, n), args.subList(n, 2 * n));
      }
      default: throw new IllegalArgumentException("unknown op " + w[0]);
    }
  }

  static String[] words(String part, String tag) {
    String s = part.trim();
    if (!s.startsWith(tag)) throw new IllegalArgumentException("expected '" + tag + "' in: " + part);
    s = s.substring(tag.length()).trim();
    return s.isEmpty() ? new String[0] : s.split(" ");
  }

  static double check(double expected, double actual, String what, String line) {
    double scale = Math.max(Math.abs(expected), Math.abs(actual));
    double err = scale == 0 ? 0 : Math.abs(expected - actual) / scale;
    if (!(err <= REL)) assertEquals(expected, actual, REL * scale, what + " in program\n" + line);
    return err;
  }
}
