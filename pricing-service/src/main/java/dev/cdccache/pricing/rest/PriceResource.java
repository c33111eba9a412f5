package dev.cdccache.pricing.rest;

import dev.cdccache.cache.CachedValue;
import dev.cdccache.pricing.repository.PriceRepository;
import dev.cdccache.pricing.service.PricingService;
import dev.cdccache.support.cache.ProductIdFilter;
import dev.cdccache.support.config.CacheConfig;
import dev.cdccache.support.rest.CacheHeaders;
import dev.cdccache.support.rest.IfMatch;
import dev.cdccache.support.rest.RateLimits;
import dev.cdccache.support.service.NotFound;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
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
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.math.BigDecimal;

@Tag(name = "prices")
@Path("/prices")
@Produces(MediaType.APPLICATION_JSON)
public class PriceResource {

    private final PricingService service;
    private final CacheConfig cacheConfig;

    private final RateLimits limits;
    private final ProductIdFilter ids;

    public PriceResource(PricingService service, CacheConfig cacheConfig, RateLimits limits, ProductIdFilter ids) {
        this.limits = limits;
        this.ids = ids;
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

    @Operation(summary = "The price of a product through L1 → L2 → PostgreSQL")
    @APIResponse(responseCode = "200", description = "the price, with X-Cache, X-Version, ETag")
    @APIResponse(responseCode = "400", description = "malformed request: bad id, JSON, field or If-Match")
    @APIResponse(responseCode = "404", description = "no such product, or no price for it")
    @APIResponse(responseCode = "429", description = "the client's rate limit of uncached reads (Retry-After)")
    @APIResponse(responseCode = "503", description = "database load shed or unavailable (Retry-After)")
    @GET
    @Path("{productId}")
    public Uni<Response> get(@PathParam("productId") String rawId, @Context HttpServerRequest request) {
        long id = IfMatch.parseId(rawId, "product id");
        RateLimits.Client client = limits.client(request);
        if (!ids.mightExist(id)) {
            // No such product, so no price for it: neither Redis nor PostgreSQL is asked.
            return Uni.createFrom()
                    .item(CacheHeaders.notFoundByFilter(
                            cacheConfig.region(), cacheConfig.instanceId(), "a price for this product"));
        }
        return service.price(id, () -> limits.admit(RateLimits.Kind.READ_MISS, client), this::respond);
    }

    @Operation(
            summary = "A checkout quote: the price from the primary, bypassing every cache (the global data class)",
            description = "Never stale, in any region; costs a database read (across the WAN outside the primary's"
                    + " region). Marked X-Cache: BYPASS, X-Read-Source: primary.")
    @APIResponse(responseCode = "200", description = "the price as the primary has it")
    @APIResponse(responseCode = "400", description = "malformed product id")
    @APIResponse(responseCode = "404", description = "no such product, or no price for it")
    @GET
    @Path("{productId}/quote")
    public Response quote(@PathParam("productId") String rawId, @Context HttpServerRequest request) throws Exception {
        long id = IfMatch.parseId(rawId, "product id");
        limits.admit(RateLimits.Kind.READ_MISS, request);
        return service.quote(id)
                .map(p -> Response.ok(p)
                        .header("X-Cache", "BYPASS")
                        .header("X-Read-Source", "primary")
                        .header("X-Region", cacheConfig.region())
                        .header("X-Instance", cacheConfig.instanceId())
                        .header("X-Version", p.version())
                        .build())
                .orElseThrow(() -> new NotFound("product " + id + " has no price"));
    }

    private Response respond(CachedValue v) {
        return v.isNegative()
                ? CacheHeaders.notFound(v, cacheConfig.region(), cacheConfig.instanceId(), "a price for this product")
                : CacheHeaders.ok(v, cacheConfig.region(), cacheConfig.instanceId());
    }

    @Operation(summary = "Sets (or creates) the price of a product; invalidates the price and the product view")
    @APIResponse(responseCode = "200", description = "updated")
    @APIResponse(responseCode = "201", description = "created")
    @APIResponse(responseCode = "400", description = "malformed request: bad id, JSON, field or If-Match")
    @APIResponse(responseCode = "404", description = "no such product")
    @APIResponse(responseCode = "409", description = "version conflict, or created concurrently")
    @APIResponse(responseCode = "413", description = "body over 16 KiB")
    @APIResponse(responseCode = "415", description = "body not application/json")
    @APIResponse(responseCode = "429", description = "the client's rate limit of writes (Retry-After)")
    @PUT
    @Path("{productId}")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response put(
            @PathParam("productId") String rawId,
            @HeaderParam("If-Match") String ifMatch,
            @Valid @NotNull PutPrice body,
            @Context HttpServerRequest request) {
        long id = IfMatch.parseId(rawId, "product id");
        limits.admit(RateLimits.Kind.WRITE, request);
        PriceRepository.Upserted r =
                service.put(id, body.amountMinor(), body.currency(), IfMatch.expected(ifMatch, body.version()));
        return Response.status(r.created() ? 201 : 200)
                .entity(new Written(id, r.version()))
                .build();
    }

    @Operation(summary = "Reprices a whole category in one transaction, all or nothing")
    @APIResponse(responseCode = "200", description = "how many rows changed and what the caches got")
    @APIResponse(responseCode = "400", description = "malformed request: bad id, JSON, field or If-Match")
    @APIResponse(
            responseCode = "422",
            description = "more rows than allowed, or a price past the maximum: nothing changed")
    @APIResponse(responseCode = "413", description = "body over 16 KiB")
    @APIResponse(responseCode = "415", description = "body not application/json")
    @APIResponse(responseCode = "429", description = "the client's rate limit of writes (Retry-After)")
    @POST
    @Path("bulk")
    @Consumes(MediaType.APPLICATION_JSON)
    public BulkWritten bulk(@Valid @NotNull Bulk body, @Context HttpServerRequest request) {
        limits.admit(RateLimits.Kind.WRITE, request);
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
