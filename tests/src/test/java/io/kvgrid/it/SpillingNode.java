package io.kvgrid.it;

import io.kvgrid.BlockStore;
import io.kvgrid.KvGrid;
import io.kvgrid.KvGridConfiguration;
import io.kvgrid.KvGridNode;
import io.kvgrid.PutOptions;
import io.kvgrid.Tier;
import io.kvgrid.TierStore;
import io.kvgrid.TierStoreFactory;
import io.kvgrid.testing.Payload;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Child process of {@link SsdSpillCrashTest}: a kvgrid server node (consistent id {@value #ID}) that joins the test's
 * cluster with an SSD tier and writes blocks into its own memory until they spill. Prints {@code ACK key} after each
 * put returned and {@code SPILLED key} once the SSD tier published a spilled copy; it is killed with SIGKILL.
 */
public final class SpillingNode {
    static final String ID = "spiller";

    private SpillingNode() {
    }

    public static void main(String[] args) throws InterruptedException {
        int port = Integer.parseInt(args[0]);
        Path dir = Path.of(args[1]);
        int size = Integer.parseInt(args[2]);
        int maxPuts = Integer.parseInt(args[3]);
        KvGridConfiguration cfg = SsdSpillCrashTest.config(dir);
        TierStoreFactory ssd = (TierStoreFactory) cfg.getTiers().get(1);
        cfg.setTiers(java.util.List.of(KvGridConfiguration.MEMORY, (TierStoreFactory) ctx -> new Reporting(ssd.open(ctx))));
        KvGridNode node = KvGrid.start(KvGrid.embeddedConfiguration(ID, cfg, port).setConsistentId(ID));
        BlockStore store = node.store();
        say("READY");
        // Blocks land in this node's memory (one copy), so it is this node that fills up and spills.
        PutOptions local = PutOptions.builder().replicas(1).preferredNode(ID).build();
        long deadline = System.nanoTime() + 90_000_000_000L;
        for (int i = 0; i < maxPuts && System.nanoTime() < deadline; i++) {
            String k = "crash-" + i;
            store.put(k, Payload.of(k, size), local);
            say("ACK " + k);
        }
        say("DONE");
        Thread.sleep(60_000); // wait for the kill: a clean close would not test recovery
        Runtime.getRuntime().halt(3);
    }

    private static void say(String line) {
        synchronized (System.out) {
            System.out.println(line);
            System.out.flush();
        }
    }

    /** The SSD tier, reporting each spill once the tier has published it. */
    private static final class Reporting implements TierStore {
        private final TierStore inner;

        Reporting(TierStore inner) {
            this.inner = inner;
        }

        @Override
        public Tier tier() {
            return inner.tier();
        }

        @Override
        public boolean put(String key, ByteBuffer payload, int checksum) {
            boolean kept = inner.put(key, payload, checksum);
            if (kept)
                say("SPILLED " + key);
            return kept;
        }

        @Override
        public int read(String key, ByteBuffer into) {
            return inner.read(key, into);
        }

        @Override
        public long size(String key) {
            return inner.size(key);
        }

        @Override
        public byte[] get(String key) {
            return inner.get(key);
        }

        @Override
        public long checksum(String key) {
            return inner.checksum(key);
        }

        @Override
        public boolean remove(String key) {
            return inner.remove(key);
        }

        @Override
        public void forEachKey(Consumer<String> action) {
            inner.forEachKey(action);
        }

        @Override
        public long usedBytes() {
            return inner.usedBytes();
        }

        @Override
        public long capacityBytes() {
            return inner.capacityBytes();
        }

        @Override
        public void close() {
            inner.close();
        }
    }
}
