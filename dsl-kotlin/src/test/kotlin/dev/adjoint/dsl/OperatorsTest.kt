package dev.adjoint.dsl

import dev.adjoint.Value
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/** Every operator in every order gives bitwise the value and gradients of the Java methods. */
class OperatorsTest {
    private fun same(dsl: (Value, Value) -> Value, java: (Value, Value) -> Value, what: String) {
        for ((x0, y0) in listOf(1.5 to -0.75, -2.0 to 3.25, 0.3 to 0.6)) {
            val a = Value.of(x0)
            val b = Value.of(y0)
            val d = dsl(a, b).also { it.backward() }
            val ja = Value.of(x0)
            val jb = Value.of(y0)
            val j = java(ja, jb).also { it.backward() }
            assertEquals(j.data(), d.data(), 0.0, "$what value at $x0, $y0")
            assertEquals(ja.grad(), a.grad(), 0.0, "$what d/da at $x0, $y0")
            assertEquals(jb.grad(), b.grad(), 0.0, "$what d/db at $x0, $y0")
        }
    }

    @Test
    fun valueWithValue() {
        same({ a, b -> a + b }, { a, b -> a.plus(b) }, "a + b")
        same({ a, b -> a - b }, { a, b -> a.minus(b) }, "a - b")
        same({ a, b -> a * b }, { a, b -> a.times(b) }, "a * b")
        same({ a, b -> a / b }, { a, b -> a.div(b) }, "a / b")
        same({ a, _ -> -a }, { a, _ -> a.unaryMinus() }, "-a")
        same({ a, b -> abs(a) pow b }, { a, b -> a.abs().pow(b) }, "|a| pow b")
    }

    @Test
    fun functionsOfTheSecondRound() {
        same({ a, _ -> log1p(abs(a)) }, { a, _ -> a.abs().log1p() }, "log1p")
        same({ a, _ -> expm1(a) }, { a, _ -> a.expm1() }, "expm1")
        same({ a, _ -> tan(a) }, { a, _ -> a.tan() }, "tan")
        same({ a, _ -> atan(a) }, { a, _ -> a.atan() }, "atan")
        same({ a, _ -> asin(tanh(a)) }, { a, _ -> a.tanh().asin() }, "asin")
        same({ a, _ -> acos(tanh(a)) }, { a, _ -> a.tanh().acos() }, "acos")
        same({ a, _ -> sinh(a) }, { a, _ -> a.sinh() }, "sinh")
        same({ a, _ -> cosh(a) }, { a, _ -> a.cosh() }, "cosh")
        same({ a, _ -> erf(a) }, { a, _ -> a.erf() }, "erf")
        same({ a, _ -> softplus(a) }, { a, _ -> a.softplus() }, "softplus")
        same({ a, _ -> clamp(a, -1.0, 1.0) }, { a, _ -> a.clamp(-1.0, 1.0) }, "clamp")
        same({ a, b -> max(a, b) }, { a, b -> Value.max(a, b) }, "max")
        same({ a, b -> min(a, b) }, { a, b -> Value.min(a, b) }, "min")
        same({ a, b -> atan2(a, b) }, { a, b -> Value.atan2(a, b) }, "atan2")
        same({ a, b -> detach(a) * b }, { a, b -> a.detach().times(b) }, "detach")
    }

    @Test
    fun valueWithDouble() {
        same({ a, _ -> a + 2.5 }, { a, _ -> a.plus(2.5) }, "a + 2.5")
        same({ a, _ -> a - 2.5 }, { a, _ -> a.minus(2.5) }, "a - 2.5")
        same({ a, _ -> a * 2.5 }, { a, _ -> a.times(2.5) }, "a * 2.5")
        same({ a, _ -> a / 2.5 }, { a, _ -> a.div(2.5) }, "a / 2.5")
        same({ a, _ -> 2.5 + a }, { a, _ -> Value.of(2.5).plus(a) }, "2.5 + a")
        same({ a, _ -> 2.5 - a }, { a, _ -> Value.of(2.5).minus(a) }, "2.5 - a")
        same({ a, _ -> 2.5 * a }, { a, _ -> Value.of(2.5).times(a) }, "2.5 * a")
        same({ a, _ -> 2.5 / a }, { a, _ -> Value.of(2.5).div(a) }, "2.5 / a")
    }

    @Test
    fun valueWithInt() {
        same({ a, _ -> a + 2 }, { a, _ -> a.plus(2.0) }, "a + 2")
        same({ a, _ -> a - 2 }, { a, _ -> a.minus(2.0) }, "a - 2")
        same({ a, _ -> a * 2 }, { a, _ -> a.times(2.0) }, "a * 2")
        same({ a, _ -> a / 2 }, { a, _ -> a.div(2.0) }, "a / 2")
        same({ a, _ -> 2 + a }, { a, _ -> Value.of(2.0).plus(a) }, "2 + a")
        same({ a, _ -> 1 - a }, { a, _ -> Value.of(1.0).minus(a) }, "1 - a")
        same({ a, _ -> 2 * a }, { a, _ -> Value.of(2.0).times(a) }, "2 * a")
        same({ a, _ -> 2 / a }, { a, _ -> Value.of(2.0).div(a) }, "2 / a")
    }

    @Test
    fun powInEveryShape() {
        same({ a, _ -> a.pow(2) }, { a, _ -> a.pow(2.0) }, "a.pow(2)")
        same({ a, _ -> a pow 3 }, { a, _ -> a.pow(3.0) }, "a pow 3")
        same({ a, _ -> abs(a) pow 0.5 }, { a, _ -> a.abs().pow(0.5) }, "|a| pow 0.5")
        same({ a, _ -> a.pow(2.0) }, { a, _ -> a.pow(2.0) }, "a.pow(2.0)")
    }

    @Test
    fun functions() {
        same({ a, _ -> exp(a) }, { a, _ -> a.exp() }, "exp")
        same({ a, _ -> ln(abs(a)) }, { a, _ -> a.abs().log() }, "ln")
        same({ a, _ -> sqrt(abs(a)) }, { a, _ -> a.abs().sqrt() }, "sqrt")
        same({ a, _ -> tanh(a) }, { a, _ -> a.tanh() }, "tanh")
        same({ a, _ -> sigmoid(a) }, { a, _ -> a.sigmoid() }, "sigmoid")
        same({ a, _ -> relu(a) }, { a, _ -> a.relu() }, "relu")
        same({ a, _ -> sin(a) }, { a, _ -> a.sin() }, "sin")
        same({ a, _ -> cos(a) }, { a, _ -> a.cos() }, "cos")
        same({ a, _ -> abs(a) }, { a, _ -> a.abs() }, "abs")
        same({ a, b -> sum(listOf(a, b, a)) }, { a, b -> Value.sum(listOf(a, b, a)) }, "sum")
        same({ a, b -> dot(listOf(a, b), listOf(b, a)) }, { a, b -> Value.dot(listOf(a, b), listOf(b, a)) }, "dot")
    }

    @Test
    fun gradOnTheSeedExample() {
        val g = grad(2.0, -3.0) { (a, b) -> tanh(a * b + a.pow(2)) }
        assertEquals(-0.9640275800758169, g.value, 1e-15)
        assertEquals(0.07065082485316443, g[0], 1e-15)
        assertEquals(0.14130164970632886, g[1], 1e-15)
        assertEquals(2, g.gradient.size)
    }

    @Test
    fun scopedGrad() {
        lateinit var x: Value
        val g = gradient {
            x = variable(2.0)
            val y = variable(-3.0)
            tanh(x * y + (x pow 2))
        }
        assertEquals(-0.9640275800758169, g.value, 1e-15)
        assertEquals(0.07065082485316443, g[x], 1e-15)
        assertEquals(0.14130164970632886, g[1], 1e-15)
        val e = assertThrows(IllegalArgumentException::class.java) { g[5] }
        assertEquals("gradient index 5 is outside 0..1", e.message)
    }
}

/** The primitive builder: a softsign and a two-input primitive, against their composites. */
class PrimitiveBuilderTest {
    private val softsign = primitive("softsign",
        value = { x -> x[0] / (1 + kotlin.math.abs(x[0])) },
        gradient = { x, _ -> doubleArrayOf(1 / ((1 + kotlin.math.abs(x[0])) * (1 + kotlin.math.abs(x[0])))) })

    private val product = primitive("product",
        value = { x -> x[0] * x[1] },
        gradient = { x, _ -> doubleArrayOf(x[1], x[0]) },
        hessian = { _, _ -> doubleArrayOf(0.0, 1.0, 1.0, 0.0) })

    @Test
    fun primitivesAreCalledLikeFunctions() {
        val g = grad(0.5, -2.0) { (a, b) -> softsign(product(a, b)) }
        val want = grad(0.5, -2.0) { (a, b) -> (a * b) / (abs(a * b) + 1.0) }
        assertEquals(want.value, g.value, 1e-15)
        assertEquals(want[0], g[0], 1e-15)
        assertEquals(want[1], g[1], 1e-15)
        assertEquals("product", product(Value.of(1.0), Value.of(2.0)).op())
        val h = hessian(0.5, -2.0) { (a, b) -> product(a, b) }
        assertEquals(listOf(0.0, 1.0, 1.0, 0.0), h.flatMap { it.toList() })
    }

    @Test
    fun aGradientOfTheWrongSizeIsNamed() {
        val bad = primitive("bad", value = { x -> x[0] }, gradient = { _, _ -> doubleArrayOf(1.0, 2.0) })
        val e = assertThrows(IllegalArgumentException::class.java) { grad(1.0) { (a) -> bad(a) } }
        assertEquals("primitive 'bad': gradient gave 2 entries, expected 1", e.message)
        val u = assertThrows(UnsupportedOperationException::class.java) { hessian(1.0) { (a) -> softsign(a) } }
        assertTrue(u.message!!.contains("'softsign'"), u.message)
    }
}

/** Every elementary function of Value has its top-level DSL function (a new op cannot be forgotten here). */
class FunctionsCoverageTest {
    @Test
    fun everyValueFunctionIsATopLevelFunction() {
        val dsl = Class.forName("dev.adjoint.dsl.Functions").methods.map { it.name to it.parameterCount }.toSet()
        val renamed = mapOf("log" to "ln")
        val operators = setOf("unaryMinus", "zeroGrad", "backward")
        val v = Value::class.java
        val unary = v.methods.filter {
            !java.lang.reflect.Modifier.isStatic(it.modifiers) && it.parameterCount == 0 && it.returnType == v && it.name !in operators
        }.map { (renamed[it.name] ?: it.name) to 1 }
        val binary = v.methods.filter {
            java.lang.reflect.Modifier.isStatic(it.modifiers) && it.parameterCount == 2 && it.returnType == v &&
                it.parameterTypes.all { p -> p == v }
        }.map { it.name to 2 }
        val missing = (unary + binary).filter { it !in dsl }
        assertTrue(missing.isEmpty(), "no top-level function for $missing in dev.adjoint.dsl (Functions.kt)")
        assertTrue(unary.size >= 20 && binary.size >= 3, "$unary $binary")
    }
}
