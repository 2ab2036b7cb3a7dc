package dev.adjoint.nn;

import dev.adjoint.Value;
import java.util.ArrayList;
import java.util.List;

/** Loss functions: each returns one {@link Value} to call {@code backward()} on. */
public final class Loss {
  private Loss() {}

  /** Mean squared error: mean of (pᵢ - tᵢ)². */
  public static Value mse(List<Value> predictions, double[] targets) {
    sameSize("mse", predictions, targets);
    List<Value> terms = new ArrayList<>(targets.length);
    for (int i = 0; i < targets.length; i++) terms.add(predictions.get(i).minus(targets[i]).pow(2));
    return mean(terms);
  }

  /**
   * Hinge (max-margin) loss with labels in {-1, +1}: mean of relu(1 - yᵢ·sᵢ), as in micrograd's
   * moons demo.
   */
  public static Value hinge(List<Value> scores, double[] labels) {
    sameSize("hinge", scores, labels);
    List<Value> terms = new ArrayList<>(labels.length);
    for (int i = 0; i < labels.length; i++) terms.add(Value.of(1.0).minus(scores.get(i).times(labels[i])).relu());
    return mean(terms);
  }

  /**
   * Binary cross-entropy on logits with labels in {0, 1}: mean of
   * max(z, 0) - z·y + ln(1 + e^-|z|), which never overflows whatever the logit.
   */
  public static Value binaryCrossEntropy(List<Value> logits, double[] labels) {
    sameSize("binaryCrossEntropy", logits, labels);
    List<Value> terms = new ArrayList<>(labels.length);
    for (int i = 0; i < labels.length; i++) {
      double y = labels[i];
      if (y != 0.0 && y != 1.0) throw new IllegalArgumentException("binaryCrossEntropy: label " + i + " is " + y + ", not 0 or 1");
      Value z = logits.get(i);
      terms.add(z.relu().minus(z.times(y)).plus(z.abs().unaryMinus().exp().plus(1.0).log()));
    }
    return mean(terms);
  }

  /**
   * Softmax cross-entropy for one sample: ln Σ e^zⱼ - z_target, computed stably by shifting the
   * logits by their largest value.
   */
  public static Value softmaxCrossEntropy(List<Value> logits, int target) {
    if (logits.isEmpty()) throw new IllegalArgumentException("softmaxCrossEntropy: no logits");
    if (target < 0 || target >= logits.size()) {
      throw new IllegalArgumentException("softmaxCrossEntropy: class " + target + " is outside 0.." + (logits.size() - 1));
    }
    double max = Double.NEGATIVE_INFINITY;
    for (Value z : logits) max = Math.max(max, z.data());
    List<Value> exps = new ArrayList<>(logits.size());
    for (Value z : logits) exps.add(z.minus(max).exp());
    return Value.sum(exps).log().plus(max).minus(logits.get(target));
  }

  /** Softmax cross-entropy averaged over samples: {@code logits.get(i)} are sample i's logits. */
  public static Value softmaxCrossEntropy(List<List<Value>> logits, int[] targets) {
    if (logits.size() != targets.length) {
      throw new IllegalArgumentException("softmaxCrossEntropy: " + logits.size() + " samples but " + targets.length + " targets");
    }
    List<Value> terms = new ArrayList<>(targets.length);
    for (int i = 0; i < targets.length; i++) terms.add(softmaxCrossEntropy(logits.get(i), targets[i]));
    return mean(terms);
  }

  /** L2 regularisation: lambda · Σ p², as one fused node over the parameters. */
  public static Value l2(List<Value> parameters, double lambda) {
    return Value.dot(parameters, parameters).times(lambda);
  }

  /** The mean of the terms (one fused sum, then a division). */
  public static Value mean(List<Value> terms) {
    if (terms.isEmpty()) throw new IllegalArgumentException("mean: no terms");
    return Value.sum(terms).div(terms.size());
  }

  /** The fraction of scores whose sign agrees with labels in {-1, +1} (0 counts as negative). */
  public static double accuracy(List<Value> scores, double[] labels) {
    sameSize("accuracy", scores, labels);
    int right = 0;
    for (int i = 0; i < labels.length; i++) if ((labels[i] > 0) == (scores.get(i).data() > 0)) right++;
    return (double) right / labels.length;
  }

  private static void sameSize(String what, List<Value> xs, double[] ys) {
    if (xs.size() != ys.length) {
      throw new IllegalArgumentException(what + ": " + xs.size() + " predictions but " + ys.length + " labels");
    }
    if (ys.length == 0) throw new IllegalArgumentException(what + ": no samples");
  }
}
