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
            String title = switch (e.status) {
                case 400 -> "Bad Request";
                case 404 -> "Not Found";
                default -> "Bad Gateway";
            };
            return problem(e.status, title, e.getMessage());
        }
    }

    @Provider
    public static class BadJsonMapper implements ExceptionMapper<com.fasterxml.jackson.core.JsonProcessingException> {
        @Override
        public Response toResponse(com.fasterxml.jackson.core.JsonProcessingException e) {
            return problem(
                    400, "Bad Request", "the body is not the JSON this endpoint takes: " + e.getOriginalMessage());
        }
    }

    /** Declared for the subtypes too: Quarkus ships its own (non-problem) mappers for them. */
    @Provider
    public static class MismatchedJsonMapper
            implements ExceptionMapper<com.fasterxml.jackson.databind.exc.MismatchedInputException> {
        @Override
        public Response toResponse(com.fasterxml.jackson.databind.exc.MismatchedInputException e) {
            return new BadJsonMapper().toResponse(e);
        }
    }

    @Provider
    public static class UnparsableJsonMapper implements ExceptionMapper<com.fasterxml.jackson.core.JsonParseException> {
        @Override
        public Response toResponse(com.fasterxml.jackson.core.JsonParseException e) {
            return new BadJsonMapper().toResponse(e);
        }
    }

    /** Quarkus wraps some body errors (a truncated body) in a WebApplicationException: still a problem body. */
    @Provider
    public static class WebMapper implements ExceptionMapper<WebApplicationException> {
        @Override
        public Response toResponse(WebApplicationException e) {
            if (e.getCause() instanceof com.fasterxml.jackson.core.JsonProcessingException j) {
                return new BadJsonMapper().toResponse(j);
            }
            Response r = e.getResponse();
            if (r.hasEntity()) {
                return r; // already a problem (Problems.bad)
            }
            Response.Status known = Response.Status.fromStatusCode(r.getStatus());
            return problem(r.getStatus(), known == null ? "Error" : known.getReasonPhrase(), e.getMessage());
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
