package dev.cdccache.support.rest;

import dev.cdccache.support.cache.InvalidationReport;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.ext.Provider;

/**
 * Every write response says what happened to the caches: {@code X-Cache-Invalidation: complete | partial |
 * deferred-to-cdc}. Only "complete" promises read-your-write in the writer's region.
 */
@Provider
public class InvalidationHeaderFilter implements ContainerResponseFilter {

    public static final String HEADER = "X-Cache-Invalidation";

    private final InvalidationReport report;

    public InvalidationHeaderFilter(InvalidationReport report) {
        this.report = report;
    }

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        if ("GET".equals(request.getMethod()) || "HEAD".equals(request.getMethod())) {
            return; // reads write nothing; and asking the request-scoped report would activate the scope per read
        }
        String outcome = report.outcome();
        if (outcome != null) {
            response.getHeaders().putSingle(HEADER, outcome);
        }
    }
}
