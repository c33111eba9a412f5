package dev.cdccache.support.rest;

import dev.cdccache.support.cache.FaultInjection;
import io.quarkus.resteasy.reactive.server.EndpointDisabled;
import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * {@code /admin/chaos}: runtime fault injection for the chaos scripts. Opt-in: the endpoint does not exist unless
 * {@code admin.token} is configured (production configuration sets none; {@code make up} generates one, {@code CHAOS=0
 * make up} does not), so without it nothing can change the fault rates from zero. With it, 401 without the matching
 * {@code X-Admin-Token} header ({@link AdminTokenFilter}, before the body is read). The token is never logged.
 */
@Tag(name = "admin")
@AdminOnly
@EndpointDisabled(name = "admin.token", stringValue = "", disableIfMissing = true)
@Path("/admin/chaos")
@Produces(MediaType.APPLICATION_JSON)
public class ChaosResource {

    private final FaultInjection faults;

    public ChaosResource(FaultInjection faults) {
        this.faults = faults;
    }

    public record Settings(
            @NotNull @DecimalMin("0") @DecimalMax("1") Double dropDelRate,
            @NotNull @DecimalMin("0") @DecimalMax("1") Double dropL1BroadcastRate) {}

    @Operation(summary = "The current fault injection rates (X-Admin-Token required)")
    @APIResponse(responseCode = "200", description = "the rates")
    @APIResponse(responseCode = "401", description = "missing or wrong X-Admin-Token")
    @APIResponse(responseCode = "404", description = "admin disabled (admin.token not set)")
    @GET
    public Settings get() {
        return current();
    }

    private Settings current() {
        FaultInjection.ChaosSettings c = faults.settings();
        return new Settings(c.dropDelRate(), c.dropL1BroadcastRate());
    }

    @Operation(summary = "Sets the fault injection rates (X-Admin-Token required)")
    @APIResponse(responseCode = "200", description = "the new rates")
    @APIResponse(responseCode = "400", description = "malformed request: bad id, JSON, field or If-Match")
    @APIResponse(responseCode = "401", description = "missing or wrong X-Admin-Token")
    @APIResponse(responseCode = "404", description = "admin disabled (admin.token not set)")
    @PUT
    @Consumes(MediaType.APPLICATION_JSON)
    public Settings put(@Valid @NotNull Settings s) {
        faults.set(s.dropDelRate(), s.dropL1BroadcastRate());
        return current();
    }
}
