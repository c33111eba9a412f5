package dev.cdccache.stack;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * The HTTP control of a fault link ({@link FaultProxy}, {@link WanLink}) on 127.0.0.1: {@code POST /latency/<ms>},
 * {@code POST /blackhole}, {@code POST /reset}, {@code GET /} (its state as JSON).
 */
final class LinkControl {

    /** What a link does when told. */
    interface Link {
        void latency(long millis);

        void blackhole();

        void reset();

        String state();
    }

    private LinkControl() {}

    static HttpServer start(int port, Link link) throws IOException {
        HttpServer control = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        control.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            boolean post = "POST".equals(exchange.getRequestMethod());
            int status = 200;
            try {
                if (post && path.startsWith("/latency/")) {
                    link.latency(Long.parseLong(path.substring("/latency/".length())));
                } else if (post && path.equals("/blackhole")) {
                    link.blackhole();
                } else if (post && path.equals("/reset")) {
                    link.reset();
                } else if (!"GET".equals(exchange.getRequestMethod()) || !path.equals("/")) {
                    status = 404;
                }
            } catch (NumberFormatException e) {
                status = 400;
            }
            byte[] body = (status == 200 ? link.state() : "{\"error\":\"use POST /latency/<ms>, /blackhole, /reset\"}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        control.start();
        return control;
    }
}
