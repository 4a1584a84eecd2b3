package io.kvgrid.testing;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.MulticastSocket;
import java.net.NetworkInterface;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * Whether IP multicast works on the loopback interface of this machine (containers and sandboxes often drop it), so
 * that multicast tests can skip with a reason instead of failing. The probe sends one datagram with TTL 0 on
 * 127.0.0.1's interface, so nothing leaves the host.
 */
public final class LoopbackMulticast {
    private LoopbackMulticast() {
    }

    /** Null when a datagram sent to {@code group:port} on the loopback interface comes back; else why not. */
    public static String whyNot(String group, int port) {
        try {
            NetworkInterface lo = NetworkInterface.getByInetAddress(InetAddress.getLoopbackAddress());
            if (lo == null)
                return "no loopback interface";
            InetAddress g = InetAddress.getByName(group);
            byte[] token = ("kvgrid-probe-" + System.nanoTime()).getBytes(StandardCharsets.US_ASCII);
            try (MulticastSocket in = new MulticastSocket(port); MulticastSocket out = new MulticastSocket(0)) {
                in.joinGroup(new InetSocketAddress(g, port), lo);
                in.setSoTimeout(1_000);
                out.setNetworkInterface(lo);
                out.setTimeToLive(0);
                out.send(new DatagramPacket(token, token.length, g, port));
                DatagramPacket p = new DatagramPacket(new byte[token.length + 16], token.length + 16);
                long deadline = System.nanoTime() + 2_000_000_000L;
                while (System.nanoTime() < deadline) {
                    in.receive(p);
                    if (new String(p.getData(), 0, p.getLength(), StandardCharsets.US_ASCII)
                        .equals(new String(token, StandardCharsets.US_ASCII)))
                        return null;
                }
                return "multicast to " + group + ":" + port + " on loopback: only other datagrams came back";
            }
        } catch (SocketTimeoutException e) {
            return "multicast to " + group + ":" + port + " on loopback never came back";
        } catch (IOException | RuntimeException e) {
            return "multicast on loopback fails here: " + e;
        }
    }
}
