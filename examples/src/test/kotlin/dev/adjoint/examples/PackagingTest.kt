package dev.adjoint.examples

import dev.adjoint.Value
import dev.adjoint.dsl.Execution
import dev.adjoint.verify.GradCheck
import java.nio.file.Files
import java.nio.file.Path
import java.util.concurrent.TimeUnit
import java.util.jar.JarFile
import javax.tools.ToolProvider
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Assumptions.assumeTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir

/**
 * What a library user meets: README's coordinates are the BOM's, every library the BOM lists names
 * its JPMS module, and a Java program that uses only engine-java compiles and runs on the module path.
 */
class PackagingTest {
    private val root: Path = generateSequence(Path.of("").toAbsolutePath()) { it.parent }
        .first { Files.exists(it.resolve("README.md")) && Files.exists(it.resolve("adjoint-bom")) }

    private fun tag(xml: String, name: String): List<String> = Regex("<$name>([^<]*)</$name>").findAll(xml).map { it.groupValues[1] }.toList()

    @Test
    fun readmeNamesTheBomAndEveryLibraryItManages() {
        val bom = Files.readString(root.resolve("adjoint-bom/pom.xml"))
        val readme = Files.readString(root.resolve("README.md"))
        val section = readme.substringAfter("## Use it from Maven / Gradle").substringBefore("\n## ")
        val version = tag(bom, "version").first()
        assertTrue(section.contains("<artifactId>adjoint-bom</artifactId>\n      <version>$version</version>"), section)
        assertTrue(section.contains("platform(\"dev.adjoint:adjoint-bom:$version\")"), section)
        val libraries = tag(bom.substringAfter("<dependencyManagement>"), "artifactId")
        assertEquals(listOf("engine-java", "dsl-kotlin", "verification", "verification-kotest"), libraries)
        for (artifact in libraries) {
            val pom = Files.readString(root.resolve("$artifact/pom.xml"))
            val module = tag(pom, "module.name").single()
            assertTrue(section.contains("`$module` ($artifact)"), "README names $artifact's module $module:\n$section")
        }
    }

    /** The jar a class was loaded from, when it was loaded from a jar (a reactor build after `package`). */
    private fun jarOf(type: Class<*>): Path? =
        Path.of(type.protectionDomain.codeSource.location.toURI()).takeIf { it.toString().endsWith(".jar") }

    @Test
    fun librariesNameTheirModulesInTheirManifests() {
        val jars = mapOf(Value::class.java to "dev.adjoint", Execution::class.java to "dev.adjoint.dsl", GradCheck::class.java to "dev.adjoint.verify")
            .mapNotNull { (type, name) -> jarOf(type)?.let { it to name } }
        assumeTrue(jars.isNotEmpty(), "the libraries are class folders here (a build that stops before package)")
        for ((jar, name) in jars) {
            val manifest = JarFile(jar.toFile()).use { it.manifest }
            assertEquals(name, manifest.mainAttributes.getValue("Automatic-Module-Name"), jar.toString())
        }
    }

    @Test
    fun aJavaProgramUsingOnlyEngineJavaRunsOnTheModulePath(@TempDir dir: Path) {
        val engine = jarOf(Value::class.java)
        assumeTrue(engine != null, "engine-java is a class folder here (a build that stops before package)")
        val src = dir.resolve("src")
        Files.createDirectories(src.resolve("quickstart"))
        Files.writeString(src.resolve("module-info.java"), "module quickstart { requires dev.adjoint; }\n")
        Files.writeString(src.resolve("quickstart/Main.java"), """
            package quickstart;
            import dev.adjoint.Value;
            public class Main {
              public static void main(String[] args) {
                Value a = Value.of(2.0), b = Value.of(-3.0);
                Value d = a.times(b).plus(a.pow(2)).tanh();
                d.backward();
                System.out.println(a.grad() + " " + b.grad());
              }
            }
        """.trimIndent())
        val classes = dir.resolve("classes")
        val javac = ToolProvider.getSystemJavaCompiler()
        val code = javac.run(null, null, null, "--module-path", engine.toString(), "-d", classes.toString(),
            src.resolve("module-info.java").toString(), src.resolve("quickstart/Main.java").toString())
        assertEquals(0, code, "javac on the module path")
        val javaExe = Path.of(System.getProperty("java.home"), "bin", "java").toString()
        val p = ProcessBuilder(javaExe, "--module-path", "$engine${java.io.File.pathSeparator}$classes", "-m", "quickstart/quickstart.Main")
            .redirectErrorStream(true).start()
        val out = p.inputStream.bufferedReader().readText()
        assertTrue(p.waitFor(60, TimeUnit.SECONDS))
        assertEquals(0, p.exitValue(), out)
        assertEquals("0.07065082485316443 0.14130164970632886", out.trim())
    }
}
