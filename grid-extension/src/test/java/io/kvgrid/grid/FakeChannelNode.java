package io.kvgrid.grid;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.UUID;

/**
 * A server node's block channel for client tests, on the loopback address: takes each connection's HELLO, answers OK,
 * then hands the connection to a test's handler. Closing it closes its connections.
 */
final class FakeChannelNode implements AutoCloseable {
    /** What a connection does after HELLO; returning leaves it open and unread (a frozen process). */
    interface AfterHello {
        void serve(DataInputStream in, DataOutputStream out) throws Exception;
    }

    /** The answer to a GET (one key asked). */
    interface Get {
        void answer(DataOutputStream out) throws Exception;
    }

    private final ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
    private final List<Socket> open = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final UUID id = UUID.randomUUID();

    FakeChannelNode(AfterHello afterHello) throws IOException {
        Thread acceptor = new Thread(() -> {
            try {
                while (true) {
                    Socket s = server.accept();
                    open.add(s);
                    Thread t = new Thread(() -> serve(s, afterHello), "fake-node-connection");
                    t.setDaemon(true);
                    t.start();
                }
            } catch (IOException e) {
                // closed at the end of the test
            }
        }, "fake-node");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** A node that answers every LOOKUP "found" at once and every GET by {@code get}. */
    static FakeChannelNode answering(Get get) throws IOException {
        return new FakeChannelNode((in, out) -> {
            for (int op; (op = BlockChannelWire.readOp(in)) >= 0; ) {
                List<String> keys = BlockChannelWire.readKeys(in);
                if (op == BlockChannelWire.LOOKUP) {
                    boolean[] found = new boolean[keys.size()];
                    java.util.Arrays.fill(found, true);
                    BlockChannelWire.writeFound(out, found);
                } else {
                    get.answer(out);
                }
                out.flush();
            }
        });
    }

    /**
     * Looks a key up on each of {@code peers} until {@code c} has a connection open to every one (made in the
     * background), 30 s at most.
     */
    static void awaitConnections(BlockChannelClient c, java.util.Collection<BlockChannelClient.Peer> peers)
        throws InterruptedException {
        java.util.Map<BlockChannelClient.Peer, List<String>> byPeer = new java.util.LinkedHashMap<>();
        for (BlockChannelClient.Peer p : peers)
            byPeer.put(p, List.of(p.name() + "/warm"));
        for (int i = 0; i < 1_200; i++) {
            List<String> unanswered = new java.util.ArrayList<>();
            c.lookup(byPeer, unanswered);
            if (unanswered.isEmpty())
                return;
            Thread.sleep(25);
        }
        throw new AssertionError("no connection to every node within 30 s");
    }

    /** This node's channel, named {@code name}, dialled at the address it listens on. */
    BlockChannelClient.Peer peer(String name) {
        return new BlockChannelClient.Peer(id, name, List.of(server.getInetAddress().getHostAddress()),
            server.getLocalPort());
    }

    private static void serve(Socket s, AfterHello afterHello) {
        try {
            DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream()));
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(s.getOutputStream()));
            in.readFully(new byte[4 + 1 + 16]); // HELLO
            out.write(BlockChannelWire.OK);
            out.flush();
            afterHello.serve(in, out);
        } catch (Exception e) {
            // the client went away, or the test ended
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : open)
            s.close();
    }
}
