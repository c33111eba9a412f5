package dev.cdccache.support.rest;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.ext.Provider;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Request hygiene before anything is read or matched: bodies over {@code api.max-body-bytes} (default 16 KiB) by
 * their {@code Content-Length} → 413 (a chunked body is cut at the same size by
 * {@code quarkus.http.limits.max-body-size}); a body without a {@code Content-Type} → 415 (it is never guessed to
 * be JSON). Matrix parameters are refused earlier, on the raw path ({@link HttpHygiene}).
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
            ctx.abortWith(Problem.response(
                    413, "Content Too Large", "the body has " + ctx.getLength() + " bytes; the limit is " + maxBytes));
            return;
        }
        boolean hasBody = ctx.getLength() > 0 || ctx.getHeaderString("Transfer-Encoding") != null;
        if (hasBody && ctx.getHeaderString("Content-Type") == null) {
            ctx.abortWith(Problem.response(
                    415, "Unsupported Media Type", "send the body with Content-Type: application/json"));
        }
    }
}
