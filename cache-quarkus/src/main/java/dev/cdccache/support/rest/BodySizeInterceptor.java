package dev.cdccache.support.rest;

import jakarta.ws.rs.ext.Provider;
import jakarta.ws.rs.ext.ReaderInterceptor;
import jakarta.ws.rs.ext.ReaderInterceptorContext;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * The body limit for bodies without a {@code Content-Length} (chunked): counted as the body is read, so a chunked
 * upload past {@code api.max-body-bytes} gets the same 413 problem as a declared one ({@link HttpHygiene}).
 * {@code quarkus.http.limits.max-body-size} stays above it as the transport's hard stop.
 */
@Provider
public class BodySizeInterceptor implements ReaderInterceptor {

    private final int maxBytes;

    public BodySizeInterceptor(@ConfigProperty(name = "api.max-body-bytes", defaultValue = "16384") int maxBytes) {
        this.maxBytes = maxBytes;
    }

    @Override
    public Object aroundReadFrom(ReaderInterceptorContext ctx) throws IOException {
        InputStream in = ctx.getInputStream();
        byte[] body = in.readNBytes(maxBytes + 1);
        if (body.length > maxBytes) {
            throw new ProblemException(
                    413, "Content Too Large", "the body is larger than the limit of " + maxBytes + " bytes");
        }
        ctx.setInputStream(new ByteArrayInputStream(body));
        return ctx.proceed();
    }
}
