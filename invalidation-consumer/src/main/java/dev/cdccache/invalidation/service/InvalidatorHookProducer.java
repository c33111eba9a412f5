package dev.cdccache.invalidation.service;

import io.quarkus.arc.DefaultBean;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

/** No hook unless a test supplies a bean of its own. */
@ApplicationScoped
public class InvalidatorHookProducer {

    @Produces
    @DefaultBean
    @ApplicationScoped
    InvalidatorHook none() {
        return InvalidatorHook.NONE;
    }
}
