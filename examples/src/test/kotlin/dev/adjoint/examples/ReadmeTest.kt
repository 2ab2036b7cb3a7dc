package dev.adjoint.examples

import java.nio.file.Files
import java.nio.file.Path
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Assertions.fail
import org.junit.jupiter.api.Test

/**
 * README's code blocks are copies of test sources that are compiled and run: every region between
 * `// readme:NAME` and `// readme:end` in a test source must stand in README.md verbatim.
 */
class ReadmeTest {
    private val root: Path = generateSequence(Path.of("").toAbsolutePath()) { it.parent }
        .first { Files.exists(it.resolve("README.md")) && Files.exists(it.resolve("engine-java")) }

    @Test
    fun everyMarkedSnippetStandsInTheReadme() {
        val readme = Files.readString(root.resolve("README.md"))
        val snippets = Files.walk(root).use { paths ->
            paths.filter { p -> p.toString().contains("/src/test/") && (p.toString().endsWith(".java") || p.toString().endsWith(".kt")) }
                .filter { p -> !p.toString().contains("/target/") }
                .toList()
        }.flatMap { snippetsOf(Files.readString(it)).map { (name, text) -> Triple(it, name, text) } }
        assertTrue(snippets.isNotEmpty(), "no readme snippets found under $root")
        for ((file, name, text) in snippets) {
            if (!readme.contains(text)) fail<Unit>("README.md lacks snippet '$name' of $file as written there:\n$text")
        }
    }

    private fun snippetsOf(source: String): List<Pair<String, String>> {
        val out = ArrayList<Pair<String, String>>()
        val lines = source.lines()
        var i = 0
        while (i < lines.size) {
            val start = lines[i].trim()
            if (start.startsWith("// readme:") && start != "// readme:end") {
                val name = start.removePrefix("// readme:")
                val end = (i + 1 until lines.size).first { lines[it].trim() == "// readme:end" }
                val body = lines.subList(i + 1, end)
                val indent = body.filter { it.isNotBlank() }.minOf { it.length - it.trimStart().length }
                out += name to body.joinToString("\n") { if (it.isBlank()) "" else it.substring(indent) }
                i = end
            }
            i++
        }
        return out
    }
}
