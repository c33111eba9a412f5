package dev.cdccache.pricing.rest;

import dev.cdccache.cache.CachedValue;
import dev.cdccache.pricing.repository.PriceRepository;
import dev.cdccache.pricing.service.PricingService;
import dev.cdccache.support.config.CacheConfig;
import dev.cdccache.support.rest.CacheHeaders;
import dev.cdccache.support.rest.IfMatch;
import io.smallrye.mutiny.Uni;
import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Digits;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.PositiveOrZero;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.math.BigDecimal;

@Path("/prices")
@Produces(MediaType.APPLICATION_JSON)
public class PriceResource {

    private final PricingService service;
    private final CacheConfig cacheConfig;

    public PriceResource(PricingService service, CacheConfig cacheConfig) {
        this.service = service;
        this.cacheConfig = cacheConfig;
    }

    public record PutPrice(
            @NotNull @PositiveOrZero @Max(PriceRepository.MAX_AMOUNT_MINOR)
            Long amountMinor,

            @NotBlank @Pattern(regexp = "[A-Z]{3}", message = "an ISO 4217 code such as USD")
            String currency,

            @PositiveOrZero Long version) {}

    public record Written(long productId, long version) {}

    public record Bulk(
            @NotBlank @Size(max = 64) @Pattern(regexp = "[a-z0-9-]+")
            String category,

            @NotNull @DecimalMin("-90") @DecimalMax("1000") @Digits(integer = 4, fraction = 2)
            BigDecimal percent) {}

    public record BulkWritten(
            String category,
            BigDecimal percent,
            int updated,
            long invalidatedKeys,
            boolean l2Deleted,
            boolean l1EvictionSent,
            long tookMillis) {}

    @GET
    @Path("{productId}")
    public Uni<Response> get(@PathParam("productId") String rawId) {
        long id = IfMatch.parseId(rawId, "product id");
        return service.price(id).map(this::respond);
    }

    private Response respond(CachedValue v) {
        return v.isNegative()
                ? CacheHeaders.notFound(v, cacheConfig.region(), cacheConfig.instanceId(), "a price for this product")
                : CacheHeaders.ok(v, cacheConfig.region(), cacheConfig.instanceId());
    }

    @PUT
    @Path("{productId}")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response put(
            @PathParam("productId") String rawId,
            @HeaderParam("If-Match") String ifMatch,
            @Valid @NotNull PutPrice body) {
        long id = IfMatch.parseId(rawId, "product id");
        PriceRepository.Upserted r =
                service.put(id, body.amountMinor(), body.currency(), IfMatch.expected(ifMatch, body.version()));
        return Response.status(r.created() ? 201 : 200)
                .entity(new Written(id, r.version()))
                .build();
    }

    @POST
    @Path("bulk")
    @Consumes(MediaType.APPLICATION_JSON)
    public BulkWritten bulk(@Valid @NotNull Bulk body) {
        long start = System.nanoTime();
        PricingService.BulkResult r = service.reprice(body.category(), body.percent());
        return new BulkWritten(
                body.category(),
                body.percent(),
                r.productIds().size(),
                r.invalidatedKeys(),
                r.invalidation().l2Deleted(),
                r.invalidation().broadcastSent(),
                (System.nanoTime() - start) / 1_000_000);
    }
}
