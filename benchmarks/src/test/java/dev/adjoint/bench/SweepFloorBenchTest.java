package dev.adjoint.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.adjoint.Value;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The floor's sweeps compute what {@code Value.backward()} computes on the same chain, bitwise. */
class SweepFloorBenchTest {
  @Test
  void everySweepGivesTheEnginesGradients() {
    SweepFloorBench bench = new SweepFloorBench();
    bench.setup();
    List<Value> xs = new ArrayList<>();
    for (double v : bench.x) xs.add(Value.of(v));
    Value out = Workloads.PRODUCT_CHAIN.apply(xs);
    out.backward();
    for (int variant = 0; variant < 3; variant++) {
      SweepFloorBench.Node root = variant == 2 ? bench.buildThreadNumbers() : bench.build();
      bench.sweep(root, variant > 0);
      assertEquals(out.data(), root.data, "value, variant " + variant);
      for (int i = 0; i < xs.size(); i++) {
        assertEquals(Double.doubleToRawLongBits(xs.get(i).grad()), Double.doubleToRawLongBits(bench.leaves[i].grad),
            "gradient of leaf " + i + ", variant " + variant);
      }
    }
  }
}
