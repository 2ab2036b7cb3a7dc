package dev.adjoint;

/**
 * The error function erf(x) = 2/√π ∫₀ˣ e^(-t²) dt in double precision (within a few ulps of the C
 * library's, which PyTorch uses); Java has none. Stateless; safe from any thread.
 */
final class Erf {
  private Erf() {}

  /** Beyond this erf rounds to ±1: erfc(6) ≈ 2·10⁻¹⁷ is below half an ulp of 1. */
  private static final double SATURATED = 6.0;
  /** Below this the series is used, above it the continued fraction of erfc. */
  private static final double SERIES_LIMIT = 2.5;

  static double erf(double x) {
    if (x != x) return x;
    final double ax = Math.abs(x);
    final double r;
    if (ax >= SATURATED) {
      r = 1.0;
    } else if (ax < SERIES_LIMIT) {
      // erf(x) = 2/√π e^(-x²) Σₙ 2ⁿ x^(2n+1) / (1·3·…·(2n+1)): every term positive, so no cancellation
      final double x2 = ax * ax;
      double term = ax, sum = ax;
      for (int n = 1; term > sum * 1e-17; n++) {
        term *= 2.0 * x2 / (2 * n + 1);
        sum += term;
      }
      r = Rules.TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
    } else {
      r = 1.0 - erfcContinuedFraction(ax);
    }
    return Math.copySign(r, x);
  }

  /**
   * erfc(x) for x ≥ 2.5 by its continued fraction e^(-x²)/√π · 1/(x + ½/(x + 1/(x + (3/2)/(x + …)))),
   * evaluated from a fixed depth upwards (120 levels settle it to the last bit at x = 2.5).
   */
  private static double erfcContinuedFraction(double x) {
    double f = x;
    for (int k = 120; k >= 1; k--) f = x + 0.5 * k / f;
    return Math.exp(-x * x) / (Math.sqrt(Math.PI) * f);
  }
}
