package io.kvgrid.discovery;

import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridException;
import org.jgroups.JChannel;
import org.jgroups.conf.ProtocolConfiguration;
import org.jgroups.conf.ProtocolStackConfigurator;
import org.jgroups.conf.XmlConfigurator;
import org.jgroups.protocols.BARRIER;
import org.jgroups.protocols.Discovery;
import org.jgroups.protocols.FD_ALL3;
import org.jgroups.protocols.FD_SOCK2;
import org.jgroups.protocols.FRAG4;
import org.jgroups.protocols.MERGE3;
import org.jgroups.protocols.MFC;
import org.jgroups.protocols.TCP;
import org.jgroups.protocols.TCPPING;
import org.jgroups.protocols.TP;
import org.jgroups.protocols.UFC;
import org.jgroups.protocols.UNICAST3;
import org.jgroups.protocols.VERIFY_SUSPECT2;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.protocols.pbcast.NAKACK2;
import org.jgroups.protocols.pbcast.STABLE;
import org.jgroups.stack.Configurator;
import org.jgroups.stack.Protocol;
import org.jgroups.stack.ProtocolStack;
import org.jgroups.util.Util;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The JGroups protocol stacks a {@link JGroupsIpFinder} can run: the built-in TCP + TCPPING stack made from the
 * finder's own settings, or a standard JGroups XML stack (a file, a URL or a classpath resource such as the shipped
 * {@code kvgrid-stack-file.xml}) whose {@code ${name:default}} placeholders are filled from the finder's stack
 * properties first, then, as JGroups itself does, from system properties and environment variables.
 */
final class JGroupsStack {
    /** MERGE3's check intervals: short, so that members that started alone merge within seconds (as in the
     * shipped stack files). */
    private static final long MERGE_MIN_INTERVAL_MILLIS = 500;
    private static final long MERGE_MAX_INTERVAL_MILLIS = 1_500;

    private static final Pattern BRACKETED = Pattern.compile("(.+)\\[(\\d{1,5})]");
    private static final Pattern COLON = Pattern.compile("([^:\\[\\]]+):(\\d{1,5})");
    private static final Pattern HOST_ONLY = Pattern.compile("[^:\\[\\]\\s]+");

    private JGroupsStack() {
    }

    /** Host and port of one initial-hosts entry, or null when it is malformed; the host is not resolved. */
    static String[] parseHost(String h, int defaultPort) {
        Matcher m;
        String host;
        int port;
        if ((m = BRACKETED.matcher(h)).matches() || (m = COLON.matcher(h)).matches()) {
            host = m.group(1).trim();
            port = Integer.parseInt(m.group(2));
        } else if (HOST_ONLY.matcher(h).matches()) {
            host = h;
            port = defaultPort;
        } else {
            return null;
        }
        if (host.isEmpty() || port < 1 || port > 65535)
            return null;
        return new String[] {host, Integer.toString(port)};
    }

    /**
     * Channels on the built-in stack: TCP on the bind address, TCPPING over the initial hosts (empty: the bind
     * address and port), then the usual reliability layers. Host names are resolved now, once.
     */
    static Callable<JChannel> builtIn(String bindAddress, int bindPort, int portRange, List<String> initialHosts,
                                      long joinTimeoutMillis) {
        List<InetSocketAddress> hosts = new ArrayList<>();
        for (String h : initialHosts.isEmpty() ? List.of(bindAddress + "[" + bindPort + "]") : initialHosts) {
            String[] hp = parseHost(h, bindPort);
            InetSocketAddress a = new InetSocketAddress(hp[0], Integer.parseInt(hp[1]));
            if (a.isUnresolved())
                throw new KvGridException(ErrorCode.INVALID_CONFIG, "initialHosts", "cannot resolve " + hp[0]);
            hosts.add(a);
        }
        InetAddress bind;
        try {
            bind = InetAddress.getByName(bindAddress);
        } catch (UnknownHostException e) {
            throw new KvGridException(ErrorCode.INVALID_CONFIG, "bindAddress", "unknown host " + bindAddress, e);
        }
        return () -> {
            List<Protocol> p = new ArrayList<>();
            p.add(new TCP().setBindAddress(bind).setBindPort(bindPort).setPortRange(portRange));
            TCPPING ping = new TCPPING();
            ping.setInitialHosts(hosts);
            ping.setPortRange(portRange);
            p.add(ping);
            p.add(new MERGE3().setMinInterval(MERGE_MIN_INTERVAL_MILLIS).setMaxInterval(MERGE_MAX_INTERVAL_MILLIS));
            p.add(new FD_SOCK2().setBindAddress(bind));
            p.add(new FD_ALL3());
            p.add(new VERIFY_SUSPECT2());
            p.add(new BARRIER());
            p.add(new NAKACK2());
            p.add(new UNICAST3());
            p.add(new STABLE());
            p.add(new GMS().setJoinTimeout(joinTimeoutMillis).printLocalAddress(false));
            p.add(new MFC());
            p.add(new UFC());
            p.add(new FRAG4());
            return new JChannel(p);
        };
    }

    /**
     * Where {@code spec} points: an existing file, a URL ({@code file:}, {@code jar:}, {@code http:} ...), or a
     * classpath resource (optionally prefixed {@code classpath:}); null when none of these exists.
     */
    static URL locate(String spec) {
        String s = spec.trim();
        boolean classpathOnly = s.startsWith("classpath:");
        if (classpathOnly)
            s = s.substring("classpath:".length());
        else {
            try {
                Path p = Path.of(s);
                if (Files.isRegularFile(p))
                    return p.toUri().toURL();
            } catch (InvalidPathException | MalformedURLException notAFile) {
                // a URL or a resource name
            }
            if (s.matches("[A-Za-z][A-Za-z0-9+.-]+:.+")) {
                try {
                    return new URL(s);
                } catch (MalformedURLException notAUrl) {
                    // maybe a resource name with a colon
                }
            }
        }
        String name = s.startsWith("/") ? s.substring(1) : s;
        ClassLoader ctx = Thread.currentThread().getContextClassLoader();
        URL url = ctx == null ? null : ctx.getResource(name);
        return url != null ? url : JGroupsStack.class.getClassLoader().getResource(name);
    }

    /**
     * Checks the stack at {@code url} with its placeholders resolved, as far as is possible without opening a
     * socket: each protocol class exists, each attribute is one the protocol has and its value converts, there is
     * a transport and a discovery protocol. The exception's message says what is wrong, for the caller to name its
     * setting.
     */
    static void check(URL url, Map<String, String> properties) throws Exception {
        // Creates the protocol objects and sets their attributes, as JChannel would, but never calls init(). This
        // consumes the attribute maps, so it runs on a parse of its own.
        Protocol top = Configurator.setupProtocolStack(parse(url, properties), null);
        if (ProtocolStack.findProtocol(top, true, TP.class) == null)
            throw new IllegalArgumentException("the stack has no transport (TCP, UDP ...) at the bottom");
        if (ProtocolStack.findProtocol(top, true, Discovery.class) == null)
            throw new IllegalArgumentException("the stack has no discovery protocol (TCPPING, PING, FILE_PING,"
                + " DNS_PING ...)");
    }

    /** The protocols of the stack at {@code url}, placeholders resolved. */
    private static List<ProtocolConfiguration> parse(URL url, Map<String, String> properties) throws Exception {
        List<ProtocolConfiguration> configs;
        try (InputStream in = url.openStream()) {
            configs = XmlConfigurator.getInstance(in).getProtocolStack();
        }
        if (configs.isEmpty())
            throw new IOException("the stack lists no protocols");
        Properties p = new Properties();
        p.putAll(properties);
        for (ProtocolConfiguration c : configs)
            substitute(c, p);
        return configs;
    }

    /**
     * A new channel on the stack at {@code url}. The file is read again for every channel: JGroups protocols cannot
     * be shared between channels, and system properties may have changed since the setters checked it.
     */
    static JChannel channel(URL url, Map<String, String> properties) throws Exception {
        List<ProtocolConfiguration> configs = parse(url, properties);
        return new JChannel(new ProtocolStackConfigurator() {
            @Override
            public String getProtocolStackString() {
                return url.toString();
            }

            @Override
            public List<ProtocolConfiguration> getProtocolStack() {
                return configs;
            }
        });
    }

    /** Resolves placeholders as JGroups does, consulting {@code p} before system properties and the environment. */
    private static void substitute(ProtocolConfiguration c, Properties p) {
        for (Iterator<Map.Entry<String, String>> it = c.getProperties().entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, String> e = it.next();
            if (!e.getValue().contains("${"))
                continue;
            String v = Util.substituteVariable(e.getValue(), p);
            if (v == null)
                it.remove();   // an empty value: the protocol's own default, as in JGroups
            else
                e.setValue(v);
        }
    }

    /** {@code e}'s message, or its class when it has none, for an {@link ErrorCode#INVALID_CONFIG} error. */
    static KvGridException invalid(String property, String what, Exception e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return new KvGridException(ErrorCode.INVALID_CONFIG, property, what + ": " + m, e);
    }
}
