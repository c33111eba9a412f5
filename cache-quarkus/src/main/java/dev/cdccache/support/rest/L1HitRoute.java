package dev.cdccache.support.rest;

import dev.cdccache.cache.CachedValue;
import io.quarkus.vertx.http.runtime.RouteConstants;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.function.LongFunction;

/**
 * Answers {@code GET <prefix>/<id>} from L1 on a plain Vert.x route, ahead of JAX-RS; anything it cannot answer with
 * exactly the bytes and headers the JAX-RS resource would send (an L1 miss, a negative entry, an id that is not
 * strictly ASCII digits, an {@code Accept} other than JSON or anything) falls through to the resource, which stays
 * the one definition of the endpoint (OpenAPI, problems, rate limits, the id filter).
 *
 * <p>Why: the L1 hit is the hot path, and JAX-RS (route matching, the {@code Uni}, the {@code Response} and its
 * header delegates) cost it about a third of its CPU time against a bare endpoint (async-profiler,
 * docs/measurements.md). Micrometer still times these requests under the same {@code uri="<prefix>/{id}"}.
 */
public final class L1HitRoute {

    private static final CharSequence X_CACHE = HttpHeaders.createOptimized("X-Cache");
    private static final CharSequence X_REGION = HttpHeaders.createOptimized("X-Region");
    private static final CharSequence X_INSTANCE = HttpHeaders.createOptimized("X-Instance");
    private static final CharSequence X_VERSION = HttpHeaders.createOptimized("X-Version");
    private static final CharSequence JSON = HttpHeaders.createOptimized("application/json");

    private final LongFunction<CachedValue> hit;
    private final CharSequence region;
    private final CharSequence instance;

    private L1HitRoute(LongFunction<CachedValue> hit, String region, String instance) {
        this.hit = hit;
        this.region = HttpHeaders.createOptimized(region);
        this.instance = HttpHeaders.createOptimized(instance);
    }

    /**
     * @param prefix the resource's path, e.g. {@code /products}
     * @param hit    the positive L1 value of an id, counted as a hit, or null (see {@code LayeredCache.l1Hit})
     */
    public static void register(
            Router router, String prefix, LongFunction<CachedValue> hit, String region, String instance) {
        L1HitRoute route = new L1HitRoute(hit, region, instance);
        router.get(prefix + "/:id")
                .order(RouteConstants.ROUTE_ORDER_BEFORE_DEFAULT)
                .handler(route::handle);
    }

    private void handle(RoutingContext ctx) {
        long id = IfMatch.positiveId(ctx.pathParam("id"));
        if (id <= 0 || !acceptsJson(ctx.request().getHeader(HttpHeaders.ACCEPT))) {
            ctx.next();
            return;
        }
        CachedValue v = hit.apply(id);
        if (v == null) {
            ctx.next();
            return;
        }
        MultiMap headers = ctx.response().headers();
        headers.set(HttpHeaders.CONTENT_TYPE, JSON);
        headers.set(X_CACHE, v.source().header());
        headers.set(X_REGION, region);
        headers.set(X_INSTANCE, instance);
        headers.set(X_VERSION, Long.toString(v.version()));
        headers.set(HttpHeaders.ETAG, '"' + v.validator() + '"');
        ctx.response().end(Buffer.buffer(v.payloadBytes()));
    }

    /** Only the cases that certainly select {@code application/json}; content negotiation stays with JAX-RS. */
    static boolean acceptsJson(String accept) {
        return accept == null || accept.equals("*/*") || accept.equals("application/json");
    }
}
