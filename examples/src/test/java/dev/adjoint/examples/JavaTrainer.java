package dev.adjoint.examples;

import dev.adjoint.nn.Adam;
import dev.adjoint.nn.Dataset;
import dev.adjoint.nn.Init;
import dev.adjoint.nn.MLP;
import dev.adjoint.nn.Objective;
import dev.adjoint.nn.Trainer;
import java.util.Random;

/** The README's Java Trainer example: three spirals in mini-batches with a validation split. */
public final class JavaTrainer {
  /** Trains and returns the last epoch. */
  public static Trainer.Epoch train() {
    // readme:java-trainer
    Dataset all = Dataset.spirals(100, 3, 0.2, 1);
    MLP model = MLP.random(new Random(1), Init.PYTORCH, 2, 16, 16, 3);
    Trainer trainer = Trainer.of(model, Objective.softmaxCrossEntropy(), Adam.of(model.parameters(), 0.01))
        .batchSize(32).seed(1).validation(all.slice(240, 300));
    Trainer.History history = trainer.fit(all.slice(0, 240), 80);
    Trainer.Epoch last = history.epochs().get(history.epochs().size() - 1);
    System.out.printf("validation accuracy %.3f%n", last.validationMetric());  // 1.000
    // readme:end
    return last;
  }

  public static void main(String[] args) {
    train();
  }
}
