package dev.cdccache.support.rest;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.ext.Provider;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Rejects bodies over {@code api.max-body-bytes} (default 16 KiB) with a 413 problem before anything is read.
 * Vert.x's own (larger) {@code quarkus.http.limits.max-body-size} stays as the hard stop for chunked uploads.
 */
@Provider
@PreMatching
public class BodyLimitFilter implements ContainerRequestFilter {

    private final long maxBytes;

    public BodyLimitFilter(@ConfigProperty(name = "api.max-body-bytes", defaultValue = "16384") long maxBytes) {
        this.maxBytes = maxBytes;
    }

    @Override
    public void filter(ContainerRequestContext ctx) {
        if (ctx.getLength() > maxBytes) {
            ctx.abortWith(Problem.response(413, "Content Too Large",
                    "the body has " + ctx.getLength() + " bytes; the limit is " + maxBytes));
        }
    }
}
