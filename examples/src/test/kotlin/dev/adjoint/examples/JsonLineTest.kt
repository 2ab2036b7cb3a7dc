package dev.adjoint.examples

import com.fasterxml.jackson.databind.ObjectMapper
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/** The bench line is written without Jackson: Jackson must read it back as it would have written it. */
class JsonLineTest {
    private val mapper = ObjectMapper()

    @Test
    fun writesWhatJacksonWrites() {
        val fields = linkedMapOf<String, Any>(
            "system" to "a \"quoted\" name \\ with\ttab, \n, \b, \u000c, \r and \u0001 \u001f",
            "steps" to 100,
            "big" to (1L shl 40),
            "loss0" to 1.6298943370807384,
            "tiny" to 1e-300,
            "neg" to -0.0,
            "nan" to Double.NaN,
            "inf" to Double.NEGATIVE_INFINITY,
        )
        assertEquals(mapper.writeValueAsString(fields), jsonLine(fields))
        val back = mapper.readTree(jsonLine(fields))
        assertEquals(fields["system"], back["system"].asText())
        assertEquals(1.6298943370807384, back["loss0"].asDouble())
        assertEquals(listOf("system", "steps", "big", "loss0", "tiny", "neg", "nan", "inf"), back.fieldNames().asSequence().toList())
    }

    @Test
    fun refusesOtherValues() {
        val e = assertThrows<IllegalArgumentException> { jsonLine(mapOf("x" to listOf(1))) }
        assertEquals("jsonLine: x is a java.util.Collections\$SingletonList, not a string or number", e.message)
    }
}
