package dev.adjoint.nn;

import dev.adjoint.Internal;
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
    for (int i = 0; i < labels.length; i++) {
      double y = labels[i];
      if (y != 1.0 && y != -1.0) throw new IllegalArgumentException("hinge: label " + i + " is " + y + ", not -1 or +1");
      terms.add(Value.of(1.0).minus(scores.get(i).times(y)).relu());
    }
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
      terms.add(bceTerm(logits.get(i), Value.of(y)));
    }
    return mean(terms);
  }

  /** One sample's binary cross-entropy: max(z, 0) - z·y + ln(1 + e^-|z|). */
  static Value bceTerm(Value z, Value y) {
    return z.relu().minus(z.times(y)).plus(z.abs().unaryMinus().exp().plus(1.0).log());
  }

  /**
   * Huber loss with threshold δ &gt; 0 (PyTorch's {@code HuberLoss}): the mean of rᵢ²/2 where
   * |rᵢ| ≤ δ, else δ(|rᵢ| - δ/2), rᵢ = pᵢ - tᵢ. Built from ops with no branch on a value, so a
   * recorded tape replays it exactly at any residual.
   */
  public static Value huber(List<Value> predictions, double[] targets, double delta) {
    sameSize("huber", predictions, targets);
    if (!(delta > 0) || !Double.isFinite(delta)) throw new IllegalArgumentException("huber: delta must be positive and finite, was " + delta);
    List<Value> terms = new ArrayList<>(targets.length);
    for (int i = 0; i < targets.length; i++) terms.add(huberTerm(predictions.get(i).minus(targets[i]), delta));
    return mean(terms);
  }

  /**
   * One residual's Huber term: with a = |r| and m = min(a, δ), m·(a - m/2), which is a²/2 for
   * a ≤ δ and δ(a - δ/2) beyond.
   */
  static Value huberTerm(Value r, double delta) {
    Value a = r.abs();
    Value m = Value.min(a, Value.of(delta));
    return m.times(a.minus(m.times(0.5)));
  }

  /**
   * One sample's softmax cross-entropy with a one-hot target: ln Σ e^zⱼ - Σ tⱼzⱼ, so the same graph
   * serves every label and every replay.
   */
  static Value softmaxCrossEntropyOneHot(List<Value> logits, List<Value> oneHot) {
    return logSumExp(logits).minus(Value.dot(oneHot, logits));
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
    return logSumExp(logits).minus(logits.get(target));
  }

  /** ln Σ e^zⱼ, stably: shifted by the largest logit. */
  private static Value logSumExp(List<Value> logits) {
    // the stabilising shift is the largest logit, detached: no gradient flows through it, and a
    // recorded tape recomputes it on every replay instead of freezing the recorded one
    Value max = logits.get(0);
    for (Value z : logits.subList(1, logits.size())) max = Value.max(max, z);
    Value shift = max.detach();
    List<Value> exps = new ArrayList<>(logits.size());
    for (Value z : logits) exps.add(z.minus(shift).exp());
    return Value.sum(exps).log().plus(shift);
  }

  /**
   * Softmax cross-entropy averaged over samples: {@code logits.get(i)} are sample i's logits, every
   * row the same number of them.
   *
   * @throws IllegalArgumentException naming the row if the rows hold different numbers of logits
   */
  public static Value softmaxCrossEntropy(List<List<Value>> logits, int[] targets) {
    if (logits.size() != targets.length) {
      throw new IllegalArgumentException("softmaxCrossEntropy: " + logits.size() + " samples but " + targets.length + " targets");
    }
    for (int i = 1; i < targets.length; i++) {
      if (logits.get(i).size() != logits.get(0).size()) {
        throw new IllegalArgumentException("softmaxCrossEntropy: row " + i + " has " + logits.get(i).size()
            + " logits, row 0 has " + logits.get(0).size());
      }
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
    for (int i = 0; i < labels.length; i++) if ((labels[i] > 0) == (Internal.data(scores.get(i)) > 0)) right++;
    return (double) right / labels.length;
  }

  private static void sameSize(String what, List<Value> xs, double[] ys) {
    java.util.Objects.requireNonNull(xs, () -> what + ": the predictions are null");
    java.util.Objects.requireNonNull(ys, () -> what + ": the labels are null");
    if (xs.size() != ys.length) {
      throw new IllegalArgumentException(what + ": " + xs.size() + " predictions but " + ys.length + " labels");
    }
    if (ys.length == 0) throw new IllegalArgumentException(what + ": no samples");
  }
}
