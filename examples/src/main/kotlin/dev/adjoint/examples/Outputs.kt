package dev.adjoint.examples

import java.io.IOException
import java.io.OutputStream
import java.nio.file.AccessDeniedException
import java.nio.file.AtomicMoveNotSupportedException
import java.nio.file.FileAlreadyExistsException
import java.nio.file.FileSystemException
import java.nio.file.Files
import java.nio.file.LinkOption
import java.nio.file.NoSuchFileException
import java.nio.file.Path
import java.nio.file.StandardCopyOption
import java.nio.file.attribute.PosixFilePermission
import java.nio.file.attribute.PosixFilePermissions

/**
 * The files the tour writes. Each is written whole to a new temporary file in the target's folder
 * (created exclusively, so a link planted there is never followed) and then renamed onto the
 * target in one atomic step: a reader sees the old file or the new one, never half of one, and a
 * symbolic link at the target is replaced by the file, never written through. A failure leaves the
 * old file as it was and no temporary file behind, and names the target. Stateless; safe from any
 * thread, but two writers of one target race (the last rename wins).
 */
object Outputs {
    /** Creates [dir] and its parents if needed; throws naming [dir] when it is not a folder. */
    fun folder(dir: Path): Path {
        if (Files.isDirectory(dir)) return dir // a link to a folder too, which createDirectories refuses
        if (Files.exists(dir)) throw FileSystemException(dir.toString(), null, "exists and is not a folder")
        try {
            Files.createDirectories(dir)
        } catch (e: IOException) {
            throw FileSystemException(dir.toString(), null, "cannot create this folder: ${reason(e)}")
        }
        return dir
    }

    /**
     * Checks an output folder given as [option] before any work is done: [dir] is a folder (created
     * with its parents if needed) in which a file can be created. Otherwise a usage error (exit 2)
     * naming [option] and [dir], so that a command never trains first and fails to write after.
     */
    fun outFolder(option: String, dir: Path): Path {
        try {
            folder(dir)
            val probe = try {
                Files.createTempFile(dir, ".adjoint-", ".tmp")
            } catch (e: IOException) {
                throw FileSystemException(dir.toString(), null, "cannot write in this folder: ${reason(e)}")
            }
            Files.delete(probe)
        } catch (e: IOException) {
            usage("$option ${Cli.message(e)}")
        }
        return dir
    }

    /** Writes [text] as UTF-8 to [target]; returns [target]. */
    fun writeString(target: Path, text: String): Path = write(target) { it.write(text.toByteArray(Charsets.UTF_8)) }

    /** Writes what [content] writes to its stream to [target]; returns [target]. */
    fun write(target: Path, content: (OutputStream) -> Unit): Path = replace(target) { tmp ->
        Files.newOutputStream(tmp).use(content)
    }

    /**
     * Lets [produce] fill a temporary file (it is given the path of an empty file in the target's
     * folder, for programs such as Graphviz that write to a named file), then moves it onto [target].
     */
    fun replace(target: Path, produce: (Path) -> Unit): Path {
        if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) throw FileSystemException(target.toString(), null, "is a folder")
        val dir = target.toAbsolutePath().parent
        val tmp = try {
            Files.createTempFile(dir, ".${target.fileName}.", ".tmp")
        } catch (e: IOException) {
            throw FileSystemException(target.toString(), null, "cannot write it: ${reason(e)}")
        }
        try {
            produce(tmp)
            keepOrOpenPermissions(target, tmp)
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE)
            } catch (e: AtomicMoveNotSupportedException) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING)
            }
        } catch (e: Throwable) {
            Files.deleteIfExists(tmp)
            if (e is IOException && !(e is FileSystemException && e.file == target.toString())) {
                throw FileSystemException(target.toString(), null, "cannot write it: ${reason(e)}")
            }
            throw e
        }
        return target
    }

    /** A replaced regular file keeps its permissions; a new one gets rw-r--r-- (temp files are rw-------). */
    private fun keepOrOpenPermissions(target: Path, tmp: Path) {
        if (!Files.getFileStore(tmp).supportsFileAttributeView("posix")) return
        val old = if (Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS)) Files.getPosixFilePermissions(target) else null
        val permissions: Set<PosixFilePermission> = old ?: PosixFilePermissions.fromString("rw-r--r--")
        Files.setPosixFilePermissions(tmp, permissions)
    }

    private fun reason(e: IOException): String = when (e) {
        is AccessDeniedException -> "permission denied"
        is NoSuchFileException -> "its folder does not exist"
        is FileAlreadyExistsException -> "${e.file} exists and is not a folder"
        is FileSystemException -> e.reason ?: e.javaClass.simpleName
        else -> e.message ?: e.javaClass.simpleName
    }
}
