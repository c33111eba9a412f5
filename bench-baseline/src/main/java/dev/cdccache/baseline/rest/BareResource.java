package dev.cdccache.baseline.rest;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.smallrye.common.annotation.NonBlocking;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.EntityTag;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.time.Duration;

/**
 * What an L1 hit could cost at best on this stack: quarkus-rest on the event loop, a Caffeine lookup, a body of the
 * catalog view's size and the same response headers (X-Cache, X-Region, X-Instance, X-Version, ETag), and nothing
 * else. The catalog's own figure is reported as a ratio of this one, measured in the same run with the same flags.
 */
@Path("/products")
public class BareResource {

    private record Body(String json, long version, EntityTag tag) {}

    private final Cache<Long, Body> cache = Caffeine.newBuilder()
            .maximumSize(100_000)
            .expireAfterWrite(Duration.ofSeconds(5))
            .build();
    private final int bodyBytes;

    public BareResource(@ConfigProperty(name = "baseline.body-bytes") int bodyBytes) {
        this.bodyBytes = bodyBytes;
    }

    @GET
    @Path("{id}")
    @Produces(MediaType.APPLICATION_JSON)
    @NonBlocking
    public Response get(@PathParam("id") long id) {
        Body b = cache.get(id, this::make);
        return Response.ok(b.json(), MediaType.APPLICATION_JSON_TYPE)
                .header("X-Cache", "L1")
                .header("X-Region", "us")
                .header("X-Instance", "baseline")
                .header("X-Version", b.version())
                .tag(b.tag())
                .build();
    }

    private Body make(long id) {
        StringBuilder json = new StringBuilder("{\"id\":").append(id).append(",\"pad\":\"");
        while (json.length() < bodyBytes - 2) {
            json.append('x');
        }
        String body = json.append("\"}").toString();
        return new Body(body, 1, new EntityTag("1-" + Integer.toHexString(body.hashCode())));
    }
}
