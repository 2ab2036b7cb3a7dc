@file:JvmName("Functions")

package dev.adjoint.dsl

import dev.adjoint.Value

/** e^x. */
fun exp(x: Value): Value = x.exp()

/** The natural logarithm of x. */
fun ln(x: Value): Value = x.log()

/** √x. */
fun sqrt(x: Value): Value = x.sqrt()

/** tanh x. */
fun tanh(x: Value): Value = x.tanh()

/** The logistic sigmoid 1 / (1 + e^-x). */
fun sigmoid(x: Value): Value = x.sigmoid()

/** max(x, 0). */
fun relu(x: Value): Value = x.relu()

/** sin x. */
fun sin(x: Value): Value = x.sin()

/** cos x. */
fun cos(x: Value): Value = x.cos()

/** |x|. */
fun abs(x: Value): Value = x.abs()

/** One fused node summing [xs]. */
fun sum(xs: List<Value>): Value = Value.sum(xs)

/** One fused node computing Σ xsᵢ·wsᵢ. */
fun dot(xs: List<Value>, ws: List<Value>): Value = Value.dot(xs, ws)

/** A leaf holding [x]. */
fun value(x: Double): Value = Value.of(x)
