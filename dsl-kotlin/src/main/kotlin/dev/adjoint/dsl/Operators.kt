@file:JvmName("Operators")

package dev.adjoint.dsl

import dev.adjoint.Value

// Value ⊕ Value, Value ⊕ Double and -Value are Value's own members (plus, minus, times, div,
// unaryMinus), which Kotlin already uses as operators. These fill in the other orders.

/** x + n. */
public operator fun Value.plus(n: Int): Value = plus(n.toDouble())

/** x - n. */
public operator fun Value.minus(n: Int): Value = minus(n.toDouble())

/** x · n. */
public operator fun Value.times(n: Int): Value = times(n.toDouble())

/** x / n. */
public operator fun Value.div(n: Int): Value = div(n.toDouble())

/** c + x. */
public operator fun Double.plus(x: Value): Value = Value.of(this).plus(x)

/** c - x. */
public operator fun Double.minus(x: Value): Value = Value.of(this).minus(x)

/** c · x. */
public operator fun Double.times(x: Value): Value = Value.of(this).times(x)

/** c / x. */
public operator fun Double.div(x: Value): Value = Value.of(this).div(x)

/** n + x. */
public operator fun Int.plus(x: Value): Value = Value.of(toDouble()).plus(x)

/** n - x. */
public operator fun Int.minus(x: Value): Value = Value.of(toDouble()).minus(x)

/** n · x. */
public operator fun Int.times(x: Value): Value = Value.of(toDouble()).times(x)

/** n / x. */
public operator fun Int.div(x: Value): Value = Value.of(toDouble()).div(x)

/** x^n for a constant integer exponent: `x.pow(2)` or `x pow 2`. */
public infix fun Value.pow(n: Int): Value = pow(n.toDouble())

/** x^p for a constant exponent, infix: `x pow 0.5`. */
@Suppress("EXTENSION_SHADOWED_BY_MEMBER")
public infix fun Value.pow(p: Double): Value = pow(p)

/** x^e for a variable exponent, infix: `x pow y`. */
@Suppress("EXTENSION_SHADOWED_BY_MEMBER")
public infix fun Value.pow(e: Value): Value = pow(e)

// Comparisons: `x > 0.0` and `x < y` call Value's own compareTo (a branch guard of a recorded tape,
// see Value.compareTo); these add Int operands and a number on the left.

/** The order of x against n, as [Value.compareTo]: `x > 0`. */
public operator fun Value.compareTo(n: Int): Int = compareTo(n.toDouble())

/** The order of c against x, as [Value.compareTo] seen from the other side: `0.5 < x`. */
public operator fun Double.compareTo(x: Value): Int = -x.compareTo(this)

/** The order of n against x: `1 < x`. */
public operator fun Int.compareTo(x: Value): Int = -x.compareTo(toDouble())
