package dev.cdccache.support.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.util.List;

/** An RFC 9457 problem detail. Never carries a stack trace or internal exception text. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(
        String type, String title, int status, String detail, String instance, List<Violation> violations) {

    public static final String MEDIA_TYPE = "application/problem+json";
    public static final MediaType TYPE = MediaType.valueOf(MEDIA_TYPE);

    public record Violation(String field, String message) {}

    public static Response response(int status, String title, String detail) {
        return response(status, title, detail, null);
    }

    public static Response response(int status, String title, String detail, List<Violation> violations) {
        return Response.status(status)
                .type(TYPE)
                .entity(new Problem(typeOf(title), title, status, detail, null, violations))
                .build();
    }

    /** The same body as text, for the HTTP layer below JAX-RS (Vert.x routes and failure handlers). */
    public static String json(int status, String title, String detail) {
        return "{\"type\":\"" + typeOf(title) + "\",\"title\":\"" + title + "\",\"status\":" + status + ",\"detail\":\""
                + detail.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}";
    }

    private static String typeOf(String title) {
        return "https://cdc-cache-invalidation.dev/problems/"
                + title.toLowerCase().replaceAll("[^a-z0-9]+", "-");
    }
}
