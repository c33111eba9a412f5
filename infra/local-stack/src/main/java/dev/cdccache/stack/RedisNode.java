package dev.cdccache.stack;

import redis.embedded.RedisServer;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
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
        try {
            return "PONG".equals(command(host, port, 500, "PING"));
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * One command in RESP over a fresh connection, bounded by {@code timeoutMillis} (connect and read); returns a
     * simple, integer or bulk reply as text and throws on an error reply.
     */
    static String command(String host, int port, int timeoutMillis, String... args) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), timeoutMillis);
            s.setSoTimeout(timeoutMillis);
            ByteArrayOutputStream req = new ByteArrayOutputStream();
            req.writeBytes(("*" + args.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            for (String arg : args) {
                byte[] b = arg.getBytes(StandardCharsets.UTF_8);
                req.writeBytes(("$" + b.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
                req.writeBytes(b);
                req.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            OutputStream out = s.getOutputStream();
            out.write(req.toByteArray());
            out.flush();
            InputStream in = new BufferedInputStream(s.getInputStream());
            String line = line(in);
            if (line.isEmpty()) {
                throw new IOException("connection closed without a reply");
            }
            return switch (line.charAt(0)) {
                case '+', ':' -> line.substring(1);
                case '-' -> throw new IOException("Redis error: " + line.substring(1));
                case '$' -> new String(in.readNBytes(Integer.parseInt(line.substring(1))), StandardCharsets.UTF_8);
                default -> throw new IOException("unexpected reply " + line);
            };
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) != -1 && c != '\r') {
            sb.append((char) c);
        }
        in.read(); // '\n'
        return sb.toString();
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
