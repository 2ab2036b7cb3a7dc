package dev.adjoint.verify

import dev.adjoint.Value
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.extension.ExtensionContext
import org.junit.jupiter.params.provider.ArgumentsProvider
import org.opentest4j.AssertionFailedError
import org.apiguardian.api.API
import org.junit.platform.commons.util.Preconditions
import java.lang.reflect.InvocationTargetException
import java.lang.reflect.Proxy
import java.net.URLClassLoader
import java.nio.file.Files
import java.nio.file.Path
import java.util.stream.Stream

/**
 * `verification` is the light artifact: a Java suite with only `engine-java` and `verification`
 * (and JUnit) on its class path can run GradCheck and the random-expression tests.
 */
class LightArtifactTest {
    /**
     * The runtime dependency tree Maven resolves for this module (written by the build to
     * target/runtime-dependencies.txt): engine-java (with whatever it needs itself) and the Kotlin
     * standard library, and JUnit's params API as an optional dependency, which users do not
     * inherit; nothing of Kotest, coroutines, JNA, ByteBuddy, classgraph or the Kotlin DSL.
     */
    @Test
    fun runtimeDependenciesAreTheEngineAndTheKotlinStdlib() {
        val tree = Path.of("target/runtime-dependencies.txt")
        assertTrue(Files.exists(tree), "the build writes $tree (maven-dependency-plugin, process-test-resources)")
        val direct = ArrayList<String>()
        val inherited = ArrayList<String>()
        var skipping = false
        for (line in Files.readAllLines(tree).drop(1)) {
            val depth = line.indexOfFirst { it.isLetter() } / 3
            val artifact = line.trimStart(' ', '|', '+', '-', '\\').substringBefore(" ").split(":").let { "${it[0]}:${it[1]}" }
            if (depth == 1) {
                skipping = line.contains("(optional)")
                if (!skipping) direct += artifact
            }
            if (!skipping) inherited += artifact
        }
        val text = Files.readString(tree)
        assertEquals(listOf("dev.adjoint:engine-java", "org.jetbrains.kotlin:kotlin-stdlib"), direct, text)
        for (banned in listOf("io.kotest", "org.jetbrains.kotlinx", "net.java.dev.jna", "net.bytebuddy", "io.github.classgraph", "dev.adjoint:dsl-kotlin")) {
            assertTrue(inherited.none { it.startsWith(banned) }, "$banned in the runtime tree:\n$text")
        }
    }

    /**
     * README's "Java suites" dependencies are tools/java-suite/pom.xml's, verbatim, and
     * tools/java-suite.sh runs README's three Java tests (the fresh project it builds is what
     * README tells Java users to write).
     */
    @Test
    fun readmeShowsTheJavaSuitesPom() {
        val root = Path.of("..")
        val pom = Files.readString(root.resolve("tools/java-suite/pom.xml"))
        val lines = pom.substringAfter("</dependencyManagement>").lines()
        val start = lines.indexOfFirst { it.trim() == "<dependencies>" }
        val end = lines.indexOfFirst { it.trim() == "</dependencies>" }
        val indent = lines[start].length - lines[start].trimStart().length
        val block = lines.subList(start, end + 1).joinToString("\n") { it.drop(indent) }
        val readme = Files.readString(root.resolve("README.md"))
        assertTrue(readme.contains("```xml\n$block\n```"), "README lacks the Java suite's dependencies as tools/java-suite/pom.xml has them:\n$block")
        val script = Files.readString(root.resolve("tools/java-suite.sh"))
        for (test in listOf("MyModelGradientTest", "MyPrimitiveTest", "MyRandomExpressionTest")) {
            assertTrue(script.contains(test) && Files.exists(Path.of("src/test/java/dev/adjoint/verify/$test.java")), test)
        }
    }

    /**
     * In a class loader holding only engine-java's classes, this module's classes and test classes,
     * the Kotlin stdlib and JUnit's jars (no Kotest, coroutines or Kotlin DSL), the README's Java
     * GradCheck and Primitive tests and the parameterized random-expression test run, fed by the
     * [RandomExpressions] source.
     */
    @Test
    fun aJavaSuiteRunsWithOnlyTheEngineAndThisArtifact() {
        fun where(c: Class<*>) = c.protectionDomain.codeSource.location
        val urls = listOf(Value::class.java, GradCheck::class.java, LightArtifactTest::class.java, Unit::class.java, ArgumentsProvider::class.java,
            ExtensionContext::class.java, AssertionFailedError::class.java, API::class.java, Preconditions::class.java).map(::where) +
            // whatever engine-java itself needs at run time (ASM, for compiled tapes)
            listOfNotNull(runCatching { Class.forName("org.objectweb.asm.ClassWriter") }.getOrNull()?.let(::where))
        val distinct = urls.distinct()
        URLClassLoader(distinct.toTypedArray(), ClassLoader.getPlatformClassLoader()).use { loader ->
            for (absent in listOf("io.kotest.property.Arb", "kotlinx.coroutines.BuildersKt", "dev.adjoint.dsl.OperatorsKt")) {
                assertThrows(ClassNotFoundException::class.java, { loader.loadClass(absent) }, absent)
            }
            fun instance(name: String) = loader.loadClass(name).getDeclaredConstructor().also { it.isAccessible = true }.newInstance()
            val gradient = instance("dev.adjoint.verify.MyModelGradientTest")
            gradient.javaClass.getDeclaredMethod("softplusTimesWeight").also { it.isAccessible = true }.invoke(gradient)
            val primitive = instance("dev.adjoint.verify.MyPrimitiveTest")
            primitive.javaClass.getDeclaredMethod("softsignAcrossItsDomain").also { it.isAccessible = true }.invoke(primitive)

            val suite = instance("dev.adjoint.verify.MyRandomExpressionTest")
            val method = suite.javaClass.declaredMethods.first { it.name == "engineOnRandomExpressions" }.also { it.isAccessible = true }
            val annotation = method.annotations.first { it.annotationClass.simpleName == "RandomExpressions" }
            val provider = instance("dev.adjoint.verify.RandomExpressionsProvider")
            provider.javaClass.getMethod("accept", loader.loadClass("dev.adjoint.verify.RandomExpressions")).invoke(provider, annotation)
            val contextType = loader.loadClass(ExtensionContext::class.java.name)
            val context = Proxy.newProxyInstance(loader, arrayOf(contextType)) { _, m, _ -> throw UnsupportedOperationException(m.name) }
            @Suppress("UNCHECKED_CAST")
            val arguments = provider.javaClass.getMethod("provideArguments", contextType).invoke(provider, context) as Stream<Any>
            var n = 0
            for (a in arguments.iterator()) {
                val sample = (a.javaClass.getMethod("get").also { it.isAccessible = true }.invoke(a) as Array<*>)[0]
                try {
                    method.invoke(suite, sample)
                } catch (e: InvocationTargetException) {
                    throw AssertionError("sample $n failed in the isolated class path", e.cause)
                }
                n++
            }
            assertEquals(200, n)
        }
    }
}
