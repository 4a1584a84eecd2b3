package io.kvgrid.it;

import org.junit.jupiter.api.extension.AnnotatedElementContext;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.io.TempDirFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Temporary directories under the module's build directory ({@code target/tmp}) rather than /tmp: SSD tiers write
 * real data files there, which must land on a disk file system (O_DIRECT) and be swept away by {@code mvn clean}.
 */
public final class BuildDirTempDirs implements TempDirFactory {
    @Override
    public Path createTempDirectory(AnnotatedElementContext element, ExtensionContext context) throws IOException {
        Path base = Path.of("target", "tmp").toAbsolutePath();
        Files.createDirectories(base);
        return Files.createTempDirectory(base, "ssdit-");
    }
}
