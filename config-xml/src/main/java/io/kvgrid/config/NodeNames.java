package io.kvgrid.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Distinct node names for XML-configured nodes that name none: two nodes started from the same file on one host would
 * otherwise share a consistent id (and be refused with an error that does not say why). The first free
 * {@code <host>-<i>} is claimed with a file lock under {@code java.io.tmpdir/kvgrid-node-names}, held for the life of
 * the JVM, so nodes on one host never share a name and a node restarted alone gets its old name back (and with it its
 * SSD directory, {@code <ssd dir>/<name>}). Set {@code kvgrid.instance.name} to pin a name.
 *
 * <pre>{@code
 * <bean id="nodeName" class="io.kvgrid.config.NodeNames" factory-method="claim">
 *   <constructor-arg value="${kvgrid.instance.name:}"/>
 * </bean>
 * }</pre>
 */
public final class NodeNames {
    private static final List<FileChannel> HELD = new ArrayList<>();

    private NodeNames() {
    }

    /** {@code requested} when it is not blank, else a freshly claimed name (see the class comment). */
    public static synchronized String claim(String requested) {
        if (requested != null && !requested.isBlank())
            return requested;
        return claimFresh();
    }

    /** The next name not held by this JVM or any other on this host. */
    static synchronized String claimFresh() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName().replaceAll("[^A-Za-z0-9.-]", "_");
        } catch (IOException e) {
            host = "localhost";
        }
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "kvgrid-node-names");
        try {
            Files.createDirectories(dir);
            for (int i = 0; i < 10_000; i++) {
                String name = host + "-" + i;
                FileChannel ch = FileChannel.open(dir.resolve(name + ".lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE);
                FileLock lock;
                try {
                    lock = ch.tryLock();
                } catch (OverlappingFileLockException held) {
                    lock = null; // this JVM holds it already
                }
                if (lock == null) {
                    ch.close();
                    continue;
                }
                HELD.add(ch);
                return name;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot claim a node name under " + dir, e);
        }
        throw new IllegalStateException("10,000 kvgrid node names in use on this host");
    }
}
