package dev.adjoint.nn;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/** A labelled data set: rows of features {@code x(i)} and one label {@code y(i)} per row. Immutable. */
public final class Dataset {
  private final double[][] x;
  private final double[] y;

  private Dataset(double[][] x, double[] y) {
    java.util.Objects.requireNonNull(x, "Dataset: the rows are null");
    java.util.Objects.requireNonNull(y, "Dataset: the labels are null");
    for (int i = 0; i < x.length; i++) if (x[i] == null) throw new NullPointerException("Dataset: row " + i + " is null");
    if (x.length != y.length) throw new IllegalArgumentException("Dataset: " + x.length + " rows but " + y.length + " labels");
    if (x.length == 0) throw new IllegalArgumentException("Dataset: no rows");
    int d = x[0].length;
    this.x = new double[x.length][];
    for (int i = 0; i < x.length; i++) {
      if (x[i].length != d) throw new IllegalArgumentException("Dataset: row " + i + " has " + x[i].length + " features, row 0 has " + d);
      for (int j = 0; j < d; j++) {
        if (!Double.isFinite(x[i][j])) throw new IllegalArgumentException("Dataset: feature " + j + " of row " + i + " is " + x[i][j]);
      }
      if (!Double.isFinite(y[i])) throw new IllegalArgumentException("Dataset: label of row " + i + " is " + y[i]);
      this.x[i] = x[i].clone();
    }
    this.y = y.clone();
  }

  /** A data set of the given rows and labels (copied). */
  public static Dataset of(double[][] x, double[] y) {
    return new Dataset(x, y);
  }

  /** XOR with labels in {-1, +1}: (0,0) → -1, (0,1) → +1, (1,0) → +1, (1,1) → -1. */
  public static Dataset xor() {
    return new Dataset(new double[][] {{0, 0}, {0, 1}, {1, 0}, {1, 1}}, new double[] {-1, 1, 1, -1});
  }

  /**
   * Two interleaving half circles, following scikit-learn's make_moons: n/2 points (rounded down)
   * on the outer moon (label -1), the rest on the inner one (label +1), shuffled, then Gaussian
   * noise of standard deviation noise added to every coordinate. Labels are in {-1, +1}, as in
   * micrograd's demo. The same seed gives the same points.
   */
  public static Dataset moons(int n, double noise, long seed) {
    if (n < 2) throw new IllegalArgumentException("moons: n must be at least 2, was " + n);
    if (!(noise >= 0)) throw new IllegalArgumentException("moons: noise must be non-negative, was " + noise);
    fits("moons", n, 2);
    Random rng = new Random(seed);
    int out = n / 2, in = n - out;
    double[][] x = new double[n][];
    double[] y = new double[n];
    for (int i = 0; i < out; i++) {
      double t = out == 1 ? 0 : Math.PI * i / (out - 1);
      x[i] = new double[] {Math.cos(t), Math.sin(t)};
      y[i] = -1;
    }
    for (int i = 0; i < in; i++) {
      double t = in == 1 ? 0 : Math.PI * i / (in - 1);
      x[out + i] = new double[] {1 - Math.cos(t), 1 - Math.sin(t) - 0.5};
      y[out + i] = 1;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      double[] tx = x[i]; x[i] = x[j]; x[j] = tx;
      double ty = y[i]; y[i] = y[j]; y[j] = ty;
    }
    for (double[] row : x) {
      row[0] += noise * rng.nextGaussian();
      row[1] += noise * rng.nextGaussian();
    }
    return new Dataset(x, y);
  }

  /**
   * Interleaved spirals, one per class (CS231n's data set): class c's {@code perClass} points lie
   * at radius r = i/(perClass-1) and angle 4c + 4r plus Gaussian noise of standard deviation
   * noise, at (r·sin θ, r·cos θ); labels are the class indices 0..classes-1; rows shuffled. The
   * same seed gives the same points.
   */
  public static Dataset spirals(int perClass, int classes, double noise, long seed) {
    if (perClass < 2) throw new IllegalArgumentException("spirals: perClass must be at least 2, was " + perClass);
    if (classes < 2) throw new IllegalArgumentException("spirals: classes must be at least 2, was " + classes);
    if (!(noise >= 0)) throw new IllegalArgumentException("spirals: noise must be non-negative, was " + noise);
    if ((long) perClass * classes > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("spirals: " + perClass + " points per class × " + classes + " classes is more than an array holds");
    }
    fits("spirals", (long) perClass * classes, 2);
    Random rng = new Random(seed);
    int n = perClass * classes;
    double[][] x = new double[n][];
    double[] y = new double[n];
    for (int c = 0; c < classes; c++) {
      for (int i = 0; i < perClass; i++) {
        double r = (double) i / (perClass - 1);
        double t = 4.0 * c + 4.0 * r + noise * rng.nextGaussian();
        x[c * perClass + i] = new double[] {r * Math.sin(t), r * Math.cos(t)};
        y[c * perClass + i] = c;
      }
    }
    for (int i = n - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      double[] tx = x[i]; x[i] = x[j]; x[j] = tx;
      double ty = y[i]; y[i] = y[j]; y[j] = ty;
    }
    return new Dataset(x, y);
  }

  /** Rows from (inclusive) to to (exclusive), for example a validation split of a shuffled set. */
  public Dataset slice(int from, int to) {
    if (from < 0 || to > size() || from >= to) {
      throw new IllegalArgumentException("slice: rows " + from + ".." + to + " are not a non-empty range of 0.." + size());
    }
    return new Dataset(Arrays.copyOfRange(x, from, to), Arrays.copyOfRange(y, from, to));
  }

  /**
   * Reads a CSV file: every column but the last is a feature, the last is the label; blank lines
   * are skipped. The first line is a header when none of its cells is a number (so a file without
   * a header loses no row); {@link #csv(Path, boolean)} says it explicitly.
   *
   * @throws IOException if the file cannot be read
   * @throws IllegalArgumentException naming the file, line and column of a malformed row or number
   */
  public static Dataset csv(Path file) throws IOException {
    List<String> lines = read(file);
    boolean header = false;
    if (!lines.isEmpty()) {
      header = true;
      for (String cell : lines.get(0).split(",", -1)) if (isDecimal(cell.trim())) header = false;
    }
    return csv(file, lines, header);
  }

  /**
   * Reads a CSV file as {@link #csv(Path)} does, with a header line to skip when {@code header} is
   * true. Every cell must be a finite decimal number ({@code -1}, {@code 2.5}, {@code 4e-1});
   * {@code NaN}, {@code Infinity}, hexadecimal and out-of-range numbers ({@code 1e999}) are
   * rejected.
   *
   * @throws IOException if the file cannot be read
   * @throws IllegalArgumentException naming the file, line and column of a malformed row or number
   */
  public static Dataset csv(Path file, boolean header) throws IOException {
    return csv(file, read(file), header);
  }

  /** The lines of a CSV file; a directory or bad UTF-8 is an error naming the file. */
  private static List<String> read(Path file) throws IOException {
    java.util.Objects.requireNonNull(file, "csv: the path is null");
    if (Files.isDirectory(file)) throw new IOException(file + ": is a directory, not a CSV file");
    try {
      return Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (java.nio.charset.CharacterCodingException e) {
      throw new IOException(file + ": not UTF-8 text (" + e + ")", e);
    }
  }

  /**
   * Whether s is a decimal number: {@code [+-]?(d+.?d*|.d+)([eE][+-]?d+)?} with d an ASCII digit.
   * Scanned by hand, not with a regular expression: in a cold JVM the JIT spent seconds of its
   * only C2 thread compiling the regex matcher that reading a 1,000-row file made hot, while the
   * training that followed waited for its own methods to be compiled.
   */
  static boolean isDecimal(String s) {
    int i = 0, n = s.length();
    if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) i++;
    int before = digits(s, i);
    i += before;
    int after = 0;
    if (i < n && s.charAt(i) == '.') {
      i++;
      after = digits(s, i);
      i += after;
    }
    if (before == 0 && after == 0) return false;
    if (i < n && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
      i++;
      if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) i++;
      int exponent = digits(s, i);
      if (exponent == 0) return false;
      i += exponent;
    }
    return i == n;
  }

  /** The number of ASCII digits in s from index i on. */
  private static int digits(String s, int i) {
    int k = i;
    while (k < s.length() && s.charAt(k) >= '0' && s.charAt(k) <= '9') k++;
    return k - i;
  }

  private static Dataset csv(Path file, List<String> lines, boolean header) {
    int first = header ? 1 : 0;
    int columns = header && !lines.isEmpty() ? lines.get(0).split(",", -1).length : -1;
    if (header && columns < 2) throw new IllegalArgumentException(file + ":1: expected at least one feature and a label, got '" + (lines.isEmpty() ? "" : lines.get(0)) + "'");
    List<double[]> xs = new ArrayList<>();
    List<Double> ys = new ArrayList<>();
    for (int i = first; i < lines.size(); i++) {
      String line = lines.get(i).trim();
      if (line.isEmpty()) continue;
      String[] cells = line.split(",", -1);
      if (columns < 0) {
        columns = cells.length;
        if (columns < 2) {
          throw new IllegalArgumentException(file + ":" + (i + 1) + ": expected at least one feature and a label, got '" + line + "'");
        }
      }
      if (cells.length != columns) {
        throw new IllegalArgumentException(file + ":" + (i + 1) + ": expected " + columns + " columns, got " + cells.length + ": '" + line + "'");
      }
      double[] row = new double[columns - 1];
      for (int c = 0; c < columns; c++) {
        String cell = cells[c].trim();
        double v = isDecimal(cell) ? Double.parseDouble(cell) : Double.NaN;
        if (!Double.isFinite(v)) {
          throw new IllegalArgumentException(file + ":" + (i + 1) + ": column " + (c + 1) + " is not a "
              + (isDecimal(cell) ? "finite number (out of range)" : "number") + ": '" + cells[c] + "'");
        }
        if (c < columns - 1) row[c] = v; else ys.add(v);
      }
      xs.add(row);
    }
    if (xs.isEmpty()) throw new IllegalArgumentException(file + ": no data rows" + (header ? " after the header line" : ""));
    double[] y = new double[ys.size()];
    for (int i = 0; i < y.length; i++) y[i] = ys.get(i);
    return new Dataset(xs.toArray(new double[0][]), y);
  }

  /** The number of rows. */
  public int size() {
    return y.length;
  }

  /** The number of features per row. */
  public int features() {
    return x[0].length;
  }

  /** Row i's features (a copy). */
  public double[] x(int i) {
    return x[row("x", i)].clone();
  }

  /** Row i's label. */
  public double y(int i) {
    return y[row("y", i)];
  }

  /** i, checked to be a row. */
  private int row(String what, int i) {
    if (i < 0 || i >= y.length) throw new IndexOutOfBoundsException(what + ": row " + i + " is outside 0.." + (y.length - 1));
    return i;
  }

  /** Throws if n rows of d features would not fit in the heap (before allocating them). */
  static void fits(String what, long n, int d) {
    long bytes = n * (8L * d + 16 + 8 + 8) * 2; // each row an array, its reference and label; copied once
    long max = Runtime.getRuntime().maxMemory();
    if (bytes > max) {
      throw new IllegalArgumentException(what + ": " + n + " rows need about " + (bytes >> 20) + " MB, more than the heap's "
          + (max >> 20) + " MB (-Xmx)");
    }
  }

  /** All labels (a copy). */
  public double[] labels() {
    return y.clone();
  }
}
