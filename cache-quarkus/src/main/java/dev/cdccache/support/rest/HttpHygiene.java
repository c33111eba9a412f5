package dev.cdccache.support.rest;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.util.Map;
import java.util.Set;

/**
 * Checks on the raw request, before JAX-RS sees it (it drops matrix parameters and answers any method on the
 * management routes), all as problems:
 *
 * <ul>
 *   <li>a request target over {@code api.max-uri-bytes} (default 4 KiB) → 414, and request headers over
 *       {@code api.max-header-bytes} (default 20 KiB) → 431. Vert.x's HTTP codec answers its own limits with an
 *       empty body and Quarkus offers no hook for that answer, so the stack sets the codec's limits
 *       ({@code quarkus.http.limits.max-initial-line-length}, {@code max-header-size}) above these: only a request
 *       past the codec's ceiling gets the bare status;
 *   <li>a path with matrix parameters ({@code /products/42;x=1}) → 400, since {@code 42;x=1} would otherwise be read
 *       as 42;
 *   <li>a write method on {@code /q/*} (health, metrics, OpenAPI) → 405;
 *   <li>a declared {@code Content-Length} over {@code api.max-body-bytes} (default 16 KiB) → 413, before anything is
 *       read (a chunked body is counted as it is read: {@link BodySizeInterceptor});
 *   <li>a body without a {@code Content-Type} → 415 (it is never guessed to be JSON).
 * </ul>
 *
 * Here rather than in a JAX-RS filter: a global JAX-RS filter costs every cached read a request context and header
 * parsing (async-profiler, docs/measurements.md).
 */
@ApplicationScoped
public class HttpHygiene {

    private static final Set<HttpMethod> READ = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS);

    private final long maxBodyBytes;
    private final int maxUriBytes;
    private final int maxHeaderBytes;

    public HttpHygiene(
            @ConfigProperty(name = "api.max-body-bytes", defaultValue = "16384") long maxBodyBytes,
            @ConfigProperty(name = "api.max-uri-bytes", defaultValue = "4096") int maxUriBytes,
            @ConfigProperty(name = "api.max-header-bytes", defaultValue = "20480") int maxHeaderBytes) {
        this.maxBodyBytes = maxBodyBytes;
        this.maxUriBytes = maxUriBytes;
        this.maxHeaderBytes = maxHeaderBytes;
    }

    void routes(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).handler(this::check);
    }

    private void check(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        if (overLimit(ctx, request.uri().length(), maxUriBytes, 414, "URI Too Long", "the request target")
                || overLimit(
                        ctx,
                        headerBytes(request),
                        maxHeaderBytes,
                        431,
                        "Request Header Fields Too Large",
                        "the request headers")) {
            return;
        }
        String path = request.path();
        if (path != null && path.indexOf(';') >= 0) {
            problem(ctx, 400, "Bad Request", "matrix parameters (';') are not supported");
            return;
        }
        if (path != null && (path.equals("/q") || path.startsWith("/q/")) && !READ.contains(request.method())) {
            ctx.response().putHeader("Allow", "GET, HEAD, OPTIONS");
            problem(ctx, 405, "Method Not Allowed", "the management endpoints are read-only");
            return;
        }
        long length = contentLength(request);
        if (overLimit(ctx, length, maxBodyBytes, 413, "Content Too Large", "the body")) {
            return;
        }
        boolean hasBody = length > 0 || request.getHeader(HttpHeaders.TRANSFER_ENCODING) != null;
        if (hasBody && request.getHeader(HttpHeaders.CONTENT_TYPE) == null) {
            problem(ctx, 415, "Unsupported Media Type", "send the body with Content-Type: application/json");
            return;
        }
        ctx.next();
    }

    /** Answers the problem when {@code bytes} exceed {@code limit}: one wording for every size limit. */
    private static boolean overLimit(
            RoutingContext ctx, long bytes, long limit, int status, String title, String what) {
        if (bytes <= limit) {
            return false;
        }
        problem(ctx, status, title, what + " has " + bytes + " bytes; the limit is " + limit);
        return true;
    }

    /** As the HTTP codec counts them: each header's name and value (ISO-8859-1, a byte per char) plus ": " and CRLF. */
    private static int headerBytes(HttpServerRequest request) {
        int bytes = 0;
        for (Map.Entry<String, String> header : request.headers()) {
            bytes += header.getKey().length() + header.getValue().length() + 4;
        }
        return bytes;
    }

    /** The declared length, or -1 if none (a malformed one never gets here: the HTTP codec refuses it). */
    private static long contentLength(HttpServerRequest request) {
        String v = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (v == null) {
            return -1;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static void problem(RoutingContext ctx, int status, String title, String detail) {
        ctx.response()
                .setStatusCode(status)
                .putHeader("Content-Type", Problem.MEDIA_TYPE)
                .end(Problem.json(status, title, detail));
    }
}
