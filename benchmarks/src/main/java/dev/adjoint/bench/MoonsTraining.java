package dev.adjoint.bench;

import dev.adjoint.BatchTape;
import dev.adjoint.Tape;
import dev.adjoint.Value;
import dev.adjoint.nn.Dataset;
import dev.adjoint.nn.Loss;
import dev.adjoint.nn.MLP;
import dev.adjoint.nn.SGD;
import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleSupplier;

/**
 * One step of the moons workload (full-batch hinge loss plus 1e-4·Σp², SGD with
 * lr = 1.0 - 0.9·k/100), four ways: Adjoint define-by-run, Adjoint's recorded tape of the whole
 * graph, its row-parallel batch tape (what Kotlin's fit uses), and backpropagation written by
 * hand in plain doubles (the baseline).
 */
public final class MoonsTraining {
  private MoonsTraining() {}

  /** One way of training: each call is one step, returning the loss before its update. */
  public interface Trainer {
    double step();
  }

  /** Runs 100 steps; returns the last loss. */
  static double hundredSteps(Trainer t) {
    double loss = 0;
    for (int k = 0; k < 100; k++) loss = t.step();
    return loss;
  }

  static MLP model(Workloads.Moons m) {
    return MLP.of(m.weights, m.biases);
  }

  static Dataset data(Workloads.Moons m) {
    return Dataset.of(m.x, m.y);
  }

  /** Rebuilds the graph every step. */
  public static final class Dynamic implements Trainer {
    final MLP model;
    final Dataset data;
    final double[] labels;
    final SGD opt;

    public Dynamic(Workloads.Moons m) {
      model = model(m);
      data = data(m);
      labels = data.labels();
      opt = SGD.of(model.parameters(), k -> 1.0 - 0.9 * k / 100);
    }

    @Override
    public double step() {
      List<Value> scores = model.scores(data);
      Value loss = Loss.hinge(scores, labels).plus(Loss.l2(model.parameters(), 1e-4));
      opt.zeroGrad();
      loss.backward();
      opt.step();
      return loss.data();
    }
  }

  /** Replays a recorded loss every step: zeroed gradients, the replay's backward, one SGD step. */
  static final class Replayed implements Trainer {
    final SGD opt;
    final DoubleSupplier backward;

    Replayed(MLP model, DoubleSupplier backward) {
      this.opt = SGD.of(model.parameters(), k -> 1.0 - 0.9 * k / 100);
      this.backward = backward;
    }

    @Override
    public double step() {
      opt.zeroGrad();
      double loss = backward.getAsDouble();
      opt.step();
      return loss;
    }
  }

  /** Records the whole graph once on a {@link Tape}, then replays it every step. */
  public static Trainer taped(Workloads.Moons m) {
    MLP model = model(m);
    Dataset data = data(m);
    List<Value> scores = model.scores(data);
    Value loss = Loss.hinge(scores, data.labels()).plus(Loss.l2(model.parameters(), 1e-4));
    List<Value> outputs = new ArrayList<>(scores.size() + 1);
    outputs.add(loss);
    outputs.addAll(scores);
    return new Replayed(model, Tape.record(model.parameters(), outputs)::backward);
  }

  /** Records one row's graph once, then replays it over every row together (a {@link BatchTape}). */
  public static Trainer batched(Workloads.Moons m) {
    return batched(m, 1);
  }

  /** As {@link #batched(Workloads.Moons)}, the rows split into {@code shards} data-parallel shards. */
  public static Trainer batched(Workloads.Moons m, int shards) {
    MLP model = model(m);
    List<Value> row = List.of(Value.of(0.0), Value.of(0.0));
    BatchTape tape = BatchTape.record(model.parameters(), row, model.apply(row).get(0), m.x,
        scores -> Loss.hinge(scores, m.y).plus(Loss.l2(model.parameters(), 1e-4)), shards);
    return new Replayed(model, tape::backward);
  }

  /** The same network and step with backpropagation written out by hand, in plain doubles. */
  public static final class HandCoded implements Trainer {
    final double[][] x;
    final double[] y;
    final double[][][] w;
    final double[][] b;
    final double[][][] gw;
    final double[][] gb;
    final double[][] act;
    final double[][] delta;
    int k;

    public HandCoded(Workloads.Moons m) {
      x = m.x;
      y = m.y;
      int layers = m.weights.length;
      w = new double[layers][][];
      gw = new double[layers][][];
      b = new double[layers][];
      gb = new double[layers][];
      act = new double[layers + 1][];
      delta = new double[layers][];
      act[0] = new double[m.weights[0][0].length];
      for (int l = 0; l < layers; l++) {
        w[l] = new double[m.weights[l].length][];
        gw[l] = new double[m.weights[l].length][m.weights[l][0].length];
        for (int j = 0; j < w[l].length; j++) w[l][j] = m.weights[l][j].clone();
        b[l] = m.biases[l].clone();
        gb[l] = new double[b[l].length];
        act[l + 1] = new double[b[l].length];
        delta[l] = new double[b[l].length];
      }
    }

    /** Forward pass of one sample into act[]; returns the score. */
    double forward(double[] input) {
      System.arraycopy(input, 0, act[0], 0, input.length);
      for (int l = 0; l < w.length; l++) {
        double[] in = act[l], out = act[l + 1];
        for (int j = 0; j < out.length; j++) {
          double s = 0;
          double[] row = w[l][j];
          for (int q = 0; q < in.length; q++) s += row[q] * in[q];
          s += b[l][j];
          out[j] = l < w.length - 1 ? Math.max(s, 0) : s;
        }
      }
      return act[w.length][0];
    }

    @Override
    public double step() {
      int layers = w.length, n = x.length;
      for (int l = 0; l < layers; l++) {
        for (double[] row : gw[l]) java.util.Arrays.fill(row, 0);
        java.util.Arrays.fill(gb[l], 0);
      }
      double hinge = 0;
      for (int i = 0; i < n; i++) {
        double s = forward(x[i]);
        double margin = 1 - y[i] * s;
        if (margin <= 0) continue;
        hinge += margin;
        delta[layers - 1][0] = -y[i] / n;
        for (int l = layers - 1; l >= 0; l--) {
          double[] in = act[l], d = delta[l];
          for (int j = 0; j < d.length; j++) {
            double dj = d[j];
            gb[l][j] += dj;
            double[] g = gw[l][j];
            for (int q = 0; q < in.length; q++) g[q] += dj * in[q];
          }
          if (l > 0) {
            double[] prev = delta[l - 1];
            for (int q = 0; q < prev.length; q++) {
              double back = 0;
              for (int j = 0; j < d.length; j++) back += d[j] * w[l][j][q];
              prev[q] = act[l][q] > 0 ? back : 0;
            }
          }
        }
      }
      double l2 = 0;
      double lr = 1.0 - 0.9 * k++ / 100;
      for (int l = 0; l < layers; l++) {
        for (int j = 0; j < w[l].length; j++) {
          for (int q = 0; q < w[l][j].length; q++) {
            double p = w[l][j][q];
            l2 += p * p;
            w[l][j][q] = p - lr * (gw[l][j][q] + 2e-4 * p);
          }
          double p = b[l][j];
          l2 += p * p;
          b[l][j] = p - lr * (gb[l][j] + 2e-4 * p);
        }
      }
      return hinge / n + 1e-4 * l2;
    }
  }
}
