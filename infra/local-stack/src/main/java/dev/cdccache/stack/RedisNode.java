package dev.cdccache.stack;

import redis.embedded.RedisServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A real redis-server process (the binary shipped in the embedded-redis jar). Persistence is off: Redis is a
 * cache here, and a restart that loses everything is exactly the failure the system must survive.
 * Stoppable and restartable on the same port so tests and chaos scripts can take a region's L2 away.
 */
public final class RedisNode implements AutoCloseable {

    private final String region;
    private final int port;
    private RedisServer server;

    public RedisNode(String region, int port) {
        this.region = region;
        this.port = port;
    }

    public synchronized RedisNode start() throws IOException {
        if (server != null && server.isActive()) {
            return this;
        }
        server = RedisServer.newRedisServer()
                .port(port)
                .bind("127.0.0.1")
                .setting("save \"\"")
                .setting("appendonly no")
                .setting("maxmemory 512mb")
                .setting("maxmemory-policy allkeys-lru")
                .build();
        server.start();
        return this;
    }

    public synchronized void stop() throws IOException {
        if (server != null) {
            server.stop();
            server = null;
        }
    }

    public boolean isRunning() {
        return answersPing("127.0.0.1", port);
    }

    /** True when a Redis server at {@code host:port} answers PING within half a second. */
    public static boolean answersPing(String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 500);
            OutputStream out = s.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            byte[] buf = new byte[7];
            int n = s.getInputStream().read(buf);
            return n > 0 && new String(buf, 0, n, StandardCharsets.US_ASCII).startsWith("+PONG");
        } catch (IOException e) {
            return false;
        }
    }

    public String region() {
        return region;
    }

    public int port() {
        return port;
    }

    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    @Override
    public void close() throws IOException {
        stop();
    }
}
