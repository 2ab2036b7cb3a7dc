package dev.adjoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.nn.SGD;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Branch flips: a value user code reads while building a graph is a guard of the tape recorded
 * from it; a replay that changes it throws TapeGuardException before changing anything, and a
 * replay that keeps it returns the right numbers. All of these replays returned wrong numbers on
 * the first-round engine.
 */
class GuardTest {
  /** x > 0 ? x² : -x³, branching on the value as user code would. */
  static Value branchy(Value x) {
    return x.data() > 0 ? x.pow(2) : x.pow(3).unaryMinus();
  }

  @Test
  void aBranchOnAnInputRecordedOnOneSideRefusesTheOther() {
    Value x = Value.of(2.0);
    Value y = branchy(x);
    Tape tape = Tape.record(List.of(x), y);
    double[] g = new double[1];
    assertEquals(4.0, tape.gradient(new double[] {2.0}, g));
    assertEquals(4.0, g[0]);
    TapeGuardException e = assertThrows(TapeGuardException.class, () -> tape.value(new double[] {-1.0}));
    assertTrue(e.getMessage().contains("input 0"), e.getMessage());
    assertTrue(e.getMessage().contains("GuardTest.java"), e.getMessage());
    assertThrows(TapeGuardException.class, () -> tape.gradient(new double[] {-1.0}, g));
    assertEquals(4.0, tape.output(0), "a refused replay leaves the outputs as they were");
    x.setData(-1.0);
    assertThrows(TapeGuardException.class, tape::backward);
    assertEquals(0.0, x.grad(), "a refused replay changes no gradient");
    x.setData(2.0);
    assertEquals(4.0, tape.backward());
    assertEquals(4.0, x.grad());
  }

  @Test
  void readmeExample() {
    assertThrows(TapeGuardException.class, () -> {
      // readme:guard
      Value x = Value.of(2.0);
      Value y = x.data() > 0 ? x.pow(2) : x.pow(3).unaryMinus();   // a branch on x's value
      Tape tape = Tape.record(List.of(x), y);
      tape.value(new double[] {2.0});    // 4.0
      tape.value(new double[] {-1.0});   // throws TapeGuardException: the branch would flip
      // readme:end
    });
  }

  @Test
  void aBranchOnAnIntermediateNodeOutsideTheGraphIsGuardedToo() {
    Function<List<Value>, Value> f = v -> {
      Value m = v.get(0).times(v.get(1)); // not part of the result
      return m.data() > 1 ? v.get(0).plus(v.get(1)) : v.get(0).minus(v.get(1));
    };
    Tape tape = Tape.record(new double[] {2.0, 3.0}, f);
    assertEquals(5.0, tape.value(new double[] {2.0, 3.0}));
    assertThrows(TapeGuardException.class, () -> tape.value(new double[] {0.5, 0.5}));
    assertThrows(TapeGuardException.class, () -> tape.jvp(new double[] {0.5, 0.5}, new double[] {1, 0}));
    assertThrows(TapeGuardException.class, () -> tape.hvp(new double[] {0.5, 0.5}, new double[] {1, 0}, new double[2], null));
    assertThrows(TapeGuardException.class, () -> tape.copy().value(new double[] {0.5, 0.5}));
  }

  @Test
  void severalBranchingFunctionsRefuseEveryFlip() {
    List<Function<List<Value>, Value>> fs = List.of(
        v -> branchy(v.get(0)),
        v -> v.get(0).data() < v.get(1).data() ? v.get(1).minus(v.get(0)) : v.get(0).minus(v.get(1)), // |a - b|
        v -> { // Huber with δ = 1
          Value r = v.get(0).minus(v.get(1));
          return Math.abs(r.data()) <= 1 ? r.pow(2).times(0.5) : r.abs().minus(0.5);
        },
        v -> v.get(0).data() > 0 ? v.get(0).log() : v.get(0).times(v.get(0)));
    double[][] points = {{2.0, 1.0}, {-1.0, 3.0}, {0.25, 0.5}, {5.0, -5.0}};
    for (int i = 0; i < fs.size(); i++) {
      Function<List<Value>, Value> f = fs.get(i);
      for (double[] at : points) {
        Tape tape = Tape.record(at, f);
        for (double[] to : points) {
          double[] g = new double[2];
          List<Value> leaves = List.of(Value.of(to[0]), Value.of(to[1]));
          Value truth = f.apply(leaves);
          truth.backward();
          try {
            double y = tape.gradient(to, g);
            assertEquals(truth.data(), y, "function " + i);
            assertEquals(leaves.get(0).grad(), g[0], "function " + i);
            assertEquals(leaves.get(1).grad(), g[1], "function " + i);
          } catch (TapeGuardException refused) {
            // a refusal is always right; only a number must be
          }
        }
      }
    }
  }

  @Test
  void readsAfterTheGraphIsBuiltAndLibraryReadsAreNoGuards() {
    Value w = Value.of(0.5), x = Value.of(3.0);
    Value y = w.times(x).tanh();
    System.out.println(y.data() + " " + y); // printing the result shapes nothing
    Tape tape = Tape.record(List.of(w), y);
    SGD sgd = SGD.of(List.of(w), k -> 0.1);
    for (int k = 0; k < 3; k++) {
      sgd.zeroGrad();
      tape.backward();
      sgd.step(); // reads and writes w through the library's own access
    }
    assertEquals(Math.tanh(w.data() * 3.0), tape.value(new double[] {w.data()}));
  }

  @Test
  void aBatchTapeRefusesARowGraphThatReadAValueAndGuardsItsLoss() {
    Value w = Value.of(0.5);
    Value x = Value.of(1.0);
    Value row = x.data() > 0 ? w.times(x) : w.times(x).unaryMinus();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> BatchTape.record(List.of(w), List.of(x), row, new double[][] {{1.0}, {-2.0}}, Value::sum));
    assertTrue(e.getMessage().contains("row leaf 0"), e.getMessage());
    // a loss that branches on each row's output (Huber-like) is guarded on the reduction tape
    Value x2 = Value.of(0.0);
    BatchTape tape = BatchTape.record(List.of(w), List.of(x2), w.times(x2), new double[][] {{1.0}, {4.0}},
        outs -> {
          Value s = Value.of(0.0);
          for (Value o : outs) s = s.plus(Math.abs(o.data()) <= 1 ? o.pow(2) : o.abs());
          return s;
        });
    assertEquals(0.25 + 2.0, tape.backward());
    double before = w.grad();
    w.setData(0.1); // row outputs 0.1 and 0.4: the second row's branch flips
    assertThrows(TapeGuardException.class, tape::backward);
    assertEquals(before, w.grad(), "a refused replay changes no gradient");
  }
}
