package dev.cdccache.console.rest;

import dev.cdccache.console.service.Watches;
import dev.cdccache.console.service.Writes;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

import java.util.Map;

/** Every refusal of the console as an RFC 9457 problem, in one place. */
public final class Problems {

    private Problems() {}

    static WebApplicationException bad(String detail) {
        return new WebApplicationException(problem(400, "Bad Request", detail));
    }

    static long productId(String raw) {
        try {
            long id = Long.parseLong(raw);
            if (id > 0) {
                return id;
            }
        } catch (NumberFormatException ignored) {
            // below
        }
        throw bad("product id must be a positive integer");
    }

    static Response problem(int status, String title, String detail) {
        return Response.status(status)
                .type("application/problem+json")
                .entity(Map.of("type", "about:blank", "title", title, "status", status, "detail", detail))
                .build();
    }

    @Provider
    public static class RefusedMapper implements ExceptionMapper<Writes.Refused> {
        @Override
        public Response toResponse(Writes.Refused e) {
            return problem(e.status, e.status == 404 ? "Not Found" : "Bad Gateway", e.getMessage());
        }
    }

    @Provider
    public static class TooManyMapper implements ExceptionMapper<Watches.TooMany> {
        @Override
        public Response toResponse(Watches.TooMany e) {
            return Response.fromResponse(problem(429, "Too Many Requests", e.getMessage()))
                    .header("Retry-After", "5")
                    .build();
        }
    }

    @Provider
    public static class SwitchFailedMapper implements ExceptionMapper<IllegalStateException> {
        @Override
        public Response toResponse(IllegalStateException e) {
            return problem(409, "Conflict", e.getMessage());
        }
    }
}
