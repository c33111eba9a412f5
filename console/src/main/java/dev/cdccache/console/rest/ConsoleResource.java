package dev.cdccache.console.rest;

import dev.cdccache.console.config.ConsoleConfig;
import dev.cdccache.console.service.Faults;
import dev.cdccache.console.service.Figures;
import dev.cdccache.console.service.Topology;
import dev.cdccache.console.service.Watches;
import dev.cdccache.console.service.WriteLog;
import dev.cdccache.console.service.Writes;
import io.smallrye.mutiny.Multi;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestStreamElementType;

import java.util.List;

@Tag(name = "console")
@Path("/api")
@Produces(MediaType.APPLICATION_JSON)
public class ConsoleResource {

    private final Topology topology;
    private final Watches watches;
    private final Writes writes;
    private final Faults faults;
    private final Figures figures;
    private final ConsoleConfig config;

    public ConsoleResource(
            Topology topology, Watches watches, Writes writes, Faults faults, Figures figures, ConsoleConfig config) {
        this.topology = topology;
        this.watches = watches;
        this.writes = writes;
        this.faults = faults;
        this.figures = figures;
        this.config = config;
    }

    public record Setup(
            List<Topology.Reader> readers,
            Faults.Availability availability,
            long writePathBoundMs,
            long cdcBoundMs,
            long l1TtlBoundMs,
            long replicaLagMs,
            long pollIntervalMs) {}

    public record WriteRequest(Long productId, String via) {}

    public record FaultsRequest(
            Boolean dropDels, Boolean dropL1, Boolean replicaLag, Boolean stopRedisEu, Boolean pauseEuInvalidation) {}

    @Operation(summary = "What the console watches and which switches it can use")
    @GET
    @Path("setup")
    public Setup setup() {
        return new Setup(
                topology.readers(),
                faults.availability(),
                config.bounds().writePath().toMillis(),
                config.bounds().cdc().toMillis(),
                config.bounds().l1Ttl().toMillis(),
                config.replica().lag().toMillis(),
                config.pollInterval().toMillis());
    }

    @Operation(summary = "One product in every instance, Redis and the primary, pushed every poll interval (SSE)")
    @GET
    @Path("watch/{productId}")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    public Multi<Watches.Snapshot> watch(@PathParam("productId") String rawId) {
        return watches.watch(Problems.productId(rawId));
    }

    @Operation(summary = "Changes the product's price via pricing-us, pricing-eu or plain SQL; the lanes start now")
    @POST
    @Path("writes")
    @Consumes(MediaType.APPLICATION_JSON)
    public WriteLog.Write write(WriteRequest body) throws Exception {
        if (body == null || body.productId() == null || body.via() == null) {
            throw Problems.bad("productId and via are required");
        }
        return writes.write(Problems.productId(String.valueOf(body.productId())), body.via());
    }

    @Operation(summary = "The fault switches in force")
    @GET
    @Path("faults")
    public Faults.State faults() {
        return faults.state();
    }

    @Operation(
            summary =
                    "Switches faults on or off: the services' chaos switch, eu's replica apply delay, and on the local"
                            + " stack eu's Redis stopped and eu's invalidators paused (SIGSTOP)")
    @PUT
    @Path("faults")
    @Consumes(MediaType.APPLICATION_JSON)
    public Faults.State setFaults(FaultsRequest body) throws Exception {
        if (body == null) {
            throw Problems.bad("a JSON body with dropDels, dropL1, replicaLag is required");
        }
        Faults.State now = faults.state();
        return faults.apply(
                body.dropDels() == null ? now.dropDels() : body.dropDels(),
                body.dropL1() == null ? now.dropL1() : body.dropL1(),
                body.replicaLag() == null ? now.replicaLag() : body.replicaLag(),
                body.stopRedisEu() == null ? now.stopRedisEu() : body.stopRedisEu(),
                body.pauseEuInvalidation() == null ? now.pauseEuInvalidation() : body.pauseEuInvalidation());
    }

    @Operation(summary = "CDC lag per region, read mix per tier and database loads over the last minute")
    @GET
    @Path("figures")
    public Figures.Now figures() {
        return figures.now();
    }
}
