package dev.adjoint;

import static dev.adjoint.nn.TrainerTest.zeroOne;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.adjoint.nn.Adam;
import dev.adjoint.nn.Dataset;
import dev.adjoint.nn.Init;
import dev.adjoint.nn.Loss;
import dev.adjoint.nn.MLP;
import dev.adjoint.nn.Model;
import dev.adjoint.nn.Objective;
import dev.adjoint.nn.Trainer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link Trainer#evaluate} builds no graph once its recordings exist (observed through the
 * per-thread node counter), and gives bitwise the define-by-run loss and metric of each objective.
 */
class EvaluateNoGraphTest {
  /** The loss of the model on data with every graph built define-by-run, as evaluate used to. */
  private static double defineByRun(Model model, Objective objective, Dataset data) {
    List<Value> outputs = new ArrayList<>();
    for (int r = 0; r < data.size(); r++) {
      List<Value> in = new ArrayList<>();
      for (double v : data.x(r)) in.add(Value.of(v));
      outputs.addAll(model.apply(in));
    }
    return objective.loss(outputs, data.labels()).data();
  }

  private static void check(Objective objective, Dataset train, Dataset heldOut, int outputs) {
    MLP model = MLP.random(new Random(3), Init.PYTORCH, 2, 8, 8, outputs);
    Trainer trainer = Trainer.of(model, objective, Adam.of(model.parameters(), 0.02)).batchSize(16).seed(5);
    for (int round = 0; round < 4; round++) {
      Trainer.Evaluation e = trainer.evaluate(heldOut);
      assertEquals(Double.doubleToRawLongBits(defineByRun(model, objective, heldOut)), Double.doubleToRawLongBits(e.loss()),
          objective + ": evaluate's loss is bitwise the define-by-run loss (round " + round + ")");
      int recorded = trainer.recordings();
      int before = Sweep.peekHash();
      Trainer.Evaluation again = trainer.evaluate(heldOut);
      assertEquals(before, Sweep.peekHash(), objective + ": evaluate made no node once recorded");
      assertEquals(recorded, trainer.recordings(), objective + ": evaluate did not record again");
      assertEquals(Double.doubleToRawLongBits(e.loss()), Double.doubleToRawLongBits(again.loss()));
      assertEquals(Double.doubleToRawLongBits(e.metric()), Double.doubleToRawLongBits(again.metric()));
      trainer.fit(train, 1); // the parameters move: the recordings read them live
    }
  }

  @Test
  void everyBuiltInObjectiveIsBitwiseTheDefineByRunLossWithoutANode() {
    Dataset moons = Dataset.moons(120, 0.1, 7);
    Dataset train = moons.slice(0, 80), heldOut = moons.slice(80, 120);
    check(Objective.hinge(), train, heldOut, 1);
    check(Objective.mse(), train, heldOut, 1);
    check(Objective.huber(0.5), train, heldOut, 1);
    check(Objective.binaryCrossEntropy(), zeroOne(train), zeroOne(heldOut), 1);
    check(Objective.of("mse by Loss", Loss::mse, Objective.Metric.NONE), train, heldOut, 1);
    Dataset spirals = Dataset.spirals(30, 3, 0.2, 1);
    check(Objective.softmaxCrossEntropy(), spirals.slice(0, 60), spirals.slice(60, 90), 3);
  }

  @Test
  void aBranchingLossFallsBackToDefineByRunWithTheSameNumbers() {
    // a loss that branches on data(): its recording's guards refuse replays at other values
    Objective branching = Objective.of("branching", (s, y) -> {
      List<Value> terms = new ArrayList<>();
      for (int i = 0; i < y.length; i++) {
        Value r = s.get(i).minus(y[i]);
        terms.add(Math.abs(r.data()) <= 1 ? r.pow(2).times(0.5) : r.abs().minus(0.5));
      }
      return Loss.mean(terms);
    }, Objective.Metric.NONE);
    Dataset moons = Dataset.moons(60, 0.1, 3);
    MLP model = MLP.random(new Random(1), Init.PYTORCH, 2, 8, 1);
    Trainer trainer = Trainer.of(model, branching, Adam.of(model.parameters(), 0.05));
    for (int round = 0; round < 5; round++) {
      assertEquals(Double.doubleToRawLongBits(defineByRun(model, branching, moons)), Double.doubleToRawLongBits(trainer.evaluate(moons).loss()));
      trainer.fit(moons, 1);
    }
  }
}
