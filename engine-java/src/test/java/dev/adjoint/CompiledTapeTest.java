package dev.adjoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.nn.Dataset;
import dev.adjoint.nn.Loss;
import dev.adjoint.nn.MLP;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Tape.compile(): generated replays give bitwise the generic tape's and the graph's results. */
class CompiledTapeTest {
  /** Bitwise, but any NaN matches any NaN (which NaN an operation passes on is the JIT's choice). */
  static void same(double expected, double actual, String what) {
    if (Double.isNaN(expected) && Double.isNaN(actual)) return;
    assertEquals(Double.doubleToLongBits(expected), Double.doubleToLongBits(actual), what + ": " + expected + " vs " + actual);
  }

  static void same(double[] expected, double[] actual, String what) {
    assertEquals(expected.length, actual.length, what);
    for (int i = 0; i < expected.length; i++) same(expected[i], actual[i], what + " [" + i + "]");
  }

  /** Every replay method of both tapes at x (and direction v), compared bitwise. */
  static void sameReplays(Tape generic, Tape compiled, double[] x, double[] v, String what) {
    int n = x.length;
    same(generic.value(x), compiled.value(x), what + " value");
    for (int k = 0; k < generic.outputs(); k++) same(generic.output(k), compiled.output(k), what + " output " + k);
    double[] g1 = new double[n], g2 = new double[n];
    same(generic.gradient(x, g1), compiled.gradient(x, g2), what + " gradient's value");
    same(g1, g2, what + " gradient");
    same(generic.jvp(x, v), compiled.jvp(x, v), what + " jvp");
    double[] h1 = new double[n], h2 = new double[n];
    same(generic.hvp(x, v, h1, g1), compiled.hvp(x, v, h2, g2), what + " hvp's value");
    same(h1, h2, what + " hvp");
    same(g1, g2, what + " hvp's gradient");
  }

  @Test
  void readmeExample() {
    double[] x0 = new double[100];
    java.util.Arrays.fill(x0, 0.5);
    // readme:java-compile
    Tape tape = Tape.record(x0, x -> {
      List<Value> terms = new ArrayList<>();
      for (int i = 0; i + 1 < x.size(); i++) {
        terms.add(x.get(i + 1).minus(x.get(i).pow(2)).pow(2).times(100.0));
        terms.add(Value.of(1.0).minus(x.get(i)).pow(2));
      }
      return Value.sum(terms);
    });
    Tape fast = tape.compile();          // bytecode for this tape's shape, cached
    double[] grad = new double[100];
    double y = fast.gradient(x0, grad);  // bitwise tape.gradient(x0, grad)
    // readme:end
    assertTrue(fast.isCompiled());
    double[] generic = new double[100];
    same(tape.gradient(x0, generic), y, "readme value");
    same(generic, grad, "readme gradient");
  }

  @Test
  void randomProgramsEqualGenericAndDefineByRunBitwise() {
    Random r = new Random(17);
    for (int seed = 0; seed < 150; seed++) {
      Function<List<Value>, Value> f = TapeTest.program(seed);
      Tape generic = Tape.record(TapeTest.point(r, 4), f);
      Tape compiled = generic.compile();
      assertTrue(compiled.isCompiled(), compiled.whyNotCompiled());
      for (int trial = 0; trial < 3; trial++) {
        double[] x = TapeTest.point(r, 4), v = TapeTest.point(r, 4);
        sameReplays(generic, compiled, x, v, "program " + seed);
        List<Value> leaves = Derivatives.leaves(x);
        Value out = f.apply(leaves);
        out.backward();
        double[] g = new double[4];
        same(out.data(), compiled.gradient(x, g), "program " + seed + " value vs graph");
        for (int i = 0; i < 4; i++) same(leaves.get(i).grad(), g[i], "program " + seed + " d/dx" + i + " vs graph");
      }
    }
  }

  @Test
  void everyOpOfTheRegistryAloneAndInALoop() {
    Random r = new Random(23);
    for (Op op : Op.VALUES) {
      // alone, then repeated over neighbouring inputs: the repetitions become a loop
      Function<List<Value>, Value> loop = xs -> {
        List<Value> terms = new ArrayList<>();
        for (int i = 0; i + 1 < xs.size(); i++) terms.add(RegistryTest.build(op, xs.get(i), xs.get(i + 1)));
        return Value.sum(terms);
      };
      for (Function<List<Value>, Value> f : List.of(RegistryTest.f(op), loop)) {
        double[] x0 = new double[12];
        for (int i = 0; i < x0.length; i++) x0[i] = 0.2 + 1.6 * r.nextDouble();
        Tape generic = Tape.record(x0, f);
        Tape compiled = generic.compile();
        assertTrue(compiled.isCompiled(), op + ": " + compiled.whyNotCompiled());
        for (int trial = 0; trial < 4; trial++) {
          double[] x = new double[x0.length], v = new double[x0.length];
          for (int i = 0; i < x.length; i++) {
            x[i] = trial == 0 ? x0[i] : 0.2 + 1.6 * r.nextDouble();
            v[i] = r.nextGaussian();
          }
          sameReplays(generic, compiled, x, v, op.name());
        }
      }
    }
  }

  @Test
  void chainsWhoseLoopsKeepValuesAndAdjointsInLocals() {
    Random r = new Random(29);
    for (int c = 0; c < 12; c++) {
      int seed = 0;
      while (new Random(seed).nextInt(12) != c) seed++;
      final int op = seed;
      // s ← randomOp(s, xᵢ) with the same expression at every step: each node's only use is in the next step
      Function<List<Value>, Value> chain = xs -> {
        Value s = xs.get(0);
        for (int i = 1; i < xs.size(); i++) s = TapeTest.randomOp(new Random(op), s, xs.get(i)).times(0.5);
        return s;
      };
      Function<List<Value>, Value> products = xs -> {
        Value s = xs.get(0).times(xs.get(1));
        for (int i = 1; i + 1 < xs.size(); i++) s = s.plus(TapeTest.randomOp(new Random(op), xs.get(i), xs.get(i + 1)));
        return s;
      };
      for (Function<List<Value>, Value> f : List.of(chain, products)) {
        double[] x0 = TapeTest.point(r, 40);
        Tape generic = Tape.record(x0, f);
        Tape compiled = generic.compile();
        for (int trial = 0; trial < 3; trial++) {
          double[] x = TapeTest.point(r, 40), v = TapeTest.point(r, 40);
          sameReplays(generic, compiled, x, v, "chain of expression " + c);
          List<Value> leaves = Derivatives.leaves(x);
          Value out = f.apply(leaves);
          out.backward();
          double[] g = new double[40];
          compiled.gradient(x, g);
          for (int i = 0; i < 40; i++) same(leaves.get(i).grad(), g[i], "chain of expression " + c + " d/dx" + i + " vs graph");
        }
      }
    }
  }

  @Test
  void signedZerosInfinitiesAndNaNsThroughCarriedAndSlidingAdjoints() {
    // sums and differences of neighbours' products: the running total's adjoint stays in a local
    // (read as it is, never 0 + it), and xᵢ's adjoint slides from repetition to repetition
    List<Function<List<Value>, Value>> fs = List.of(
        xs -> {
          Value s = xs.get(0).times(xs.get(1));
          for (int i = 1; i + 1 < xs.size(); i++) s = s.plus(xs.get(i).times(xs.get(i + 1)));
          return s;
        },
        xs -> {
          Value s = xs.get(0).times(xs.get(1));
          for (int i = 1; i + 1 < xs.size(); i++) s = s.minus(xs.get(i + 1).times(xs.get(i)));
          return s;
        },
        xs -> {
          Value s = xs.get(0);
          for (int i = 1; i + 1 < xs.size(); i++) s = xs.get(i).div(xs.get(i + 1)).minus(s);
          return s;
        },
        xs -> {
          Value s = xs.get(0);
          for (int i = 1; i + 1 < xs.size(); i++) s = s.plus(xs.get(i + 1).minus(xs.get(i))).unaryMinus();
          return s;
        },
        xs -> { // shares g·xᵢ that are -0 where xᵢ is (a carried share that is not ȳ is read as 0 + share)
          Value s = xs.get(0);
          for (int i = 1; i < xs.size(); i++) s = s.times(xs.get(i)).plus(xs.get(i));
          return s;
        });
    double[] special = {-0.0, 0.0, 1.0, -1.0, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN, 1e-300, -2.5, 3.0};
    Random r = new Random(31);
    for (Function<List<Value>, Value> f : fs) {
      double[] x0 = TapeTest.point(r, 30);
      Tape generic = Tape.record(x0, f);
      Tape compiled = generic.compile();
      assertTrue(compiled.isCompiled(), compiled.whyNotCompiled());
      for (int trial = 0; trial < 40; trial++) {
        double[] x = new double[30], v = TapeTest.point(r, 30);
        for (int i = 0; i < x.length; i++) x[i] = r.nextInt(3) == 0 ? r.nextGaussian() : special[r.nextInt(special.length)];
        sameReplays(generic, compiled, x, v, "special values, trial " + trial);
      }
    }
  }

  @Test
  void aSumOfProductsClearsOnlyTheAdjointsItReadsFromTheArray() {
    Tape t = Tape.record(TapeTest.point(new Random(1), 64), xs -> {
      Value s = xs.get(0).times(xs.get(1));
      for (int i = 1; i + 1 < xs.size(); i++) s = s.plus(xs.get(i).times(xs.get(i + 1)));
      return s;
    });
    int[] cleared = Compiler.compile(t.program).kernel.cleared;
    int slots = 0;
    for (int q = 0; q < cleared.length; q += 2) slots += cleared[q + 1] - cleared[q];
    // the node before the loop and the output's seed: the running total's and the products' adjoints
    // stay in locals, xᵢ's slides through one and every input's first share is stored, not added
    assertTrue(slots <= 4, slots + " slots cleared of " + t.program.size + ": " + java.util.Arrays.toString(cleared));
  }

  @Test
  void noAdjointIsReadThatTheKernelNeitherClearedNorWroteFirst() {
    // the kernel's reverse sweep on an adjoint array full of NaN but for its cleared ranges and the
    // seed: every input's gradient bitwise the generic tape's, so no other slot was read first
    Random r = new Random(41);
    List<Tape> tapes = new ArrayList<>();
    for (int seed = 0; seed < 60; seed++) tapes.add(Tape.record(TapeTest.point(r, 4), TapeTest.program(seed)));
    for (int c = 0; c < 12; c++) {
      final int opSeed = c;
      tapes.add(Tape.record(TapeTest.point(r, 30), xs -> {
        Value s = xs.get(0).times(xs.get(1));
        for (int i = 1; i + 1 < xs.size(); i++) s = s.plus(TapeTest.randomOp(new Random(opSeed), xs.get(i), xs.get(i + 1)));
        return s;
      }));
    }
    tapes.add(Tape.record(TapeTest.point(r, 30), xs -> { // xᵢ read by a later node too: not a first share
      Value s = xs.get(0).times(xs.get(1));
      for (int i = 1; i + 1 < xs.size(); i++) s = s.plus(xs.get(i).times(xs.get(i + 1)));
      return s.times(xs.get(5)).plus(xs.get(7).times(xs.get(7)));
    }));
    MLP model = MLP.random(new Random(5), 2, 4, 1);
    Dataset data = Dataset.moons(20, 0.1, 7);
    tapes.add(Tape.record(model.parameters(), Loss.hinge(model.scores(data), data.labels())));
    for (Tape t : tapes) {
      Program p = t.program;
      Compiler.Kernel k = Compiler.compile(p).kernel;
      double[] val = p.values.clone(), adj = new double[p.size];
      k.forward(val, p.args);
      java.util.Arrays.fill(adj, Double.NaN);
      k.clear(adj);
      adj[p.outputs[0]] = 1.0;
      k.reverse(val, adj, p.args);
      double[] x = java.util.Arrays.copyOf(p.values, p.inputs), g = new double[p.inputs];
      t.gradient(x, g);
      same(g, java.util.Arrays.copyOf(adj, p.inputs), "poisoned adjoints, " + p.size + " slots");
    }
  }

  @Test
  void localsInterleavedWithArrayAdjointsAreClearedInOneFill() {
    // Rosenbrock's loop keeps 4 of every 6 nodes' adjoints in locals; the 2 the sum reads are in the
    // array: clearing those one by one (199 fills at n = 100) cost more than its whole loop saved
    Random r = new Random(5);
    Function<List<Value>, Value> rosenbrock = xs -> {
      List<Value> terms = new ArrayList<>();
      for (int i = 0; i + 1 < xs.size(); i++) {
        terms.add(xs.get(i + 1).minus(xs.get(i).pow(2)).pow(2).times(100.0));
        terms.add(Value.of(1.0).minus(xs.get(i)).pow(2));
      }
      return Value.sum(terms);
    };
    Tape generic = Tape.record(TapeTest.point(r, 100), rosenbrock), compiled = generic.compile();
    // one fill for the nodes (and the exponents held before them); none for x₀..x₉₈ and the constants
    // 1 and 100, whose first share (from 1 - xᵢ and ·100, their last readers) is stored
    Program p = generic.program;
    assertArrayEquals(new int[] {99, 100, p.first - 99 * 3, p.end0}, Compiler.compile(p).kernel.cleared);
    for (int trial = 0; trial < 5; trial++) sameReplays(generic, compiled, TapeTest.point(r, 100), TapeTest.point(r, 100), "trial " + trial);
  }

  /** Whether p's output-0 sweep has an outer loop with a loop inside it. */
  static boolean nested(Program p) {
    for (Compiler.Segment s : Compiler.segments(p, p.first, p.end0)) {
      if (s.body != null && s.body.stream().anyMatch(b -> b.reps > 1)) return true;
    }
    return false;
  }

  @Test
  void rowsOfLoopsBecomeNestedLoopsAndStayBitwiseEqual() {
    // per row: a product, then 8 steps s ← m + m₀ with m = s·0.5, where m₀ is row 0's m of the same
    // step (row 0: m + m): the inner loop reads a node of its own repetition's place that does not
    // move with the rows, which must come from the array, not from this row's local
    Function<List<Value>, Value> rows = xs -> {
      List<Value> outs = new ArrayList<>(), first = new ArrayList<>();
      for (int r = 0; r < 30; r++) {
        Value s = xs.get(r % xs.size()).times(xs.get((r + 1) % xs.size()));
        for (int k = 0; k < 8; k++) {
          Value m = s.times(0.5);
          s = m.plus(r == 0 ? m : first.get(k));
          if (r == 0) first.add(m);
        }
        outs.add(s.tanh());
      }
      return Value.sum(outs);
    };
    Random r = new Random(37);
    Tape generic = Tape.record(TapeTest.point(r, 12), rows);
    assertTrue(nested(generic.program), "an outer loop over the rows with the steps' loop inside");
    Tape compiled = generic.compile();
    assertTrue(compiled.isCompiled(), compiled.whyNotCompiled());
    for (int trial = 0; trial < 5; trial++) sameReplays(generic, compiled, TapeTest.point(r, 12), TapeTest.point(r, 12), "rows, trial " + trial);
  }

  @Test
  void theLibrarysLoopsCompileATapeOnceItHasReplayedEnough() {
    Tape generic = Tape.record(new double[] {0.2, 0.4, 0.6, 0.8}, TapeTest.program(30));
    assertSame(generic, Internal.compiledOnceItPays(generic, Internal.COMPILE_AFTER - 1));
    Tape compiled = Internal.compiledOnceItPays(generic, Internal.COMPILE_AFTER);
    assertTrue(compiled.isCompiled());
    assertSame(compiled, Internal.compiledOnceItPays(compiled, 2 * Internal.COMPILE_AFTER));
    Tape refused = generic.withKernel(Compiler.generate(generic.program, 0));
    assertFalse(refused.isCompiled());
    assertSame(refused, Internal.compiledOnceItPays(refused, 2 * Internal.COMPILE_AFTER), "no second try");
  }

  @Test
  void severalOutputsAndBackwardOnLeaves() {
    Random r = new Random(3);
    for (int seed = 0; seed < 40; seed++) {
      List<Value> xs = Derivatives.leaves(TapeTest.point(r, 4));
      Tape generic = Tape.record(xs, TapeTest.outputs(seed).apply(xs));
      Tape compiled = generic.compile();
      sameReplays(generic, compiled, TapeTest.point(r, 4), TapeTest.point(r, 4), "outputs of " + seed);
      for (Value x : xs) x.setData(r.nextDouble());
      generic.backward();
      double[] once = new double[4];
      for (int i = 0; i < 4; i++) {
        once[i] = xs.get(i).grad();
        xs.get(i).zeroGrad();
      }
      compiled.backward();
      for (int i = 0; i < 4; i++) same(once[i], xs.get(i).grad(), "backward of " + seed + ", input " + i);
    }
  }

  @Test
  void mlpLossEqualsGenericBitwise() {
    MLP model = MLP.random(new Random(5), 2, 16, 16, 1);
    Dataset data = Dataset.moons(50, 0.1, 7);
    List<Value> params = model.parameters();
    Value loss = Loss.hinge(model.scores(data), data.labels()).plus(Loss.l2(params, 1e-4));
    Tape generic = Tape.record(params, loss);
    assertTrue(nested(generic.program), "the rows' pattern, with each layer's neurons, re-rolled");
    Tape compiled = generic.compile();
    assertTrue(compiled.isCompiled(), compiled.whyNotCompiled());
    Random r = new Random(9);
    for (int trial = 0; trial < 3; trial++) {
      double[] x = new double[params.size()], v = new double[params.size()];
      for (int i = 0; i < x.length; i++) {
        x[i] = params.get(i).data() * (0.5 + r.nextDouble());
        v[i] = r.nextGaussian();
      }
      sameReplays(generic, compiled, x, v, "mlp trial " + trial);
    }
  }

  @Test
  void thirtyThousandNodes() {
    // 30,000 op nodes: a long repeated pattern, then a stretch whose pattern changes every node
    Function<List<Value>, Value> f = xs -> {
      List<Value> terms = new ArrayList<>();
      for (int i = 0; i + 1 < xs.size(); i++) {
        terms.add(xs.get(i + 1).minus(xs.get(i).pow(2)).pow(2).times(100.0));
        terms.add(Value.of(1.0).minus(xs.get(i)).pow(2));
      }
      Value s = Value.sum(terms);
      Random r = new Random(1);
      for (int i = 0; i < 2_000; i++) s = TapeTest.randomOp(r, s, xs.get(r.nextInt(xs.size()))).times(0.5);
      return s;
    };
    Random r = new Random(2);
    double[] x = new double[4_000];
    for (int i = 0; i < x.length; i++) x[i] = r.nextDouble() * 0.2 - 0.1;
    Tape generic = Tape.record(x, f);
    assertTrue(generic.operations() >= 30_000, generic.operations() + " op nodes");
    Tape compiled = generic.compile();
    assertTrue(compiled.isCompiled(), compiled.whyNotCompiled());
    double[] v = new double[x.length];
    for (int i = 0; i < x.length; i++) v[i] = r.nextGaussian();
    for (int trial = 0; trial < 2; trial++) {
      for (int i = 0; i < x.length; i++) x[i] += 0.01 * r.nextGaussian();
      sameReplays(generic, compiled, x, v, "30,000 nodes");
    }
  }

  @Test
  void aProgramTooLargeForTheLimitFallsBackToTheGenericSweepsAndSaysWhy() {
    Tape generic = Tape.record(new double[] {0.3, 0.7}, TapeTest.program(4));
    Compiler.Result r = Compiler.generate(generic.program, 1);
    Tape fallback = generic.withKernel(r);
    assertFalse(fallback.isCompiled());
    assertTrue(fallback.whyNotCompiled().startsWith("too large: the forward sweep needs "), fallback.whyNotCompiled());
    sameReplays(generic, fallback, new double[] {0.1, -0.4}, new double[] {1, 2}, "fallback");
    assertNull(generic.whyNotCompiled());
    assertNull(generic.compile().whyNotCompiled());
  }

  @Test
  void oneGeneratedClassPerShape() {
    Tape a = Tape.record(new double[] {1, 2, 3, 4}, TapeTest.program(21));
    Tape b = Tape.record(new double[] {-1, 0.5, 2, 9}, TapeTest.program(21));
    Tape c = Tape.record(new double[] {1, 2, 3, 4}, TapeTest.program(22));
    assertSame(Compiler.compile(a.program).kernel, Compiler.compile(b.program).kernel);
    assertTrue(Compiler.compile(a.program).kernel != Compiler.compile(c.program).kernel);
  }

  @Test
  void copiesOfACompiledTapeAreCompiledWithArraysOfTheirOwn() {
    Tape compiled = Tape.record(new double[] {0.2, 0.4, 0.6, 0.8}, TapeTest.program(30)).compile();
    Tape copy = compiled.copy();
    assertTrue(copy.isCompiled());
    double y = compiled.value(new double[] {0.1, 0.2, 0.3, 0.4});
    copy.value(new double[] {1, 1, 1, 1});
    same(y, compiled.output(0), "a copy's replay leaves the original's outputs alone");
  }
}
