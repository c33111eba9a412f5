package dev.cdccache.support.rest;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.cdccache.cache.SourceUnavailable;
import dev.cdccache.support.cache.DatabaseOverloaded;
import dev.cdccache.support.cache.DatabaseUnavailable;
import dev.cdccache.support.service.Conflict;
import dev.cdccache.support.service.NotFound;
import dev.cdccache.support.service.RateLimited;
import dev.cdccache.support.service.Rejected;
import io.smallrye.faulttolerance.api.RateLimitException;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.util.Comparator;
import java.util.List;

/**
 * Every error leaves as {@code application/problem+json}. Client mistakes get their 4xx with a precise detail;
 * anything unexpected is logged here and answered with a bare 500 problem, never a stack trace.
 */
public class ProblemMappers {

    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    @ServerExceptionMapper
    public Response problem(ProblemException e) {
        return Problem.response(e.status(), e.title(), e.getMessage());
    }

    @ServerExceptionMapper
    public Response validation(ConstraintViolationException e) {
        List<Problem.Violation> violations = e.getConstraintViolations().stream()
                .map(v -> new Problem.Violation(field(v), v.getMessage()))
                .sorted(Comparator.comparing(Problem.Violation::field))
                .toList();
        return Problem.response(400, "Bad Request", "the request has invalid fields", violations);
    }

    @ServerExceptionMapper
    public Response json(JsonProcessingException e) {
        String detail;
        if (e instanceof UnrecognizedPropertyException u) {
            detail = "unknown field '" + u.getPropertyName() + "'";
        } else if (e instanceof InvalidFormatException f) {
            detail = "field '" + path(f) + "' has the wrong type";
        } else if (e instanceof MismatchedInputException m) {
            detail = m.getPath().isEmpty()
                    ? "the body is not the expected JSON object"
                    : "field '" + path(m) + "' has the wrong type";
        } else {
            detail = "malformed JSON at line "
                    + (e.getLocation() == null ? "?" : e.getLocation().getLineNr());
        }
        return Problem.response(400, "Bad Request", detail);
    }

    /** Declared for the subtypes too: Quarkus ships its own (non-problem) mappers for them. */
    @ServerExceptionMapper
    public Response mismatched(MismatchedInputException e) {
        return json(e);
    }

    @ServerExceptionMapper
    public Response parse(JsonParseException e) {
        return json(e);
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        if (e.getCause() instanceof JsonProcessingException j) {
            return json(j);
        }
        String title = Response.Status.fromStatusCode(status) == null
                ? "Error"
                : Response.Status.fromStatusCode(status).getReasonPhrase();
        String detail = switch (status) {
            case 404 -> "no such resource";
            case 405 -> "method not allowed on this resource";
            case 406 -> "only application/json responses are produced";
            case 415 -> "send the body as application/json";
            default -> e.getMessage();
        };
        if (status >= 500) {
            LOG.error("server error", e);
            detail = "internal error";
        }
        return Problem.response(status, title, detail);
    }

    @ServerExceptionMapper
    public Response notFound(NotFound e) {
        return Problem.response(404, "Not Found", e.getMessage());
    }

    @ServerExceptionMapper
    public Response conflict(Conflict e) {
        return Problem.response(409, e.title(), e.getMessage());
    }

    @ServerExceptionMapper
    public Response rejected(Rejected e) {
        return Problem.response(422, "Unprocessable Content", e.getMessage());
    }

    @ServerExceptionMapper
    public Response unavailable(SourceUnavailable e) {
        // Our own message (no driver text); Retry-After: 1 s after a shed load, 2 s when the database is down.
        String detail = e instanceof DatabaseOverloaded
                ? "database overloaded: this read could not be served in time"
                : "database unavailable: this read could not be served, and no cached value within its grace period could";
        return serviceUnavailable(detail, e.retryAfterSeconds());
    }

    private static Response serviceUnavailable(String detail, int retryAfterSeconds) {
        return Response.fromResponse(Problem.response(503, "Service Unavailable", detail))
                .header("Retry-After", Integer.toString(retryAfterSeconds))
                .build();
    }

    @ServerExceptionMapper
    public Response rateLimited(RateLimited e) {
        // Whole seconds, rounded up: a client that waits Retry-After is admitted.
        long seconds = Math.max(1, (e.retryAfterMillis() + 999) / 1000);
        return Response.fromResponse(Problem.response(429, "Too Many Requests", e.getMessage()))
                .header("Retry-After", Long.toString(seconds))
                .build();
    }

    @ServerExceptionMapper
    public Response limited(RateLimitException e) {
        return Problem.response(429, "Too Many Requests", "rate limited");
    }

    @ServerExceptionMapper
    public Response unexpected(Exception e) {
        if (DatabaseUnavailable.causedBy(e)) {
            // A write (or listing) while PostgreSQL is down: the client may retry; nothing was changed.
            LOG.warnf("database unavailable: %s", e.getMessage());
            return serviceUnavailable("database unavailable: nothing was changed; retry later", 2);
        }
        LOG.error("unexpected error", e);
        return Problem.response(500, "Internal Server Error", "internal error");
    }

    private static String field(ConstraintViolation<?> v) {
        String path = v.getPropertyPath().toString();
        // "put.arg1.amountMinor" → "amountMinor": the client knows fields, not Java parameter names.
        int dot = path.lastIndexOf('.');
        return dot >= 0 ? path.substring(dot + 1) : path;
    }

    private static String path(MismatchedInputException e) {
        StringBuilder sb = new StringBuilder();
        for (var ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                if (sb.length() > 0) {
                    sb.append('.');
                }
                sb.append(ref.getFieldName());
            } else {
                sb.append('[').append(ref.getIndex()).append(']');
            }
        }
        return sb.toString();
    }
}
