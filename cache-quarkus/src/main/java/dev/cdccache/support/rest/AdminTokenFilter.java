package dev.cdccache.support.rest;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.container.ContainerRequestContext;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

/**
 * Guards the {@link AdminOnly} resources ({@code /admin/*}): 404 when {@code admin.token} is not configured (the switch is off unless enabled), 401
 * without the matching {@code X-Admin-Token}. It runs before the body is read or validated, so a caller without the
 * token learns nothing about what the endpoint accepts.
 */
@ApplicationScoped
public class AdminTokenFilter {

    private final Optional<byte[]> token;

    public AdminTokenFilter(@ConfigProperty(name = "admin.token") Optional<String> token) {
        this.token = token.filter(t -> !t.isBlank()).map(t -> t.getBytes(StandardCharsets.UTF_8));
    }

    @AdminOnly
    @ServerRequestFilter
    public void authorize(ContainerRequestContext request) {
        if (token.isEmpty()) {
            throw ProblemException.notFound("the admin endpoint is disabled (admin.token is not set)");
        }
        String given = request.getHeaderString("X-Admin-Token");
        if (given == null || !MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), token.get())) {
            throw new ProblemException(401, "Unauthorized", "X-Admin-Token missing or wrong");
        }
    }
}
