package io.kvgrid.examples;

import redis.clients.jedis.Jedis;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

@Timeout(600)
class RedisTest {
    private static Path redisServer() {
        Path exe = RedisServer.executable().orElse(null);
        assumeTrue(exe != null, "no redis-server on the PATH");
        return exe;
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aRedisStartedForTheRunAnswersSetGetAndMgetAndIsGoneAfterClose() throws Exception {
        RedisServer server = RedisServer.start(redisServer());
        int port = server.port();
        try (server; Jedis c = server.client()) {
            byte[] big = new byte[1 << 20];
            Arrays.fill(big, (byte) '\r');   // payload bytes that look like protocol must pass untouched
            big[7] = '\n';
            c.set(b("k1"), big);
            c.set(b("k2"), b("two"));
            assertArrayEquals(big, c.get(b("k1")));
            assertNull(c.get(b("absent")));
            List<byte[]> many = c.mget(b("k2"), b("absent"), b("k1"));
            assertArrayEquals(b("two"), many.get(0));
            assertNull(many.get(1));
            assertArrayEquals(big, many.get(2));
            c.flushAll();
            assertNull(c.get(b("k2")));
        }
        assertTrue(LocalCluster.isFree(port), "the server has shut down");
    }

    @Test
    void theBenchWorkloadRunsAgainstRedisWithVerifiedReads() throws Exception {
        Path exe = redisServer();
        List<BenchRow> rows = new ArrayList<>();
        try (BenchTargets.Redis redis = new BenchTargets.Redis(RedisServer.start(exe))) {
            new BenchWorkload(BenchSettings.tiny(), null).putGet(redis, 64 << 10, rows::add);
        }
        assertEquals(List.of("put", "get", "batchGet", "pipelinedGet"), rows.stream().map(BenchRow::op).toList());
        for (BenchRow r : rows) {
            assertEquals("redis", r.system());
            assertEquals(1, r.nodes());
            assertTrue(r.gbPerSec() > 0, r.toString());
        }
    }
}
