package io.kvgrid.examples;

import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisException;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** A throw-away redis-server on 127.0.0.1: random free port, no persistence. Closing it shuts it down. */
final class RedisServer implements AutoCloseable {
    private final Process process;
    private final int port;

    private RedisServer(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** redis-server from the PATH, if there is one. */
    static Optional<Path> executable() {
        String path = System.getenv("PATH");
        if (path == null)
            return Optional.empty();
        for (String dir : path.split(File.pathSeparator)) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, "redis-server");
            if (Files.isRegularFile(p) && Files.isExecutable(p))
                return Optional.of(p);
        }
        return Optional.empty();
    }

    static RedisServer start(Path exe) throws IOException, InterruptedException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Process p = new ProcessBuilder(exe.toString(), "--port", Integer.toString(port), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--dir", System.getProperty("java.io.tmpdir"))
            .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        RedisServer server = new RedisServer(p, port);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try (Jedis c = server.client()) {
                if ("PONG".equals(c.ping()))
                    return server;
            } catch (JedisException e) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    server.close();
                    throw new IOException("redis-server did not start on 127.0.0.1:" + port, e);
                }
                Thread.sleep(50);
            }
        }
    }

    /** A new Jedis connection to this server; reads of 64 MiB blocks get 60 s. */
    Jedis client() {
        return new Jedis(new HostAndPort("127.0.0.1", port), DefaultJedisClientConfig.builder()
            .connectionTimeoutMillis(5_000).socketTimeoutMillis(60_000).build());
    }

    int port() {
        return port;
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            try (Jedis c = client()) {
                c.shutdown();
            } catch (JedisException ignored) {
                // the server closes the connection as it exits; destroyed below if it did not
            }
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS))
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
