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

  // ------------------------------------------------------------------------ comparisons: branch guards

  /** x > 0 ? x² : -x³, branching on a comparison: the tape keeps its outcome, not x's value. */
  static Value compared(Value x) {
    return x.compareTo(0.0) > 0 ? x.pow(2) : x.pow(3).unaryMinus();
  }

  @Test
  void aComparisonGuardsItsOutcomeSoReplaysThatKeepTheBranchGoOn() {
    assertThrows(TapeGuardException.class, () -> {
      // readme:branch-guards
      Value x = Value.of(2.0);
      Value y = x.compareTo(0.0) > 0 ? x.pow(2) : x.pow(3).unaryMinus();   // a comparison, not a read
      Tape tape = Tape.record(List.of(x), y);
      tape.value(new double[] {3.0});    // 9.0: the branch holds, so the replay goes on
      tape.value(new double[] {-1.0});   // throws TapeGuardException: the branch would flip
      // readme:end
    });
    Value x = Value.of(2.0);
    Tape tape = Tape.record(List.of(x), compared(x));
    double[] g = new double[1];
    assertEquals(9.0, tape.gradient(new double[] {3.0}, g));
    assertEquals(6.0, g[0]);
    assertEquals(0.25, tape.gradient(new double[] {0.5}, g));
    assertEquals(1.0, g[0]);
    TapeGuardException e = assertThrows(TapeGuardException.class, () -> tape.value(new double[] {-1.0}));
    assertTrue(e.getMessage().startsWith("Tape: replay refused: user code compared input 0 with 0.0 while building the graph recorded at "
        + "dev.adjoint.GuardTest.aComparisonGuardsItsOutcomeSoReplaysThatKeepTheBranchGoOn(GuardTest.java:"), e.getMessage());
    assertEquals(9.0, tape.value(new double[] {3.0}));
    assertTrue(e.getMessage().contains("found it greater; this replay gives -1.0 against 0.0"), e.getMessage());
    assertThrows(TapeGuardException.class, () -> tape.value(new double[] {0.0}), "equal is another outcome");
    assertThrows(TapeGuardException.class, () -> tape.value(new double[] {Double.NaN}), "NaN has no order");
    assertEquals(9.0, tape.output(0), "a refused replay leaves the outputs as they were");
    x.setData(-2.0);
    assertThrows(TapeGuardException.class, tape::backward);
    assertEquals(0.0, x.grad(), "a refused replay changes no gradient");
    x.setData(5.0);
    assertEquals(25.0, tape.backward());
    assertEquals(10.0, x.grad());
  }

  @Test
  void everyReplayAgreesWithDefineByRunOrRefuses() {
    // branches on inputs, on an intermediate node, between two nodes, and on a node outside the graph
    List<Function<List<Value>, Value>> fs = List.of(
        v -> compared(v.get(0)).plus(v.get(1)),
        v -> {
          Value p = v.get(0).times(v.get(1));
          return p.compareTo(1.0) >= 0 ? p.log() : p.minus(1.0);
        },
        v -> v.get(0).compareTo(v.get(1)) < 0 ? v.get(0).sin() : v.get(1).exp(),
        v -> v.get(0).plus(v.get(1)).tanh().compareTo(0.5) > 0 ? v.get(0) .times(2.0) : v.get(1).times(3.0));
    double[][] points = {{2, 3}, {0.5, 4}, {-1, 2}, {3, -2}, {0.1, 0.2}, {4, 4}, {-3, -4}, {1, 1}};
    int replayed = 0, refused = 0;
    for (Function<List<Value>, Value> f : fs) {
      for (double[] at : points) {
        Tape tape = Tape.record(at, f);
        for (double[] x : points) {
          List<Value> leaves = Derivatives.leaves(x);
          Value y = f.apply(leaves);
          y.backward();
          double[] g = new double[2];
          try {
            assertEquals(y.data(), tape.gradient(x, g), "value at " + List.of(x[0], x[1]));
            assertEquals(leaves.get(0).grad(), g[0]);
            assertEquals(leaves.get(1).grad(), g[1]);
            replayed++;
          } catch (TapeGuardException flipped) {
            refused++;
          }
        }
      }
    }
    assertTrue(replayed > 100 && refused > 50, replayed + " replayed, " + refused + " refused");
  }

  @Test
  void aComparisonWithNaNIsRefusedAndAComparedRowGraphIsNotBatched() {
    ArithmeticException e = assertThrows(ArithmeticException.class, () -> Value.of(Double.NaN).compareTo(0.0));
    assertTrue(e.getMessage().startsWith("compareTo: cannot order"), e.getMessage());
    assertThrows(ArithmeticException.class, () -> Value.of(1.0).compareTo(Double.NaN));
    Value w = Value.of(1.0), x = Value.of(1.0);
    Value p = w.times(x);
    Value out = p.compareTo(0.0) > 0 ? p.times(1.0) : p.times(0.1);
    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
        () -> BatchTape.record(List.of(w), List.of(x), out, new double[][] {{1.0}, {-1.0}}, Value::sum));
    assertTrue(refused.getMessage().startsWith("BatchTape.record: user code read or compared the value of a '*' node"), refused.getMessage());
  }

  @Test
  void manyComparisonsOfOneValueFallBackToAnExactGuard() {
    Value x = Value.of(5.0);
    Value y = x;
    for (int k = 0; k < 12; k++) y = x.compareTo(k) > 0 ? y.plus(x) : y.times(x); // 12 thresholds: more than a log keeps
    Tape tape = Tape.record(List.of(x), y);
    assertEquals(y.data(), tape.value(new double[] {5.0}));
    assertThrows(TapeGuardException.class, () -> tape.value(new double[] {5.5}), "exact: even a replay that keeps every branch");
  }

  @Test
  void aBranchThatPicksBetweenNodesMadeBeforeItIsGuardedToo() {
    // on the previous main a read made after both nodes was no guard: the replay at -2 returned
    // (-2)² = 4 where define-by-run gives -(-2)³ = 8
    Value x = Value.of(2.0);
    Value square = x.pow(2), cube = x.pow(3).unaryMinus();
    Tape read = Tape.record(List.of(x), x.data() > 0 ? square : cube);
    assertEquals(4.0, read.value(new double[] {2.0}));
    assertThrows(TapeGuardException.class, () -> read.value(new double[] {-2.0}));
    Value z = Value.of(2.0);
    Value zSquare = z.pow(2), zCube = z.pow(3).unaryMinus();
    Tape compared = Tape.record(List.of(z), z.compareTo(0.0) > 0 ? zSquare : zCube);
    assertEquals(9.0, compared.value(new double[] {3.0}));
    assertThrows(TapeGuardException.class, () -> compared.value(new double[] {-2.0}));
  }
}
