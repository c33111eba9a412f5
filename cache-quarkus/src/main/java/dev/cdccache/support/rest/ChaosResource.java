package dev.cdccache.support.rest;

import dev.cdccache.support.cache.FaultInjection;
import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

/**
 * {@code /admin/chaos}: runtime fault injection for the chaos scripts. Answers 404 unless {@code admin.token} is
 * configured, and 401 without the matching {@code X-Admin-Token} header. The token is never logged.
 */
@Path("/admin/chaos")
@Produces(MediaType.APPLICATION_JSON)
public class ChaosResource {

    private final FaultInjection faults;
    private final Optional<String> token;

    public ChaosResource(FaultInjection faults, @ConfigProperty(name = "admin.token") Optional<String> token) {
        this.faults = faults;
        this.token = token.filter(t -> !t.isBlank());
    }

    public record Settings(@NotNull @DecimalMin("0") @DecimalMax("1") Double dropDelRate,
                           @NotNull @DecimalMin("0") @DecimalMax("1") Double dropL1BroadcastRate) {
    }

    @GET
    public Settings get(@HeaderParam("X-Admin-Token") String given) {
        authorize(given);
        return current();
    }

    private Settings current() {
        FaultInjection.ChaosSettings c = faults.settings();
        return new Settings(c.dropDelRate(), c.dropL1BroadcastRate());
    }

    @PUT
    @Consumes(MediaType.APPLICATION_JSON)
    public Settings put(@HeaderParam("X-Admin-Token") String given, @Valid @NotNull Settings s) {
        authorize(given);
        faults.set(s.dropDelRate(), s.dropL1BroadcastRate());
        return current();
    }

    private void authorize(String given) {
        if (token.isEmpty()) {
            throw ProblemException.notFound("the admin endpoint is disabled (admin.token is not set)");
        }
        if (given == null || !MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8),
                token.get().getBytes(StandardCharsets.UTF_8))) {
            throw new ProblemException(401, "Unauthorized", "X-Admin-Token missing or wrong");
        }
    }
}
