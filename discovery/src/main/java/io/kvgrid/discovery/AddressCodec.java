package io.kvgrid.discovery;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Wire format of the registry messages: kind, version, then the addresses. Resolved addresses travel as raw IP bytes
 * so that decoding never does a DNS lookup; unresolved ones travel by name.
 */
final class AddressCodec {
    /** The sender's complete set of addresses, replacing whatever it published before. */
    static final byte ANNOUNCE = 1;
    /** Addresses to drop from every member's set (Ignite's {@code unregisterAddresses}). */
    static final byte FORGET = 2;

    private static final int MAX_ADDRESSES = 4096;

    private AddressCodec() {
    }

    record Decoded(byte kind, long version, Set<InetSocketAddress> addresses) {
    }

    static byte[] encode(byte kind, long version, Collection<InetSocketAddress> addrs) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(16 + 24 * addrs.size());
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(kind);
            out.writeLong(version);
            out.writeInt(addrs.size());
            for (InetSocketAddress a : addrs) {
                InetAddress ip = a.getAddress();
                if (ip != null) {
                    byte[] raw = ip.getAddress();
                    out.writeByte(raw.length);
                    out.write(raw);
                } else {
                    out.writeByte(0);
                    out.writeUTF(a.getHostString());
                }
                out.writeShort(a.getPort());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static Decoded decode(byte[] buf, int off, int len) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(buf, off, len));
        byte kind = in.readByte();
        if (kind != ANNOUNCE && kind != FORGET)
            throw new IOException("unknown registry message kind " + kind);
        long version = in.readLong();
        int n = in.readInt();
        if (n < 0 || n > MAX_ADDRESSES)
            throw new IOException("bad address count " + n);
        Set<InetSocketAddress> out = new LinkedHashSet<>();
        for (int i = 0; i < n; i++) {
            int ipLen = in.readUnsignedByte();
            if (ipLen == 0) {
                String host = in.readUTF();
                out.add(InetSocketAddress.createUnresolved(host, in.readUnsignedShort()));
            } else {
                if (ipLen != 4 && ipLen != 16)
                    throw new IOException("bad IP address length " + ipLen);
                byte[] raw = in.readNBytes(ipLen);
                out.add(new InetSocketAddress(InetAddress.getByAddress(raw), in.readUnsignedShort()));
            }
        }
        return new Decoded(kind, version, out);
    }
}
