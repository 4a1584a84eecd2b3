package io.kvgrid.examples;

import io.kvgrid.ClientRole;
import io.kvgrid.KeyResult;
import io.kvgrid.KvGridConfiguration;
import io.kvgrid.client.KvGridClient;
import io.kvgrid.tls.KvGridTls;
import io.kvgrid.tls.TlsDirectory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * kvgrid through {@link KvGridClient} against one local node, over plain TCP or over mutual TLS with certificates of
 * a throw-away {@code kvgrid certs} directory: what a thin client pays for the wire, and for TLS on top of it.
 */
final class BenchThin implements BenchTarget {
    private final boolean tls;
    private final Path certs;
    private final LocalCluster cluster;
    private final KvGridClient client;

    BenchThin(boolean tls, long dataRegionBytes) {
        this.tls = tls;
        KvGridConfiguration cfg = new KvGridConfiguration();
        cfg.setDataRegionBytes(dataRegionBytes);
        cfg.setPreTouchRegion(true);
        try {
            certs = tls ? Files.createTempDirectory("kvgrid-bench-tls-") : null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (tls)
            TlsDirectory.create(certs, 1, Map.of("admin", ClientRole.ADMIN), 1);
        LocalCluster c = null;
        try {
            c = LocalCluster.kvgrid(1, cfg, n -> tls ? KvGridTls.applyToNode(n, certs, "node-0") : n);
            String host = io.kvgrid.grid.ThinClientGateway.endpoints(c.ignite(0));
            client = tls ? KvGridClient.connect(host, certs, "admin") : KvGridClient.connect(host);
        } catch (RuntimeException e) {
            if (c != null)
                c.close();
            deleteCerts();
            throw e;
        }
        cluster = c;
    }

    public String system() {
        return tls ? "kvgrid-thin-tls" : "kvgrid-thin";
    }

    public int nodes() {
        return 1;
    }

    public void put(String key, byte[] value) {
        client.put(key, value);
    }

    public byte[] get(String key) {
        return client.get(key);
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
            cluster.close();
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
