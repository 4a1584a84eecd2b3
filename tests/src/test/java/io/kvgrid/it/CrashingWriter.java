package io.kvgrid.it;

import io.kvgrid.BlockStore;
import io.kvgrid.KvGrid;
import io.kvgrid.KvGridNode;
import io.kvgrid.testing.Payload;
import io.kvgrid.testing.TestCluster;

/**
 * Child process of {@link WriterCrashTest}: a server node that joins the test's cluster and writes blocks until it
 * is killed, printing {@code ACK key} after each put returns.
 */
public final class CrashingWriter {
    private CrashingWriter() {
    }

    public static void main(String[] args) {
        int port = Integer.parseInt(args[0]);
        int size = Integer.parseInt(args[1]);
        KvGridNode node = KvGrid.start(KvGrid.embeddedConfiguration("writer", TestCluster.smallConfig(), port)
            .setConsistentId("writer"));
        BlockStore store = node.store();
        System.out.println("READY");
        System.out.flush();
        long deadline = System.nanoTime() + 60_000_000_000L;
        for (int i = 0; i < 100_000 && System.nanoTime() < deadline; i++) {
            String k = "crash-" + i;
            store.put(k, Payload.of(k, size));
            System.out.println("ACK " + k);
            System.out.flush();
        }
        node.close();
    }
}
