package dev.cdccache.support.rest;

import dev.cdccache.cache.CachedValue;
import jakarta.ws.rs.core.EntityTag;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/** Makes the contract visible on every read: {@code X-Cache}, {@code X-Region}, {@code X-Instance}, {@code X-Version}. */
public final class CacheHeaders {

    private CacheHeaders() {}

    public static Response ok(CachedValue value, String region, String instance) {
        return Response.ok(value.payload(), MediaType.APPLICATION_JSON_TYPE)
                .header("X-Cache", value.source().name())
                .header("X-Region", region)
                .header("X-Instance", instance)
                .header("X-Version", value.version())
                .tag(new EntityTag(entityTag(value)))
                .build();
    }

    /**
     * {@code <row version>-<hash of the body>}: the row version alone missed changes of what a representation
     * embeds (the product view's price has its own version), so the tag also follows the bytes served. If-Match
     * compares the row version part ({@link IfMatch}).
     */
    static String entityTag(CachedValue value) {
        CRC32 crc = new CRC32();
        crc.update(value.payload().getBytes(StandardCharsets.UTF_8));
        return value.version() + "-" + String.format("%08x", crc.getValue());
    }

    public static Response notFound(CachedValue value, String region, String instance, String what) {
        Response problem = Problem.response(404, "Not Found", what + " does not exist");
        return Response.fromResponse(problem)
                .header("X-Cache", value.source().name())
                .header("X-Region", region)
                .header("X-Instance", instance)
                .build();
    }
}
