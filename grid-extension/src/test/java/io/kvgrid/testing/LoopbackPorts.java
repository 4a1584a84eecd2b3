package io.kvgrid.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free port ranges on 127.0.0.1, picked at random from 20000..49999, so test JVMs running side by side (other modules,
 * other engineers' builds) do not join each other's clusters.
 */
public final class LoopbackPorts {
    private LoopbackPorts() {
    }

    /**
     * First port of {@code n} consecutive ports that are free now, as are the same ports shifted by each of
     * {@code alsoAt} (JGroups' FD_SOCK2, for one, listens 100 above its transport port).
     */
    public static int freeRange(int n, int... alsoAt) {
        for (int attempt = 0; attempt < 200; attempt++) {
            int base = 20_000 + ThreadLocalRandom.current().nextInt(30_000 - n);
            boolean free = true;
            for (int p = base; p < base + n && free; p++) {
                free = isFree(p);
                for (int i = 0; i < alsoAt.length && free; i++)
                    free = isFree(p + alsoAt[i]);
            }
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
