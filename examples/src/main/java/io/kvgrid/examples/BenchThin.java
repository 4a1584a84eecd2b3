package io.kvgrid.examples;

import io.kvgrid.ClientRole;
import io.kvgrid.KeyResult;
import io.kvgrid.client.KvGridClient;
import io.kvgrid.tls.TlsDirectory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * kvgrid through {@link KvGridClient} against one kvgrid server JVM of its own (one copy of each block, as a Redis
 * server keeps), over plain TCP or over mutual TLS with certificates of a throw-away {@code kvgrid certs} directory:
 * what a thin client pays for the wire, and for TLS on top of it.
 */
final class BenchThin implements BenchTarget {
    private final boolean tls;
    private final Path certs;
    private final BenchJvms server;
    private final KvGridClient client;

    BenchThin(boolean tls, long dataRegionBytes) throws Exception {
        this.tls = tls;
        certs = tls ? Files.createTempDirectory("kvgrid-bench-tls-") : null;
        BenchJvms s = null;
        try {
            if (tls)
                TlsDirectory.create(certs, 1, Map.of("admin", ClientRole.ADMIN), 1);
            s = tls ? BenchJvms.start("kvgrid", 1, dataRegionBytes, "tls=" + certs)
                : BenchJvms.start("kvgrid", 1, dataRegionBytes);
            client = tls ? KvGridClient.connect(s.hosts(), certs, "admin") : KvGridClient.connect(s.hosts());
        } catch (Exception e) {
            if (s != null)
                s.close();
            deleteCerts();
            throw e;
        }
        server = s;
    }

    public String system() {
        return tls ? "kvgrid-thin-tls" : "kvgrid-thin";
    }

    public int nodes() {
        return 1;
    }

    public boolean processes() {
        return true;
    }

    public void put(String key, byte[] value) {
        client.put(key, value);
    }

    public byte[] get(String key) {
        return client.get(key);
    }

    public boolean readsInto() {
        return true;
    }

    public int getInto(String key, java.nio.ByteBuffer buf) {
        return client.getInto(key, buf);
    }

    public List<byte[]> batchGet(List<String> keys) {
        List<byte[]> out = new ArrayList<>(keys.size());
        for (KeyResult<byte[]> r : client.batchGet(keys))
            out.add(r.valueOrThrow());
        return out;
    }

    public void clear() {
        client.removeAll(true);
    }

    public void close() {
        try {
            client.close();
        } finally {
            server.close();
            deleteCerts();
        }
    }

    private void deleteCerts() {
        if (certs == null)
            return;
        try (Stream<Path> files = Files.walk(certs)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList())
                Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // a temporary directory: left for the OS
        }
    }
}
