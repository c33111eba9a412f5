package dev.cdccache.catalog;

import jakarta.ws.rs.container.ContainerRequestContext;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.util.concurrent.atomic.AtomicLong;

/** Test-only: counts the reads of /products/{id} that reached JAX-RS (the L1 hit route answers the rest). */
public class ResourceRequests {

    static final AtomicLong PRODUCT_READS = new AtomicLong();

    @ServerRequestFilter(preMatching = true)
    public void count(ContainerRequestContext ctx) {
        if (("GET".equals(ctx.getMethod()) || "HEAD".equals(ctx.getMethod()))
                && ctx.getUriInfo().getPath().matches("/products/[^/]+")) {
            PRODUCT_READS.incrementAndGet();
        }
    }
}
