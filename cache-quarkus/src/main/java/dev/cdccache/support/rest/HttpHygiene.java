package dev.cdccache.support.rest;

import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.util.Set;

/**
 * Checks on the raw request, before JAX-RS sees it (it drops matrix parameters and answers any method on the
 * management routes): a path with matrix parameters ({@code /products/42;x=1}) → 400, since {@code 42;x=1} would
 * otherwise be read as 42; a write method on {@code /q/*} (health, metrics, OpenAPI) → 405. Both as problems.
 */
@ApplicationScoped
public class HttpHygiene {

    private static final Set<HttpMethod> READ = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS);

    void routes(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).handler(this::check);
    }

    private void check(RoutingContext ctx) {
        String path = ctx.request().path();
        if (path != null && path.indexOf(';') >= 0) {
            problem(ctx, 400, "Bad Request", "matrix parameters (';') are not supported");
            return;
        }
        if (path != null
                && (path.equals("/q") || path.startsWith("/q/"))
                && !READ.contains(ctx.request().method())) {
            ctx.response().putHeader("Allow", "GET, HEAD, OPTIONS");
            problem(ctx, 405, "Method Not Allowed", "the management endpoints are read-only");
            return;
        }
        ctx.next();
    }

    private static void problem(RoutingContext ctx, int status, String title, String detail) {
        ctx.response()
                .setStatusCode(status)
                .putHeader("Content-Type", Problem.MEDIA_TYPE)
                .end(Problem.json(status, title, detail));
    }
}
