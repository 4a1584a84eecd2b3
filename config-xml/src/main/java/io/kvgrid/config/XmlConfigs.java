package io.kvgrid.config;

import io.kvgrid.ErrorCode;
import io.kvgrid.KvGrid;
import io.kvgrid.KvGridConfiguration;
import io.kvgrid.KvGridException;
import io.kvgrid.KvGridNode;
import io.kvgrid.KvGridPluginProvider;
import org.apache.ignite.configuration.IgniteConfiguration;
import org.apache.ignite.plugin.PluginProvider;
import org.springframework.beans.BeansException;
import org.springframework.beans.NotWritablePropertyException;
import org.springframework.beans.PropertyAccessException;
import org.springframework.beans.PropertyBatchUpdateException;
import org.springframework.beans.TypeMismatchException;
import org.springframework.beans.factory.BeanDefinitionStoreException;
import org.springframework.context.support.GenericXmlApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.io.ClassPathResource;
import org.springframework.core.io.FileSystemResource;
import org.springframework.core.io.Resource;
import org.springframework.core.io.UrlResource;

import java.net.MalformedURLException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Loads an Ignite node configuration with the kvgrid plugin from a Spring XML file, as {@code kvgrid node --config
 * FILE.xml} does. The file must define exactly one {@code IgniteConfiguration} bean; {@code ${name:default}}
 * placeholders (see the bundled files) are filled from {@code overrides}, then system properties, then environment
 * variables. Errors are {@link ErrorCode#INVALID_CONFIG} naming the property at fault: an unknown property, a value
 * of the wrong type, or one a kvgrid setter rejects (with that setter's message); {@code "path"} when the file cannot
 * be found or parsed.
 *
 * <pre>{@code
 * IgniteConfiguration cfg = XmlConfigs.load("kvgrid-default.xml",          // bundled: found on the classpath
 *     Map.of("kvgrid.discovery.port", "48500"));
 * try (KvGridNode node = KvGrid.start(cfg)) {
 *     node.store().put("blk-0", bytes);
 * }
 * try (KvGridNode node = XmlConfigs.start("/etc/kvgrid/node.xml")) { ... }
 * }</pre>
 */
public final class XmlConfigs {
    private XmlConfigs() {
    }

    /** {@link #load(String, Map)} without overrides. */
    public static IgniteConfiguration load(String pathOrUrl) {
        return load(pathOrUrl, Map.of());
    }

    /**
     * The node configuration defined in {@code pathOrUrl}: a file path, a URL ({@code file:}, {@code jar:},
     * {@code http:} ...), {@code classpath:NAME}, or the name of a resource on the classpath such as
     * {@code kvgrid-default.xml}. If the configuration has a kvgrid plugin, its data regions are added as
     * {@link KvGrid#configure} does.
     */
    public static IgniteConfiguration load(String pathOrUrl, Map<String, String> overrides) {
        if (overrides == null)
            throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "overrides", "must not be null (use Map.of())");
        Resource res = resource(pathOrUrl);
        try (GenericXmlApplicationContext ctx = new GenericXmlApplicationContext()) {
            ctx.getEnvironment().getPropertySources()
                .addFirst(new MapPropertySource("kvgrid-overrides", new LinkedHashMap<>(overrides)));
            ctx.load(res);
            ctx.refresh();
            Map<String, IgniteConfiguration> cfgs = ctx.getBeansOfType(IgniteConfiguration.class);
            if (cfgs.size() != 1)
                throw new KvGridException(ErrorCode.INVALID_CONFIG, "path", pathOrUrl + " defines " + cfgs.size()
                    + " IgniteConfiguration beans " + cfgs.keySet() + "; expected exactly one");
            IgniteConfiguration cfg = cfgs.values().iterator().next();
            KvGridConfiguration kvgrid = kvgridConfiguration(cfg);
            return kvgrid == null ? cfg : KvGrid.configure(cfg, kvgrid);
        } catch (BeansException e) {
            throw translate(pathOrUrl, e);
        }
    }

    /** Loads {@code pathOrUrl} and starts the node; the configuration must include the kvgrid plugin. */
    public static KvGridNode start(String pathOrUrl) {
        return KvGrid.start(load(pathOrUrl));
    }

    /** The settings of the kvgrid plugin in {@code cfg}, or {@code null} when it has none. */
    public static KvGridConfiguration kvgridConfiguration(IgniteConfiguration cfg) {
        if (cfg.getPluginProviders() != null)
            for (PluginProvider<?> p : cfg.getPluginProviders())
                if (p instanceof KvGridPluginProvider)
                    return ((KvGridPluginProvider) p).configuration();
        return null;
    }

    private static Resource resource(String pathOrUrl) {
        if (pathOrUrl == null || pathOrUrl.isBlank())
            throw new KvGridException(ErrorCode.INVALID_CONFIG, "path", "must not be empty");
        Resource res;
        if (pathOrUrl.startsWith("classpath:"))
            res = new ClassPathResource(pathOrUrl.substring("classpath:".length()));
        else if (pathOrUrl.matches("[A-Za-z][A-Za-z0-9+.-]+:.*") && !Files.exists(Path.of(pathOrUrl))) {
            try {
                res = new UrlResource(pathOrUrl);
            } catch (MalformedURLException e) {
                throw new KvGridException(ErrorCode.INVALID_CONFIG, "path", "bad URL " + pathOrUrl, e);
            }
        } else if (Files.exists(Path.of(pathOrUrl)))
            res = new FileSystemResource(pathOrUrl);
        else
            res = new ClassPathResource(pathOrUrl);
        if (!res.exists())
            throw new KvGridException(ErrorCode.INVALID_CONFIG, "path",
                "no file, URL or classpath resource " + pathOrUrl);
        return res;
    }

    /** The most telling cause: a kvgrid setter's own error, an unknown property, a type mismatch. */
    private static KvGridException translate(String where, BeansException e) {
        Throwable t = find(e, new HashSet<>());
        if (t instanceof KvGridException k) {
            String prefix = k.code() + (k.argument() == null ? "" : " [" + k.argument() + "]") + ": ";
            String msg = k.getMessage().startsWith(prefix) ? k.getMessage().substring(prefix.length()) : k.getMessage();
            return new KvGridException(k.code(), k.argument(), msg + " (in " + where + ")", e);
        }
        if (t instanceof NotWritablePropertyException n) {
            String hint = n.getPossibleMatches() == null || n.getPossibleMatches().length == 0 ? ""
                : "; did you mean " + String.join(" or ", n.getPossibleMatches()) + "?";
            return new KvGridException(ErrorCode.INVALID_CONFIG, n.getPropertyName(), "unknown property '"
                + n.getPropertyName() + "' of " + n.getBeanClass().getName() + hint + " (in " + where + ")", e);
        }
        if (t instanceof TypeMismatchException m)
            return new KvGridException(ErrorCode.INVALID_CONFIG, m.getPropertyName(), "value " + m.getValue()
                + " is not a " + (m.getRequiredType() == null ? "valid value" : m.getRequiredType().getSimpleName())
                + " (in " + where + ")", e);
        if (e instanceof BeanDefinitionStoreException)
            return new KvGridException(ErrorCode.INVALID_CONFIG, "path", "cannot read " + where + ": "
                + e.getMostSpecificCause().getMessage(), e);
        return new KvGridException(ErrorCode.INVALID_CONFIG, null, "cannot create the configuration in " + where
            + ": " + e.getMostSpecificCause().getMessage(), e);
    }

    private static Throwable find(Throwable t, Set<Throwable> seen) {
        if (t == null || !seen.add(t))
            return null;
        if (t instanceof KvGridException)
            return t;
        Throwable best = null;
        if (t instanceof PropertyBatchUpdateException b)
            for (PropertyAccessException p : b.getPropertyAccessExceptions()) {
                Throwable f = find(p, seen);
                if (f instanceof KvGridException)
                    return f;
                if (best == null)
                    best = f;
            }
        Throwable f = find(t.getCause(), seen);
        if (f instanceof KvGridException)
            return f;
        if (best == null)
            best = f;
        if (best == null && (t instanceof NotWritablePropertyException || t instanceof TypeMismatchException))
            best = t;
        return best;
    }
}
