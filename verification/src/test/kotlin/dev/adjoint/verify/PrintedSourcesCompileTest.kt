package dev.adjoint.verify

import org.jetbrains.kotlin.cli.common.arguments.K2JVMCompilerArguments
import org.jetbrains.kotlin.cli.common.messages.CompilerMessageSeverity
import org.jetbrains.kotlin.cli.common.messages.CompilerMessageSourceLocation
import org.jetbrains.kotlin.cli.common.messages.MessageCollector
import org.jetbrains.kotlin.cli.jvm.K2JVMCompiler
import org.jetbrains.kotlin.config.Services
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import java.io.File
import java.net.URLClassLoader
import java.nio.file.Files
import java.nio.file.Path

/**
 * Printed reports are Kotlin that compiles: the `grad(...) { ... }` sources of 120 random samples
 * (every op of the generator, the users' primitives, shared vals) are compiled with the Kotlin
 * compiler against the DSL, run, and give the value and gradient of the expression that was
 * printed, bitwise (the DSL computes what the Java API does, bitwise; `DslOracles` holds that).
 */
class PrintedSourcesCompileTest {
    @Test
    fun printedSourcesCompileAndComputeThePrintedExpression(@TempDir dir: Path) {
        val samples = (0L until 120L).map { Exprs.sample(it, Shape.MIXED, 4, 7) }
        val ops = samples.flatMap { s -> s.expr.nodes().mapNotNull { it.kind } }.toSet()
        assertEquals(Op.values().toSet(), ops, "every op of the generator is printed")
        val source = buildString {
            appendLine("package printed")
            appendLine("import dev.adjoint.dsl.*")
            appendLine("object Printed {")
            appendLine("    @JvmStatic fun all(): List<Gradient> = listOf(")
            // each printed source as it stands (with the vals of the primitives it uses), in a block
            for (s in samples) appendLine("        run {\n" + s.toKotlin().prependIndent("            ") + "\n        },")
            appendLine("    )")
            appendLine("}")
        }
        val file = dir.resolve("Printed.kt")
        Files.writeString(file, source)
        val out = dir.resolve("classes")
        val errors = StringBuilder()
        val collector = object : MessageCollector {
            override fun clear() {}
            override fun hasErrors() = errors.isNotEmpty()
            override fun report(severity: CompilerMessageSeverity, message: String, location: CompilerMessageSourceLocation?) {
                if (severity.isError) errors.append("${location?.line}:${location?.column} $message\n")
            }
        }
        val args = K2JVMCompilerArguments().apply {
            freeArgs = listOf(file.toString())
            destination = out.toString()
            // the DSL, the engine, this module (UserPrimitives) and the Kotlin stdlib
            classpath = listOf(dev.adjoint.dsl.Gradient::class.java, dev.adjoint.Value::class.java, UserPrimitives::class.java, Unit::class.java)
                .map { File(it.protectionDomain.codeSource.location.toURI()).path }.distinct().joinToString(File.pathSeparator)
            noStdlib = true
            noReflect = true
            jvmTarget = "17"
            suppressWarnings = true
        }
        K2JVMCompiler().exec(collector, Services.EMPTY, args)
        val lines = source.lines()
        assertTrue(errors.isEmpty(), errors.lines().take(20).joinToString("\n") { e ->
            val line = e.substringBefore(':').toIntOrNull()
            if (line == null) e else "$e\n    ${lines.getOrElse(line - 1) { "" }}"
        })
        URLClassLoader(arrayOf(out.toUri().toURL()), javaClass.classLoader).use { loader ->
            @Suppress("UNCHECKED_CAST")
            val grads = loader.loadClass("printed.Printed").getMethod("all").invoke(null) as List<dev.adjoint.dsl.Gradient>
            for ((s, g) in samples.zip(grads)) {
                val want = Evaluate.reverseJava(s.expr, s.inputs)
                assertEquals(want.value.toRawBits(), g.value.toRawBits(), s.toKotlin())
                for (i in s.inputs.indices) assertEquals(want.gradient[i].toRawBits(), g[i].toRawBits(), "∂/∂x$i of ${s.toKotlin()}")
            }
        }
    }
}
