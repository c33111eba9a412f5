package dev.cdccache.support.redis;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Closing the port while a lane's connection ends must not deadlock. Vert.x runs a connection's end handler on the
 * event loop while holding the connection's monitor, and {@code close()} of that connection needs the same monitor.
 * The fake connection reproduces exactly that: its {@code close()} waits for its end handler, run on another thread.
 * Closing the lanes under the port's own lock (which the end handler takes) hung a Quarkus test's shutdown in CI.
 */
class VertxRedisPortCloseTest {

    @Test
    void closingWhileALaneEndsDoesNotDeadlock() throws Exception {
        AtomicReference<Handler<Void>> endHandler = new AtomicReference<>();
        AtomicBoolean endHandlerFinished = new AtomicBoolean();
        RedisConnection connection = (RedisConnection) Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {RedisConnection.class}, (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "endHandler" -> endHandler.set(cast(args[0]));
                        case "send" -> {
                            return Future.succeededFuture();
                        }
                        case "close" -> {
                            // The event loop is inside the end handler, holding this connection's monitor: close()
                            // can only proceed once the handler returns.
                            CountDownLatch done = new CountDownLatch(1);
                            Thread loop = new Thread(() -> {
                                endHandler.get().handle(null);
                                endHandlerFinished.set(true);
                                done.countDown();
                            });
                            loop.setDaemon(true);
                            loop.start();
                            done.await(2, TimeUnit.SECONDS);
                            return Future.succeededFuture();
                        }
                        default -> {}
                    }
                    return method.getReturnType() == RedisConnection.class ? proxy : null;
                });
        Redis redis = (Redis) Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {Redis.class}, (proxy, method, args) -> {
                    if (method.getName().equals("connect")) {
                        return Future.succeededFuture(connection);
                    }
                    return method.getName().equals("close") ? null : Future.succeededFuture();
                });

        VertxRedisPort port = new VertxRedisPort(redis, redis, 1000, false, null);
        port.get("k"); // opens a lane
        port.close();
        assertTrue(endHandlerFinished.get(), "the lane's end handler ran while the port was closing its connections");
    }

    @SuppressWarnings("unchecked")
    private static <T> T cast(Object o) {
        return (T) o;
    }
}
