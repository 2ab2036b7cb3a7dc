package dev.adjoint.verify

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Test

/**
 * The op list of random expressions ([Op]) is a view of the engine's registry (`dev.adjoint.Op`):
 * every op named here is the engine's, and every op of the engine is generated here or listed
 * below with the reason it is not. An op added to the engine fails this test until one of the two.
 */
class RegistryViewTest {
    /** The engine's ops that random expressions do not use, and why. */
    private val notGenerated = mapOf(
        "LEAF" to "variables and constants, not an op",
        "PRIMITIVE" to "generated as users' functions instead: softsign and hypot (UserPrimitives)",
    )

    @Test
    fun theOpListIsAViewOfTheEngineRegistry() {
        @Suppress("UNCHECKED_CAST")
        val engine = (Class.forName("dev.adjoint.Op").enumConstants as Array<Enum<*>>).map { it.name }.toSet()
        val here = Op.entries.filter { !it.primitive }.map { it.name }.toSet()
        assertEquals(emptySet<String>(), here - engine, "ops here the engine does not have")
        assertEquals(emptySet<String>(), engine - here - notGenerated.keys, "engine ops neither generated nor listed as not generated")
        assertEquals(emptySet<String>(), here.intersect(notGenerated.keys), "ops both generated and listed as not generated")
        for (op in UnaryOp.entries) assertEquals(op.name, op.kind.name)
        for (op in BinaryOp.entries) assertEquals(op.name, op.kind.name)
    }
}
