package dev.cdccache.stack;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The link between two regions on one machine: a TCP proxy that delays every byte by a one-way latency, in both
 * directions, without limiting throughput (a pipe, not a throttle: each chunk is stamped when read and written when
 * its delay has passed, so a WAL stream keeps flowing at full speed, just later). eu's services reach the primary
 * through it, and so does the eu replica's WAL stream; replica lag is then what replication really takes over that
 * link. Controlled like {@link FaultProxy}: {@code POST /latency/<ms>}, {@code POST /blackhole} (connections stay
 * open, nothing flows), {@code POST /reset} (back to the configured latency), {@code GET /}.
 */
public final class WanLink implements AutoCloseable, LinkControl.Link {

    private static final int CHUNK = 16 * 1024;
    /** Per direction and connection; a full queue stops reading, so TCP back-pressure reaches the sender. */
    private static final int QUEUED_CHUNKS = 256;

    private record Chunk(long dueNanos, byte[] bytes) {}

    private final int listenPort;
    private final int targetPort;
    private final int controlPort;
    private final long baseLatencyMs;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private volatile long latencyNanos;
    private volatile boolean blackhole;
    private volatile boolean open = true;
    private ServerSocket server;
    private HttpServer control;

    public WanLink(int listenPort, int targetPort, int controlPort, long latencyMs) {
        this.listenPort = listenPort;
        this.targetPort = targetPort;
        this.controlPort = controlPort;
        this.baseLatencyMs = latencyMs;
        this.latencyNanos = TimeUnit.MILLISECONDS.toNanos(latencyMs);
    }

    public synchronized WanLink start() throws IOException {
        server = new ServerSocket(listenPort, 128, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::acceptLoop, "wan-accept-" + listenPort);
        acceptor.setDaemon(true);
        acceptor.start();
        if (controlPort > 0) {
            control = LinkControl.start(controlPort, this);
        }
        return this;
    }

    @Override
    public void latency(long millis) {
        latencyNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(0, millis));
    }

    @Override
    public void blackhole() {
        blackhole = true;
    }

    @Override
    public void reset() {
        latencyNanos = TimeUnit.MILLISECONDS.toNanos(baseLatencyMs);
        blackhole = false;
    }

    @Override
    public String state() {
        return "{\"listen\":" + listenPort + ",\"target\":" + targetPort + ",\"latencyMs\":"
                + TimeUnit.NANOSECONDS.toMillis(latencyNanos) + ",\"blackhole\":" + blackhole + ",\"connections\":"
                + sockets.size() / 2 + "}";
    }

    public int listenPort() {
        return listenPort;
    }

    private void acceptLoop() {
        while (open) {
            try {
                Socket client = server.accept();
                Socket upstream;
                try {
                    upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                } catch (IOException e) {
                    client.close(); // the far side is down: the client sees its connection refused, promptly
                    continue;
                }
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                sockets.add(client);
                sockets.add(upstream);
                pipe(client, upstream, "up");
                pipe(upstream, client, "down");
            } catch (IOException e) {
                if (!open) {
                    return;
                }
            }
        }
    }

    /** One direction: a reader stamps chunks, a writer releases each when its latency has passed. */
    private void pipe(Socket from, Socket to, String direction) {
        BlockingQueue<Chunk> queue = new ArrayBlockingQueue<>(QUEUED_CHUNKS);
        Thread reader = new Thread(
                () -> {
                    byte[] buf = new byte[CHUNK];
                    try (InputStream in = from.getInputStream()) {
                        int n;
                        while ((n = in.read(buf)) >= 0) {
                            queue.put(new Chunk(System.nanoTime() + latencyNanos, Arrays.copyOf(buf, n)));
                        }
                    } catch (IOException | InterruptedException e) {
                        // connection closed
                    }
                    try {
                        queue.put(new Chunk(0, null)); // end of stream
                    } catch (InterruptedException ignored) {
                        Thread.currentThread().interrupt();
                    }
                },
                "wan-" + direction + "-read");
        Thread writer = new Thread(
                () -> {
                    try (OutputStream out = to.getOutputStream()) {
                        while (true) {
                            Chunk c = queue.take();
                            if (c.bytes == null) {
                                break;
                            }
                            long wait;
                            while ((wait = c.dueNanos - System.nanoTime()) > 0 || blackhole) {
                                TimeUnit.NANOSECONDS.sleep(Math.max(wait, TimeUnit.MILLISECONDS.toNanos(1)));
                                if (!open) {
                                    return;
                                }
                            }
                            out.write(c.bytes);
                            out.flush();
                        }
                    } catch (IOException | InterruptedException e) {
                        // connection closed
                    } finally {
                        closeQuietly(from);
                        closeQuietly(to);
                    }
                },
                "wan-" + direction + "-write");
        reader.setDaemon(true);
        writer.setDaemon(true);
        reader.start();
        writer.start();
    }

    private void closeQuietly(Socket s) {
        sockets.remove(s);
        try {
            s.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public synchronized void close() {
        open = false;
        if (control != null) {
            control.stop(0);
        }
        try {
            if (server != null) {
                server.close();
            }
        } catch (IOException ignored) {
            // closing
        }
        sockets.forEach(this::closeQuietly);
    }
}
