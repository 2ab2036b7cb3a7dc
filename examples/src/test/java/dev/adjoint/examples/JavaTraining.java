package dev.adjoint.examples;

import dev.adjoint.Value;
import dev.adjoint.nn.Dataset;
import dev.adjoint.nn.Loss;
import dev.adjoint.nn.MLP;
import dev.adjoint.nn.SGD;
import java.util.List;

/** A whole training loop in plain Java: the moons workload, step by step. */
public final class JavaTraining {
  /** Trains model on data for the given steps; returns the loss of every step. */
  public static double[] train(MLP model, Dataset data, int steps) {
    double[] losses = new double[steps];
    // readme:java-training
    SGD optimizer = SGD.of(model.parameters(), k -> 1.0 - 0.9 * k / 100);
    for (int k = 0; k < steps; k++) {
      List<Value> scores = model.scores(data);
      Value loss = Loss.hinge(scores, data.labels()).plus(Loss.l2(model.parameters(), 1e-4));
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
      losses[k] = loss.data();
    }
    // readme:end
    return losses;
  }

  public static void main(String[] args) {
    Dataset data = Dataset.moons(100, 0.1, 42);
    MLP model = new MLP(2, 16, 16, 1);
    double[] losses = train(model, data, 100);
    System.out.printf("loss %.6f, accuracy %.0f%%%n", losses[99], 100 * Loss.accuracy(model.scores(data), data.labels()));
  }
}
