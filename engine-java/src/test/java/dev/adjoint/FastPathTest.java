package dev.adjoint;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The rule table's fast paths give the same bits as the general formulas they skip. */
class FastPathTest {
  @Test
  void powersOneAndTwoAreMathPowBitwise() {
    Random r = new Random(11);
    double[] edges = {0.0, -0.0, Double.MIN_VALUE, -Double.MIN_VALUE, Double.MIN_NORMAL, Double.MAX_VALUE, -Double.MAX_VALUE,
      Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 1.0, -1.0, 1e-160, 1.4e154, 1.5e154, -3.0};
    for (int i = 0; i < 2_000_000 + edges.length; i++) {
      double x = i < edges.length ? edges[i]
          : i % 3 == 0 ? Double.longBitsToDouble(r.nextLong()) : i % 3 == 1 ? r.nextGaussian() * 4 : (r.nextDouble() - 0.5) * Math.scalb(1.0, r.nextInt(2100) - 1075);
      if (Double.isNaN(x)) continue;
      assertEquals(Double.doubleToRawLongBits(Math.pow(x, 2.0)), Double.doubleToRawLongBits(Rules.pow(x, 2.0)), "x = " + x);
      assertEquals(Double.doubleToRawLongBits(Math.pow(x, 1.0)), Double.doubleToRawLongBits(Rules.pow(x, 1.0)), "x = " + x);
    }
  }
}
