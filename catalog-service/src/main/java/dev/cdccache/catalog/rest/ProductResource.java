package dev.cdccache.catalog.rest;

import dev.cdccache.cache.CachedValue;
import dev.cdccache.catalog.config.CatalogConfig;
import dev.cdccache.catalog.entity.Product;
import dev.cdccache.catalog.service.CatalogService;
import dev.cdccache.support.cache.ProductIdFilter;
import dev.cdccache.support.config.CacheConfig;
import dev.cdccache.support.rest.CacheHeaders;
import dev.cdccache.support.rest.IfMatch;
import dev.cdccache.support.rest.ProblemException;
import dev.cdccache.support.rest.RateLimits;
import dev.cdccache.support.service.Rejected;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriBuilder;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Tag(name = "products")
@Path("/products")
@Produces(MediaType.APPLICATION_JSON)
public class ProductResource {

    private final CatalogService service;
    private final CacheConfig cacheConfig;
    private final CatalogConfig config;
    private final RateLimits limits;
    private final ProductIdFilter ids;

    public ProductResource(
            CatalogService service,
            CacheConfig cacheConfig,
            CatalogConfig config,
            RateLimits limits,
            ProductIdFilter ids) {
        this.ids = ids;
        this.service = service;
        this.cacheConfig = cacheConfig;
        this.config = config;
        this.limits = limits;
    }

    /**
     * An L1 hit is answered right here on the event loop; only a miss hops to a worker thread for Redis and
     * PostgreSQL.
     */
    @Operation(summary = "The product view (product + price) through L1 → L2 → PostgreSQL")
    @APIResponse(responseCode = "200", description = "the view, with X-Cache, X-Version, ETag")
    @APIResponse(responseCode = "400", description = "malformed request: bad id, JSON, field or If-Match")
    @APIResponse(responseCode = "404", description = "no such product")
    @APIResponse(responseCode = "429", description = "the client's rate limit of uncached reads (Retry-After)")
    @APIResponse(responseCode = "503", description = "database load shed or unavailable (Retry-After)")
    @GET
    @Path("{id}")
    public Uni<Response> get(@PathParam("id") String rawId, @Context HttpServerRequest request) {
        long id = IfMatch.parseId(rawId, "product id");
        RateLimits.Client client = limits.client(request);
        if (!ids.mightExist(id)) {
            return Uni.createFrom()
                    .item(CacheHeaders.notFoundByFilter(
                            cacheConfig.region(), cacheConfig.instanceId(), "this product"));
        }
        return service.view(id, () -> limits.admit(RateLimits.Kind.READ_MISS, client), v -> respond(id, v));
    }

    private Response respond(long id, CachedValue v) {
        if (v.isNegative()) {
            ids.notFound(id);
            return CacheHeaders.notFound(v, cacheConfig.region(), cacheConfig.instanceId(), "this product");
        }
        return CacheHeaders.ok(v, cacheConfig.region(), cacheConfig.instanceId());
    }

    /** Listing pages are read from PostgreSQL, not cached (see docs/decisions.md). */
    @Operation(summary = "A page of a category, read from PostgreSQL (not cached)")
    @APIResponse(responseCode = "200", description = "the page")
    @APIResponse(responseCode = "400", description = "malformed request: bad id, JSON, field or If-Match")
    @GET
    public ProductRequests.Page list(
            @QueryParam("category") String category,
            @QueryParam("page") @DefaultValue("0") String rawPage,
            @QueryParam("size") @DefaultValue("20") String rawSize) {
        if (category == null || category.isBlank()) {
            throw ProblemException.badRequest("query parameter 'category' is required");
        }
        if (!ProductRequests.CATEGORY_PATTERN.matcher(category).matches()) {
            throw ProblemException.badRequest("'category' must be 1-64 lower-case letters, digits or '-'");
        }
        int page = IfMatch.intParam(rawPage, "page", 0, config.maxPage());
        int size = IfMatch.intParam(rawSize, "size", 1, config.maxPageSize());
        return new ProductRequests.Page(
                category, page, size, service.countByCategory(category), service.byCategory(category, page, size));
    }

    @Operation(summary = "Creates a product; its caches are invalidated after the commit")
    @APIResponse(responseCode = "201", description = "created, version 1")
    @APIResponse(responseCode = "400", description = "malformed request: bad id, JSON, field or If-Match")
    @APIResponse(
            responseCode = "409",
            description = "version conflict (If-Match or version is not current) or sku taken")
    @APIResponse(responseCode = "413", description = "body over 16 KiB")
    @APIResponse(responseCode = "415", description = "body not application/json")
    @APIResponse(responseCode = "429", description = "the client's rate limit of writes (Retry-After)")
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Response create(@Valid @NotNull ProductRequests.Create body, @Context HttpServerRequest request) {
        limits.admit(RateLimits.Kind.WRITE, request);
        Product p = service.create(
                body.sku(), body.name(), body.description() == null ? "" : body.description(), body.category());
        return Response.created(UriBuilder.fromPath("/products/{id}").build(p.id))
                .entity(new ProductRequests.Written(p.id, p.version))
                .build();
    }

    @Operation(summary = "Replaces a product (If-Match or version optional)")
    @APIResponse(responseCode = "200", description = "the new version; X-Cache-Invalidation says what the caches got")
    @APIResponse(responseCode = "400", description = "malformed request: bad id, JSON, field or If-Match")
    @APIResponse(responseCode = "404", description = "no such product")
    @APIResponse(
            responseCode = "409",
            description = "version conflict (If-Match or version is not current) or sku taken")
    @APIResponse(responseCode = "413", description = "body over 16 KiB")
    @APIResponse(responseCode = "415", description = "body not application/json")
    @APIResponse(responseCode = "429", description = "the client's rate limit of writes (Retry-After)")
    @PUT
    @Path("{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    public ProductRequests.Written replace(
            @PathParam("id") String rawId,
            @HeaderParam("If-Match") String ifMatch,
            @Valid @NotNull ProductRequests.Replace body,
            @Context HttpServerRequest request) {
        long id = IfMatch.parseId(rawId, "product id");
        limits.admit(RateLimits.Kind.WRITE, request);
        Long expected = IfMatch.expected(ifMatch, body.version());
        long version = service.update(
                id,
                body.sku(),
                body.name(),
                body.description() == null ? "" : body.description(),
                body.category(),
                expected);
        return new ProductRequests.Written(id, version);
    }

    @Operation(summary = "Changes some fields of a product (merge patch)")
    @APIResponse(responseCode = "200", description = "the new version")
    @APIResponse(responseCode = "400", description = "malformed request: bad id, JSON, field or If-Match")
    @APIResponse(responseCode = "404", description = "no such product")
    @APIResponse(
            responseCode = "409",
            description = "version conflict (If-Match or version is not current) or sku taken")
    @APIResponse(responseCode = "422", description = "the patch changes nothing")
    @APIResponse(responseCode = "413", description = "body over 16 KiB")
    @APIResponse(responseCode = "415", description = "body not application/json")
    @APIResponse(responseCode = "429", description = "the client's rate limit of writes (Retry-After)")
    @PATCH
    @Path("{id}")
    @Consumes({"application/merge-patch+json", MediaType.APPLICATION_JSON})
    public ProductRequests.Written patch(
            @PathParam("id") String rawId,
            @HeaderParam("If-Match") String ifMatch,
            @Valid @NotNull ProductRequests.Patch body,
            @Context HttpServerRequest request) {
        long id = IfMatch.parseId(rawId, "product id");
        limits.admit(RateLimits.Kind.WRITE, request);
        if (body.isEmpty()) {
            throw new Rejected("the patch changes nothing: give at least one field");
        }
        Long expected = IfMatch.expected(ifMatch, body.version());
        long version = service.update(id, body.sku(), body.name(), body.description(), body.category(), expected);
        return new ProductRequests.Written(id, version);
    }

    @Operation(summary = "Deletes a product and its price")
    @APIResponse(responseCode = "204", description = "deleted")
    @APIResponse(responseCode = "400", description = "malformed request: bad id, JSON, field or If-Match")
    @APIResponse(responseCode = "404", description = "no such product")
    @APIResponse(
            responseCode = "409",
            description = "version conflict (If-Match or version is not current) or sku taken")
    @DELETE
    @Path("{id}")
    public Response delete(
            @PathParam("id") String rawId,
            @HeaderParam("If-Match") String ifMatch,
            @Context HttpServerRequest request) {
        long id = IfMatch.parseId(rawId, "product id");
        limits.admit(RateLimits.Kind.WRITE, request);
        service.delete(id, IfMatch.expected(ifMatch, null));
        return Response.noContent().build();
    }
}
