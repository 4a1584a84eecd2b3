package io.kvgrid.discovery;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Free port ranges on 127.0.0.1, picked at random from a band no other kvgrid test uses (TestCluster takes
 * 20000..49999), so test JVMs running side by side do not collide. JGroups' FD_SOCK2 listens 100 above the
 * transport port, so that port must be free too.
 */
final class LoopbackPorts {
    private LoopbackPorts() {
    }

    static int freeRange(int n) {
        for (int attempt = 0; attempt < 200; attempt++) {
            int base = 50_000 + ThreadLocalRandom.current().nextInt(14_000);
            boolean free = true;
            for (int p = base; p < base + n && free; p++)
                free = isFree(p) && isFree(p + 100);
            if (free)
                return base;
        }
        throw new IllegalStateException("no free range of " + n + " ports on 127.0.0.1");
    }

    private static boolean isFree(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Polls {@code condition} every 50 ms until it holds; fails with {@code what} after {@code limit}. */
    static void eventually(Duration limit, String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline)
                fail("not within " + limit + ": " + what);
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted");
            }
        }
    }
}
