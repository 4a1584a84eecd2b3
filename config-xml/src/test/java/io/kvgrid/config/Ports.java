package io.kvgrid.config;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free port ranges on 127.0.0.1 from 50000..63899, a band kvgrid's TestCluster (20000..49999) does not use, so test
 * JVMs running side by side do not join each other's clusters.
 */
final class Ports {
    private Ports() {
    }

    static int freeRange(int n) {
        for (int attempt = 0; attempt < 200; attempt++) {
            int base = 50_000 + ThreadLocalRandom.current().nextInt(13_900);
            boolean free = true;
            for (int p = base; p < base + n && free; p++)
                free = isFree(p);
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
}
