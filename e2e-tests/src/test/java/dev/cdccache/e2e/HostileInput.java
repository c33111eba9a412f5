package dev.cdccache.e2e;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A hostile-input run against live services: malformed ids, bodies, media types, query parameters, validators and
 * methods over every endpoint. Every answer must be a 4xx {@code application/problem+json} that leaks nothing
 * internal, and the data must be unchanged afterwards. Returns the failures, each with the request that caused it.
 */
final class HostileInput {

    private static final Pattern LEAK = Pattern.compile(
            "Exception|\\bat [a-z]+\\.|java\\.|org\\.|dev\\.cdccache|SQL|postgres|jdbc|Caused by|\\$\\{",
            Pattern.CASE_INSENSITIVE);

    record Request(String method, int port, String rawPath, Map<String, String> headers, byte[] body, boolean chunked) {
        @Override
        public String toString() {
            String b = body == null
                    ? ""
                    : " body=" + new String(body, StandardCharsets.UTF_8).replaceAll("\\p{Cntrl}", "?");
            return method + " :" + port + rawPath + " " + headers + (b.length() > 120 ? b.substring(0, 120) + "…" : b)
                    + (chunked ? " (chunked)" : "");
        }
    }

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();
    private final List<Request> requests = new ArrayList<>();
    private final int catalog;
    private final int pricing;

    HostileInput(int catalogPort, int pricingPort) {
        this.catalog = catalogPort;
        this.pricing = pricingPort;
        build();
    }

    int size() {
        return requests.size();
    }

    private static final Map<String, String> JSON = Map.of("Content-Type", "application/json");

    private void add(String method, int port, String path, Map<String, String> headers, String body) {
        requests.add(new Request(
                method, port, path, headers, body == null ? null : body.getBytes(StandardCharsets.UTF_8), false));
    }

    private void build() {
        List<String> ids = List.of(
                "%D9%A4%D9%A2" /* ٤٢ */,
                "%E0%A5%AA%E0%A5%A8" /* ४२ */,
                "%EF%BC%94%EF%BC%92" /* ４２ */,
                "+42",
                "42;x=1",
                "-1",
                "0",
                "99999999999999999999",
                "42abc",
                "%00",
                "42%20",
                "%2042",
                "0x2A",
                "4.2e1",
                "42.0",
                "00000000000000000000042",
                "%2B42",
                "42%00",
                "..%2F42",
                "9223372036854775808");
        for (String id : ids) {
            add("GET", catalog, "/products/" + id, Map.of(), null);
            add("PUT", catalog, "/products/" + id, JSON, "{\"sku\":\"H-1\",\"name\":\"n\",\"category\":\"books\"}");
            add("PATCH", catalog, "/products/" + id, JSON, "{\"name\":\"hostile\"}");
            add("DELETE", catalog, "/products/" + id, Map.of(), null);
            add("GET", pricing, "/prices/" + id, Map.of(), null);
            add("PUT", pricing, "/prices/" + id, JSON, "{\"amountMinor\":1,\"currency\":\"USD\"}");
        }
        // Bodies: each endpoint that reads one, with every malformed shape. Product 42 exists; none may change it.
        List<String> productBodies = List.of(
                "{\"name\":\"a\",\"name\":\"b\"}",
                "{\"name\":\"x\"} trailing",
                "{\"name\":\"x\"}{\"name\":\"y\"}",
                "{\"name\":\"a\\u0000b\"}",
                "{\"name\":\"a\\u0007b\"}",
                "{\"name\":1}",
                "{\"name\":true}",
                "{\"name\":[\"x\"]}",
                "{\"name\":{\"x\":1}}",
                "{\"name\":null,\"sku\":null}",
                "{\"unknown\":1}",
                "",
                "null",
                "[]",
                "\"str\"",
                "12",
                "{",
                "{\"name\":\"" + "x".repeat(300) + "\"}",
                "{\"sku\":\"bad sku!\"}",
                "{\"category\":\"UPPER\"}",
                "{\"category\":\"a\\u0000\"}",
                "{\"version\":-1,\"name\":\"v\"}",
                "{\"version\":\"1\",\"name\":\"v\"}",
                "{\"version\":1.5,\"name\":\"v\"}",
                "{\"version\":1e400,\"name\":\"v\"}",
                "[".repeat(2000) + "]".repeat(2000),
                "{\"name\":\"\\ud800\"}",
                "\u00ef\u00bb\u00bf{\"name\":\"bom\"}");
        for (String body : productBodies) {
            add("PATCH", catalog, "/products/42", JSON, body);
            add("PUT", catalog, "/products/42", JSON, body);
            add("POST", catalog, "/products", JSON, body);
        }
        List<String> priceBodies = List.of(
                "{\"amountMinor\":\"1999\",\"currency\":\"USD\"}",
                "{\"amountMinor\":1.5,\"currency\":\"USD\"}",
                "{\"amountMinor\":true,\"currency\":\"USD\"}",
                "{\"amountMinor\":-1,\"currency\":\"USD\"}",
                "{\"amountMinor\":100000000001,\"currency\":\"USD\"}",
                "{\"amountMinor\":1e400,\"currency\":\"USD\"}",
                "{\"amountMinor\":99999999999999999999999,\"currency\":\"USD\"}",
                "{\"amountMinor\":1,\"currency\":\"usd\"}",
                "{\"amountMinor\":1,\"currency\":\"US\\u0000\"}",
                "{\"amountMinor\":1,\"currency\":1}",
                "{\"amountMinor\":1,\"amountMinor\":2,\"currency\":\"USD\"}",
                "{\"amountMinor\":1,\"currency\":\"USD\"} x",
                "{\"amountMinor\":1,\"currency\":\"USD\"}{}",
                "{\"amountMinor\":null,\"currency\":\"USD\"}",
                "{}",
                "",
                "[]",
                "{\"amountMinor\":1,\"currency\":\"USD\",\"extra\":1}",
                "{\"amountMinor\":1,\"currency\":\"USD\",\"version\":\"x\"}");
        for (String body : priceBodies) {
            add("PUT", pricing, "/prices/42", JSON, body);
        }
        List<String> bulkBodies = List.of(
                "{\"category\":\"books\",\"percent\":\"5\"}",
                "{\"category\":\"books\",\"percent\":1001}",
                "{\"category\":\"books\",\"percent\":-91}",
                "{\"category\":\"books\",\"percent\":1e9}",
                "{\"category\":\"books\",\"percent\":0.001}",
                "{\"category\":\"books\",\"percent\":true}",
                "{\"category\":\"b\\u0000ooks\",\"percent\":5}",
                "{\"category\":\"" + "a".repeat(3000) + "\",\"percent\":5}",
                "{\"category\":\"BOOKS\",\"percent\":5}",
                "{\"category\":\"books\"}",
                "{\"percent\":5}",
                "{\"category\":\"books\",\"percent\":5,\"percent\":6}",
                "{\"category\":\"books\",\"percent\":5} !",
                "{\"category\":[\"books\"],\"percent\":5}",
                "{\"category\":\"books\",\"percent\":null}");
        for (String body : bulkBodies) {
            add("POST", pricing, "/prices/bulk", JSON, body);
        }
        // Media types: a body is never guessed to be JSON.
        for (String[] ep : new String[][] {{"PATCH", "/products/42"}, {"PUT", "/products/42"}, {"POST", "/products"}}) {
            add(ep[0], catalog, ep[1], Map.of(), "{\"name\":\"no content type\"}");
            add(ep[0], catalog, ep[1], Map.of("Content-Type", "text/plain"), "{\"name\":\"text\"}");
            add(ep[0], catalog, ep[1], Map.of("Content-Type", "application/xml"), "<name>x</name>");
            add(ep[0], catalog, ep[1], Map.of("Content-Type", "application/x-www-form-urlencoded"), "name=x");
        }
        add("PUT", pricing, "/prices/42", Map.of(), "{\"amountMinor\":1,\"currency\":\"USD\"}");
        add(
                "PUT",
                pricing,
                "/prices/42",
                Map.of("Content-Type", "text/plain"),
                "{\"amountMinor\":1,\"currency\":\"USD\"}");
        add("POST", pricing, "/prices/bulk", Map.of(), "{\"category\":\"books\",\"percent\":5}");
        // Sizes: over 16 KiB by Content-Length and chunked.
        String big = "{\"name\":\"" + "x".repeat(20_000) + "\"}";
        add("PATCH", catalog, "/products/42", JSON, big);
        requests.add(new Request("PATCH", catalog, "/products/42", JSON, big.getBytes(StandardCharsets.UTF_8), true));
        String bigPrice = "{\"amountMinor\":1,\"currency\":\"USD\",\"pad\":\"" + "x".repeat(20_000) + "\"}";
        add("PUT", pricing, "/prices/42", JSON, bigPrice);
        requests.add(new Request("PUT", pricing, "/prices/42", JSON, bigPrice.getBytes(StandardCharsets.UTF_8), true));
        // Request target over 4 KiB and headers over 20 KiB (below the HTTP codec's 64 KiB ceilings): 414 / 431.
        for (int port : List.of(catalog, pricing)) {
            String path = port == catalog ? "/products/42" : "/prices/42";
            for (int pad : List.of(5_000, 40_000)) {
                add("GET", port, path + "?pad=" + "a".repeat(pad), Map.of(), null);
                add("GET", port, path, Map.of("X-Pad", "a".repeat(pad / 2 + 20_000)), null);
            }
            add(port == catalog ? "PATCH" : "PUT", port, path + "?pad=" + "a".repeat(5_000), JSON, "{}");
        }
        // Validators: If-Match is strong and well-formed, or the write is refused.
        for (String tag :
                List.of("W/\"1\"", "abc", "\"abc\"", "\"1\", \"2\"", "\"-1\"", "1", "\"" + "9".repeat(30) + "\"")) {
            Map<String, String> h = Map.of("Content-Type", "application/json", "If-Match", tag);
            add("PATCH", catalog, "/products/42", h, "{\"name\":\"if-match\"}");
            add("PUT", pricing, "/prices/42", h, "{\"amountMinor\":1,\"currency\":\"USD\"}");
            add("DELETE", catalog, "/products/42", Map.of("If-Match", tag), null);
        }
        // Query parameters of the listing.
        for (String q : List.of(
                "",
                "?category=",
                "?category=%00",
                "?category=b%00ooks",
                "?category=" + "a".repeat(3000),
                "?category=%E2%98%83",
                "?category=BOOKS",
                "?category=books&page=-1",
                "?category=books&page=1000000",
                "?category=books&page=abc",
                "?category=books&page=%D9%A4",
                "?category=books&size=0",
                "?category=books&size=1000",
                "?category=books&size=1e2",
                "?category=books&page=+1",
                "?category=books&page=99999999999")) {
            add("GET", catalog, "/products" + q, Map.of(), null);
        }
        // Methods nobody offers, management endpoints, the admin switch without its token.
        for (String m : List.of("POST", "PUT", "DELETE", "PATCH")) {
            for (String p : List.of("/q/health", "/q/health/ready", "/q/metrics", "/q/openapi")) {
                add(m, catalog, p, JSON, "{}");
            }
        }
        add("POST", catalog, "/products/42", JSON, "{}");
        add("PUT", catalog, "/products", JSON, "{}");
        add("DELETE", pricing, "/prices/42", Map.of(), null);
        add("POST", pricing, "/prices/42", JSON, "{}");
        add("GET", pricing, "/prices/bulk", Map.of(), null);
        for (int port : List.of(catalog, pricing)) {
            add("GET", port, "/admin/chaos", Map.of(), null);
            add("GET", port, "/admin/chaos", Map.of("X-Admin-Token", "guess"), null);
            add("PUT", port, "/admin/chaos", JSON, "{\"dropDelRate\":1,\"dropL1BroadcastRate\":1}");
            add(
                    "PUT",
                    port,
                    "/admin/chaos",
                    Map.of("Content-Type", "application/json", "X-Admin-Token", ""),
                    "{\"dropDelRate\":1}");
            add("PUT", port, "/admin/chaos", JSON, "{not json");
            add("GET", port, "/admin/chaos", Map.of("X-Admin-Token", "a".repeat(4000)), null);
        }
    }

    /** Sends every request; returns one line per failure (empty: all refused cleanly). */
    List<String> run() throws Exception {
        List<String> failures = new ArrayList<>();
        for (Request r : requests) {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + r.port() + r.rawPath()))
                    .timeout(Duration.ofSeconds(10));
            r.headers().forEach(b::header);
            HttpRequest.BodyPublisher body = r.body() == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : r.chunked()
                            ? HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(r.body()))
                            : HttpRequest.BodyPublishers.ofByteArray(r.body());
            HttpResponse<String> res =
                    http.send(b.method(r.method(), body).build(), HttpResponse.BodyHandlers.ofString());
            int s = res.statusCode();
            String type = res.headers().firstValue("Content-Type").orElse("");
            if (s < 400 || s >= 500) {
                failures.add(s + " for " + r + ": " + res.body());
            } else if (!type.startsWith("application/problem+json")
                    || !res.body().contains("\"status\":" + s)) {
                failures.add(s + " without a problem body (" + type + ") for " + r + ": " + res.body());
            } else if (LEAK.matcher(res.body()).find()) {
                failures.add(s + " leaks internals for " + r + ": " + res.body());
            }
        }
        return failures;
    }

    /** {@code java … HostileInput [catalogPort pricingPort pgPort]}: the same run against a stack started by hand. */
    public static void main(String[] args) throws Exception {
        int catalogPort = args.length > 0 ? Integer.parseInt(args[0]) : 18081;
        int pricingPort = args.length > 1 ? Integer.parseInt(args[1]) : 18082;
        String jdbc = "jdbc:postgresql://127.0.0.1:" + (args.length > 2 ? args[2] : "15432") + "/cdccache";
        HostileInput run = new HostileInput(catalogPort, pricingPort);
        String before = fingerprint(jdbc);
        List<String> failures = run.run();
        failures.forEach(System.out::println);
        System.out.printf(
                "%d requests, %d failures, data %s%n",
                run.size(), failures.size(), before.equals(fingerprint(jdbc)) ? "unchanged" : "CHANGED");
    }

    /** A fingerprint of every row the hostile requests could have touched. */
    static String fingerprint(String jdbcUrl) throws Exception {
        try (Connection c = DriverManager.getConnection(jdbcUrl, "cdccache", "cdccache");
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(
                        "SELECT (SELECT md5(string_agg(p::text, ',' ORDER BY id)) FROM products p) || '/' || "
                                + "(SELECT md5(string_agg(x::text, ',' ORDER BY product_id)) FROM prices x)")) {
            rs.next();
            return rs.getString(1);
        }
    }
}
