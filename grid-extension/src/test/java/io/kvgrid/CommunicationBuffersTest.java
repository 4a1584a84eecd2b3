package io.kvgrid;

import org.apache.ignite.configuration.IgniteConfiguration;
import org.apache.ignite.spi.communication.tcp.TcpCommunicationSpi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Communication socket buffers of kvgrid nodes: sized by the kernel, since Ignite's fixed 32 KiB stalled 1 MiB
 * transfers between JVMs for seconds (see {@code KvGrid.communicationBuffers}). Nothing here starts a node.
 */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class CommunicationBuffersTest {
    private static TcpCommunicationSpi tcp(IgniteConfiguration cfg) {
        assertTrue(cfg.getCommunicationSpi() instanceof TcpCommunicationSpi, String.valueOf(cfg.getCommunicationSpi()));
        return (TcpCommunicationSpi) cfg.getCommunicationSpi();
    }

    @Test
    void anEmbeddedNodeLetsTheKernelSizeItsSocketBuffers() {
        TcpCommunicationSpi spi = tcp(KvGrid.embeddedConfiguration("n", new KvGridConfiguration(), 47500));
        assertEquals(0, spi.getSocketReceiveBuffer());
        assertEquals(0, spi.getSocketSendBuffer());
        assertEquals("127.0.0.1", spi.getLocalAddress());
    }

    @Test
    void aConfigurationWithoutACommunicationSpiGetsIgnitesWithKernelSizedBuffers() {
        IgniteConfiguration cfg = KvGrid.configure(new IgniteConfiguration(), new KvGridConfiguration());
        TcpCommunicationSpi spi = tcp(cfg);
        assertEquals(0, spi.getSocketReceiveBuffer());
        assertEquals(0, spi.getSocketSendBuffer());
        assertEquals(TcpCommunicationSpi.DFLT_PORT, spi.getLocalPort(), "Ignite's defaults otherwise");
    }

    @Test
    void aConfiguredCommunicationSpiIsKeptAsItIsEvenWithSmallFixedBuffers() {
        TcpCommunicationSpi own = new TcpCommunicationSpi().setLocalPort(48100);
        assertTrue(own.getSocketReceiveBuffer() < KvGrid.MIN_FIXED_SOCKET_BUFFER, "Ignite's default is that small");
        IgniteConfiguration cfg = KvGrid.configure(new IgniteConfiguration().setCommunicationSpi(own),
            new KvGridConfiguration());
        assertSame(own, cfg.getCommunicationSpi());
        assertEquals(TcpCommunicationSpi.DFLT_SOCK_BUF_SIZE, own.getSocketReceiveBuffer(), "only a warning is logged");
        assertEquals(TcpCommunicationSpi.DFLT_SOCK_BUF_SIZE, own.getSocketSendBuffer());
        assertEquals(48100, own.getLocalPort());
    }
}
