package dev.cdccache.probe;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** How the probe tools read which price version a read instance (or a cached value) holds. */
final class PriceVersions {

    /** The price embedded in a catalog product view. */
    static final Pattern IN_PRODUCT_VIEW = Pattern.compile("\"price\":\\{[^}]*\"version\":(\\d+)");
    /** A price document (pricing-service) or a write's answer. */
    static final Pattern IN_PRICE = Pattern.compile("\"version\":(\\d+)");

    private PriceVersions() {}

    /** The version in {@code body}, or -1. */
    static long parse(String body, boolean productView) {
        if (body == null) {
            return -1;
        }
        Matcher m = (productView ? IN_PRODUCT_VIEW : IN_PRICE).matcher(body);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    /** The price version a catalog or pricing instance serves for the product, or -1 if it did not answer 200. */
    static long served(HttpClient http, int port, boolean catalog, long productId, Duration timeout) {
        String path = catalog ? "/products/" + productId : "/prices/" + productId;
        try {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                            .timeout(timeout)
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? parse(r.body(), catalog) : -1;
        } catch (Exception e) {
            return -1;
        }
    }
}
