package io.kvgrid.grid;

import io.kvgrid.BlockMeta;
import io.kvgrid.ErrorCode;
import io.kvgrid.KvGrid;
import io.kvgrid.KvGridConfiguration;
import io.kvgrid.KvGridException;
import io.kvgrid.KvGridNode;
import io.kvgrid.PutOptions;
import io.kvgrid.testing.LoopbackPorts;
import io.kvgrid.testing.TestCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Leases and pins follow the clock of the node that owns the record: a reader whose clock is a day ahead or an hour
 * behind can neither extend nor shorten them.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class OwnerClockTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final long LEASE = 10_000;
    private static final AtomicLong ownerClock = new AtomicLong(T0);
    private static final AtomicLong aheadClock = new AtomicLong(T0 + 86_400_000L);
    private static final AtomicLong behindClock = new AtomicLong(T0 - 3_600_000L);
    private static KvGridNode owner;
    private static KvGridNode ahead;
    private static KvGridNode behind;

    @BeforeAll
    static void start() {
        int port = LoopbackPorts.freeRange(KvGrid.DISCOVERY_PORT_RANGE + KvGrid.THIN_CLIENT_PORT_RANGE);
        owner = node("owner", ownerClock, port, false);
        ahead = node("ahead", aheadClock, port, true);
        behind = node("behind", behindClock, port, true);
    }

    /** The owner is the only server (every record's primary); the skewed readers and writers are client nodes. */
    private static KvGridNode node(String name, AtomicLong clock, int port, boolean client) {
        KvGridConfiguration cfg = TestCluster.smallConfig();
        cfg.setTicker(clock::get);
        cfg.setLeaseTtlMillis(LEASE);
        cfg.setDefaultReplicas(1);
        cfg.setMaxReplicas(1);
        return KvGrid.start(KvGrid.embeddedConfiguration(name + "-" + port, cfg, port).setConsistentId(name)
            .setClientMode(client));
    }

    @AfterAll
    static void stop() {
        for (KvGridNode n : new KvGridNode[] {behind, ahead, owner})
            if (n != null)
                n.close();
    }

    private static String ownedKey(String prefix) {
        String k = prefix + System.nanoTime();
        assertEquals(true, owner.ignite().affinity("kvgrid-meta").isPrimary(owner.ignite().cluster().localNode(), k));
        return k;
    }

    @Test
    void aReaderADayAheadCannotExtendALeaseBeyondTheOwnersClock() {
        String k = ownedKey("clock/ahead-");
        owner.store().put(k, new byte[] {1});
        ahead.store().get(k);
        BlockMeta m = owner.store().query(k).orElseThrow();
        assertEquals(ownerClock.get() + LEASE, m.leaseUntilMillis(), "lease from the owner's clock");
        assertEquals(ErrorCode.HAS_LEASE,
            assertThrows(KvGridException.class, () -> owner.store().remove(k)).code());
        ownerClock.addAndGet(LEASE + 1);
        owner.store().remove(k);
    }

    @Test
    void aReaderAnHourBehindStillLeasesForAFullTtl() {
        String k = ownedKey("clock/behind-");
        owner.store().put(k, new byte[] {2});
        behind.store().get(k);
        assertEquals(ErrorCode.HAS_LEASE,
            assertThrows(KvGridException.class, () -> ahead.store().remove(k)).code(),
            "the lease it took is in force on the owner's clock, whoever asks");
        assertEquals(ownerClock.get() + LEASE, owner.store().query(k).orElseThrow().leaseUntilMillis());
    }

    @Test
    void aWriterADayAheadPinsForItsTtlOnTheOwnersClock() {
        String k = ownedKey("clock/pin-");
        ahead.store().put(k, new byte[] {3}, PutOptions.builder().softPin(Duration.ofMinutes(1)).build());
        BlockMeta m = owner.store().query(k).orElseThrow();
        assertEquals(ownerClock.get() + 60_000, m.softPinUntilMillis());
        assertEquals(ownerClock.get(), m.createdMillis());
    }
}
