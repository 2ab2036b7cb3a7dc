@file:JvmName("Functions")

package dev.adjoint.dsl

import dev.adjoint.Value

/** e^x. */
public fun exp(x: Value): Value = x.exp()

/** The natural logarithm of x. */
public fun ln(x: Value): Value = x.log()

/** √x. */
public fun sqrt(x: Value): Value = x.sqrt()

/** tanh x. */
public fun tanh(x: Value): Value = x.tanh()

/** The logistic sigmoid 1 / (1 + e^-x). */
public fun sigmoid(x: Value): Value = x.sigmoid()

/** max(x, 0). */
public fun relu(x: Value): Value = x.relu()

/** sin x. */
public fun sin(x: Value): Value = x.sin()

/** cos x. */
public fun cos(x: Value): Value = x.cos()

/** |x|. */
public fun abs(x: Value): Value = x.abs()

/** ln(1 + x), accurate for small x. */
public fun log1p(x: Value): Value = x.log1p()

/** e^x - 1, accurate for small x. */
public fun expm1(x: Value): Value = x.expm1()

/** tan x. */
public fun tan(x: Value): Value = x.tan()

/** arctan x. */
public fun atan(x: Value): Value = x.atan()

/** arcsin x (derivative +∞ at ±1). */
public fun asin(x: Value): Value = x.asin()

/** arccos x (derivative -∞ at ±1). */
public fun acos(x: Value): Value = x.acos()

/** sinh x. */
public fun sinh(x: Value): Value = x.sinh()

/** cosh x. */
public fun cosh(x: Value): Value = x.cosh()

/** The error function erf x = 2/√π ∫₀ˣ e^(-t²) dt. */
public fun erf(x: Value): Value = x.erf()

/** PyTorch's softplus(x, beta=1, threshold=20): ln(1 + e^x), or x itself above 20. */
public fun softplus(x: Value): Value = x.softplus()

/** PyTorch's clamp: min(max(x, lo), hi), gradient 1 where lo ≤ x ≤ hi, else 0. */
public fun clamp(x: Value, lo: Double, hi: Double): Value = x.clamp(lo, hi)

/** PyTorch's maximum: at a tie each operand gets half the gradient. */
public fun max(x: Value, y: Value): Value = Value.max(x, y)

/** PyTorch's minimum: at a tie each operand gets half the gradient. */
public fun min(x: Value, y: Value): Value = Value.min(x, y)

/** atan2(y, x): the angle of the point (x, y). */
public fun atan2(y: Value, x: Value): Value = Value.atan2(y, x)

/** x's value with no gradient flowing through it (PyTorch's detach, JAX's stop_gradient). */
public fun detach(x: Value): Value = x.detach()

/** One fused node summing [xs]. */
public fun sum(xs: List<Value>): Value = Value.sum(xs)

/** One fused node computing Σ xsᵢ·wsᵢ. */
public fun dot(xs: List<Value>, ws: List<Value>): Value = Value.dot(xs, ws)

/** A leaf holding [x]. */
public fun value(x: Double): Value = Value.of(x)
