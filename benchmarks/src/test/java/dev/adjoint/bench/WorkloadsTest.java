package dev.adjoint.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.adjoint.Derivatives;
import org.junit.jupiter.api.Test;

/** The benchmarks compute what they claim: every way of each workload gives the same numbers. */
class WorkloadsTest {
  @Test
  void moonsFourWaysAgreeWithPyTorch() throws Exception {
    for (String size : new String[] {"100", "1000"}) {
      Workloads.Moons m = Workloads.Moons.load(size);
      MoonsTraining.Dynamic d = new MoonsTraining.Dynamic(m);
      MoonsTraining.Trainer t = MoonsTraining.taped(m);
      MoonsTraining.Trainer b = MoonsTraining.batched(m);
      MoonsTraining.HandCoded h = new MoonsTraining.HandCoded(m);
      double ld = 0, lt = 0, lh = 0, l0 = 0;
      for (int k = 0; k < 100; k++) {
        ld = d.step();
        lt = t.step();
        lh = h.step();
        if (k == 0) l0 = ld;
        assertEquals(ld, lt, 0.0, "dynamic and tape agree bitwise at step " + k);
        assertEquals(ld, b.step(), 0.0, "dynamic and batch tape agree bitwise at step " + k);
        assertEquals(ld, lh, 1e-9 * Math.abs(ld), "hand-coded backprop agrees at step " + k);
      }
      double[] torch = size.equals("100") ? new double[] {1.629894337080739, 0.02637247350400268} : new double[] {3.166727017891502, 0.16534616154029108};
      assertEquals(torch[0], l0, 1e-9 * torch[0], "loss0, moons-" + size);
      assertEquals(torch[1], ld, 1e-9 * torch[1], "loss_last, moons-" + size);
    }
  }

  @Test
  void rosenbrockThreeWaysAgree() {
    double[] x = {-1.2, 1, 0.5, -0.3, 0.7, 2.0};
    assertEquals(Workloads.rosenbrock(x), dev.adjoint.Tape.record(x, Workloads.ROSENBROCK).value(x), 1e-12);
    assertArrayEquals(Derivatives.gradient(Workloads.ROSENBROCK, x), Workloads.rosenbrockHipparchus(x), 1e-12);
    assertArrayEquals(new double[] {-215.6, 112, 9, -110}, Workloads.rosenbrockHipparchus(new double[] {-1.2, 1, 0.5, -0.3}), 1e-12);
  }

  @Test
  void scalarWorkloadsAgree() {
    double[] x = {0.3, -0.2, 0.9, 0.1};
    double[] g = new double[4];
    assertEquals(Workloads.logSumExp(x), dev.adjoint.Tape.record(x, Workloads.LOG_SUM_EXP).gradient(x, g), 1e-15);
    assertEquals(Workloads.sumOfProducts(x), dev.adjoint.Tape.record(x, Workloads.SUM_OF_PRODUCTS).value(x), 1e-15);
    assertEquals(0.3 * -0.2 * 0.9 * 0.1, dev.adjoint.Tape.record(x, Workloads.PRODUCT_CHAIN).value(x), 1e-17);
  }
}
