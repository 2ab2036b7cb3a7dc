package dev.adjoint.bench;

import dev.adjoint.Value;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.hipparchus.analysis.differentiation.Gradient;

/** The benchmark workloads, each written against Adjoint and as plain double code. */
public final class Workloads {
  private Workloads() {}

  // ------------------------------------------------------------------ log-sum-exp, sum of products

  /** ln Σ e^xᵢ in plain doubles. */
  public static double logSumExp(double[] x) {
    double s = 0;
    for (double v : x) s += Math.exp(v);
    return Math.log(s);
  }

  /** ln Σ e^xᵢ on Adjoint: one exp node per input, one fused sum, one log. */
  public static final Function<List<Value>, Value> LOG_SUM_EXP = xs -> {
    List<Value> e = new ArrayList<>(xs.size());
    for (Value x : xs) e.add(x.exp());
    return Value.sum(e).log();
  };

  /** Σ xᵢ·xᵢ₊₁ in plain doubles. */
  public static double sumOfProducts(double[] x) {
    double s = 0;
    for (int i = 0; i + 1 < x.length; i++) s += x[i] * x[i + 1];
    return s;
  }

  /** Σ xᵢ·xᵢ₊₁ on Adjoint as a chain of binary nodes: s ← s + xᵢ·xᵢ₊₁. */
  public static final Function<List<Value>, Value> SUM_OF_PRODUCTS = xs -> {
    Value s = xs.get(0).times(xs.get(1));
    for (int i = 1; i + 1 < xs.size(); i++) s = s.plus(xs.get(i).times(xs.get(i + 1)));
    return s;
  };

  /** A chain of n binary multiplications: x₀·x₁·…, one node each. */
  public static final Function<List<Value>, Value> PRODUCT_CHAIN = xs -> {
    Value s = xs.get(0);
    for (int i = 1; i < xs.size(); i++) s = s.times(xs.get(i));
    return s;
  };

  // ------------------------------------------------------------------ extended Rosenbrock

  /** Σ 100 (xᵢ₊₁ - xᵢ²)² + (1 - xᵢ)² in plain doubles. */
  public static double rosenbrock(double[] x) {
    double s = 0;
    for (int i = 0; i + 1 < x.length; i++) {
      double a = x[i + 1] - x[i] * x[i], b = 1 - x[i];
      s += 100 * a * a + b * b;
    }
    return s;
  }

  /** Extended Rosenbrock on Adjoint. */
  public static final Function<List<Value>, Value> ROSENBROCK = xs -> {
    List<Value> terms = new ArrayList<>(2 * xs.size());
    for (int i = 0; i + 1 < xs.size(); i++) {
      terms.add(xs.get(i + 1).minus(xs.get(i).pow(2)).pow(2).times(100.0));
      terms.add(Value.of(1.0).minus(xs.get(i)).pow(2));
    }
    return Value.sum(terms);
  };

  /** Extended Rosenbrock's gradient with Hipparchus's forward-mode {@link Gradient}. */
  public static double[] rosenbrockHipparchus(double[] x) {
    int n = x.length;
    Gradient[] v = new Gradient[n];
    for (int i = 0; i < n; i++) v[i] = Gradient.variable(n, i, x[i]);
    Gradient s = Gradient.constant(n, 0.0);
    for (int i = 0; i + 1 < n; i++) {
      Gradient a = v[i + 1].subtract(v[i].multiply(v[i]));
      Gradient b = v[i].negate().add(1.0);
      s = s.add(a.multiply(a).multiply(100.0)).add(b.multiply(b));
    }
    return s.getGradient();
  }

  // ------------------------------------------------------------------ the moons workload

  /** A moons data set and initial MLP weights, as ../shared/data has them. */
  public static final class Moons {
    public final double[][] x;
    public final double[] y;
    /** weights[l][j][k]: layer l, neuron j, input k. */
    public final double[][][] weights;
    public final double[][] biases;

    Moons(double[][] x, double[] y, double[][][] weights, double[][] biases) {
      this.x = x;
      this.y = y;
      this.weights = weights;
      this.biases = biases;
    }

    /** "100" (moons-100, mlp-2-16-16-1), "1000" or "10000" (moons-1000 or moons-10000, mlp-2-64-64-1). */
    public static Moons load(String size) throws IOException {
      String init = size.equals("100") ? "mlp-2-16-16-1.json" : "mlp-2-64-64-1.json";
      List<double[]> rows = new ArrayList<>();
      List<Double> labels = new ArrayList<>();
      List<String> csv = lines("moons-" + size + ".csv");
      for (String line : csv.subList(1, csv.size())) {
        if (line.isBlank()) continue;
        String[] c = line.split(",");
        rows.add(new double[] {Double.parseDouble(c[0]), Double.parseDouble(c[1])});
        labels.add(Double.parseDouble(c[2]));
      }
      double[] y = new double[labels.size()];
      for (int i = 0; i < y.length; i++) y[i] = labels.get(i);
      JsonNode layers = new ObjectMapper().readTree(Workloads.class.getResourceAsStream("/data/" + init)).path("layers");
      double[][][] ws = new double[layers.size()][][];
      double[][] bs = new double[layers.size()][];
      for (int l = 0; l < layers.size(); l++) {
        JsonNode w = layers.get(l).path("w"), b = layers.get(l).path("b");
        ws[l] = new double[w.size()][];
        for (int j = 0; j < w.size(); j++) {
          ws[l][j] = new double[w.get(j).size()];
          for (int k = 0; k < ws[l][j].length; k++) ws[l][j][k] = w.get(j).get(k).asDouble();
        }
        bs[l] = new double[b.size()];
        for (int j = 0; j < bs[l].length; j++) bs[l][j] = b.get(j).asDouble();
      }
      return new Moons(rows.toArray(new double[0][]), y, ws, bs);
    }

    private static List<String> lines(String name) throws IOException {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(
          Workloads.class.getResourceAsStream("/data/" + name), StandardCharsets.UTF_8))) {
        return r.lines().toList();
      }
    }
  }
}
