package io.kvgrid.examples;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The few Redis commands the benchmark needs, over RESP2 on one blocking socket. Not thread-safe. */
final class RespClient implements AutoCloseable {
    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;

    RespClient(String host, int port) throws IOException {
        socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress(host, port), 2_000);
        socket.setSoTimeout(30_000);
        out = new BufferedOutputStream(socket.getOutputStream(), 1 << 16);
        in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
    }

    String ping() throws IOException {
        send(bytes("PING"));
        return (String) reply();
    }

    void set(byte[] key, byte[] value) throws IOException {
        send(bytes("SET"), key, value);
        Object r = reply();
        if (!"OK".equals(r))
            throw new IOException("SET answered " + r);
    }

    byte[] get(byte[] key) throws IOException {
        send(bytes("GET"), key);
        return (byte[]) reply();
    }

    @SuppressWarnings("unchecked")
    List<byte[]> mget(List<byte[]> keys) throws IOException {
        byte[][] args = new byte[keys.size() + 1][];
        args[0] = bytes("MGET");
        for (int i = 0; i < keys.size(); i++)
            args[i + 1] = keys.get(i);
        send(args);
        List<byte[]> out = new ArrayList<>(keys.size());
        for (Object o : (List<Object>) reply())
            out.add((byte[]) o);
        return out;
    }

    void flushAll() throws IOException {
        send(bytes("FLUSHALL"));
        reply();
    }

    /** SHUTDOWN NOSAVE: the server closes the connection instead of answering. */
    void shutdown() throws IOException {
        send(bytes("SHUTDOWN"), bytes("NOSAVE"));
        try {
            reply();
        } catch (EOFException expected) {
            // the server went away, as asked
        }
    }

    private void send(byte[]... args) throws IOException {
        header('*', args.length);
        for (byte[] a : args) {
            header('$', a.length);
            out.write(a);
            out.write('\r');
            out.write('\n');
        }
        out.flush();
    }

    private void header(char type, int n) throws IOException {
        out.write(type);
        out.write(bytes(Integer.toString(n)));
        out.write('\r');
        out.write('\n');
    }

    /** Simple strings as String, integers as Long, bulk strings as byte[] (null when absent), arrays as List. */
    private Object reply() throws IOException {
        int type = in.read();
        if (type < 0)
            throw new EOFException("Redis closed the connection");
        String line = line();
        switch (type) {
            case '+':
                return line;
            case '-':
                throw new IOException("Redis error: " + line);
            case ':':
                return Long.parseLong(line);
            case '$': {
                int n = Integer.parseInt(line);
                if (n < 0)
                    return null;
                byte[] b = in.readNBytes(n);
                if (b.length != n || in.read() != '\r' || in.read() != '\n')
                    throw new EOFException("short bulk reply");
                return b;
            }
            case '*': {
                int n = Integer.parseInt(line);
                if (n < 0)
                    return null;
                List<Object> l = new ArrayList<>(n);
                for (int i = 0; i < n; i++)
                    l.add(reply());
                return l;
            }
            default:
                throw new IOException("unexpected RESP type '" + (char) type + "'");
        }
    }

    private String line() throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) != '\r') {
            if (c < 0)
                throw new EOFException("Redis closed the connection");
            sb.append((char) c);
        }
        if (in.read() != '\n')
            throw new IOException("malformed RESP line");
        return sb.toString();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
