package dev.cdccache.support.rest;

import dev.cdccache.cache.HotKeys;
import dev.cdccache.cache.RegionCache;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.List;

/** The keys read most: this process's (last 5 s period, sampled) and its region's (decayed over 10 minutes). */
@Tag(name = "cache")
@Path("/cache/hot-keys")
@Produces(MediaType.APPLICATION_JSON)
public class HotKeysResource {

    private final RegionCache cache;

    public HotKeysResource(RegionCache cache) {
        this.cache = cache;
    }

    public record HotKeysView(String region, List<HotKeys.Entry> process, List<HotKeys.Entry> regional) {}

    @Operation(summary = "The hottest keys, in reads per second: this process's and the region's")
    @APIResponse(responseCode = "200", description = "both lists, hottest first")
    @APIResponse(responseCode = "400", description = "n outside 1-200")
    @GET
    public HotKeysView hotKeys(@QueryParam("n") @DefaultValue("20") String rawN) {
        int n = IfMatch.intParam(rawN, "n", 1, 200);
        HotKeys hot = cache.cache().hotKeys();
        List<HotKeys.Entry> process = hot.local().stream().limit(n).toList();
        return new HotKeysView(cache.metrics().region(), process, hot.regional(n));
    }
}
