package io.kvgrid.examples;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One scrape of a Prometheus text endpoint: every sample by its series ({@code name{labels}}). */
record Scrape(Map<String, Double> samples, String text) {
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*})?\\s+(\\S+)");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    static HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    }

    static Scrape of(String url) throws IOException, InterruptedException {
        HttpResponse<String> r = get(url);
        if (r.statusCode() != 200)
            throw new AssertionError(url + " answered " + r.statusCode() + ": " + r.body());
        Map<String, Double> out = new LinkedHashMap<>();
        for (String line : r.body().split("\n")) {
            Matcher m = SAMPLE.matcher(line);
            if (!line.startsWith("#") && m.find())
                out.put(m.group(1) + (m.group(2) == null ? "" : m.group(2)), Double.parseDouble(m.group(3)));
        }
        return new Scrape(out, r.body());
    }

    /** Whether some series is named {@code name}. */
    boolean has(String name) {
        return samples.keySet().stream().anyMatch(s -> s.equals(name) || s.startsWith(name + "{"));
    }

    /** The sum of the series named {@code name} whose labels include every {@code label, value} pair given. */
    double sum(String name, String... labels) {
        double total = 0;
        boolean found = false;
        for (Map.Entry<String, Double> e : samples.entrySet()) {
            String s = e.getKey();
            if (!(s.equals(name) || s.startsWith(name + "{")))
                continue;
            boolean all = true;
            for (int i = 0; i < labels.length; i += 2)
                all &= s.contains(labels[i] + "=\"" + labels[i + 1] + "\"");
            if (all) {
                total += e.getValue();
                found = true;
            }
        }
        if (!found)
            throw new AssertionError("no series " + name + " with " + String.join(",", labels) + " in:\n" + text);
        return total;
    }
}
