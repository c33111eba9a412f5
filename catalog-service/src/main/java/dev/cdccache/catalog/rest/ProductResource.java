package dev.cdccache.catalog.rest;

import dev.cdccache.cache.CachedValue;
import dev.cdccache.catalog.config.CatalogConfig;
import dev.cdccache.catalog.entity.Product;
import dev.cdccache.catalog.service.CatalogService;
import dev.cdccache.support.config.CacheConfig;
import dev.cdccache.support.rest.CacheHeaders;
import dev.cdccache.support.rest.IfMatch;
import dev.cdccache.support.rest.ProblemException;
import dev.cdccache.support.service.Rejected;
import io.smallrye.mutiny.Uni;
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
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriBuilder;

@Path("/products")
@Produces(MediaType.APPLICATION_JSON)
public class ProductResource {

    private final CatalogService service;
    private final CacheConfig cacheConfig;
    private final CatalogConfig config;

    public ProductResource(CatalogService service, CacheConfig cacheConfig, CatalogConfig config) {
        this.service = service;
        this.cacheConfig = cacheConfig;
        this.config = config;
    }

    /**
     * An L1 hit is answered right here on the event loop; only a miss hops to a worker thread for Redis and
     * PostgreSQL.
     */
    @GET
    @Path("{id}")
    public Uni<Response> get(@PathParam("id") String rawId) {
        long id = IfMatch.parseId(rawId, "product id");
        return service.view(id).map(this::respond);
    }

    private Response respond(CachedValue v) {
        if (v.isNegative()) {
            return CacheHeaders.notFound(v, cacheConfig.region(), cacheConfig.instanceId(), "this product");
        }
        return CacheHeaders.ok(v, cacheConfig.region(), cacheConfig.instanceId());
    }

    /** Listing pages are read from PostgreSQL, not cached (see docs/decisions.md). */
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

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Response create(@Valid @NotNull ProductRequests.Create body) {
        Product p = service.create(
                body.sku(), body.name(), body.description() == null ? "" : body.description(), body.category());
        return Response.created(UriBuilder.fromPath("/products/{id}").build(p.id))
                .entity(new ProductRequests.Written(p.id, p.version))
                .build();
    }

    @PUT
    @Path("{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    public ProductRequests.Written replace(
            @PathParam("id") String rawId,
            @HeaderParam("If-Match") String ifMatch,
            @Valid @NotNull ProductRequests.Replace body) {
        long id = IfMatch.parseId(rawId, "product id");
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

    @PATCH
    @Path("{id}")
    @Consumes({"application/merge-patch+json", MediaType.APPLICATION_JSON})
    public ProductRequests.Written patch(
            @PathParam("id") String rawId,
            @HeaderParam("If-Match") String ifMatch,
            @Valid @NotNull ProductRequests.Patch body) {
        long id = IfMatch.parseId(rawId, "product id");
        if (body.isEmpty()) {
            throw new Rejected("the patch changes nothing: give at least one field");
        }
        Long expected = IfMatch.expected(ifMatch, body.version());
        long version = service.update(id, body.sku(), body.name(), body.description(), body.category(), expected);
        return new ProductRequests.Written(id, version);
    }

    @DELETE
    @Path("{id}")
    public Response delete(@PathParam("id") String rawId, @HeaderParam("If-Match") String ifMatch) {
        long id = IfMatch.parseId(rawId, "product id");
        service.delete(id, IfMatch.expected(ifMatch, null));
        return Response.noContent().build();
    }
}
