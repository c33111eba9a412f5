package dev.cdccache.stack;

import com.sun.net.httpserver.HttpServer;
import org.netcrusher.core.reactor.NioReactor;
import org.netcrusher.core.throttle.Throttler;
import org.netcrusher.tcp.TcpCrusher;
import org.netcrusher.tcp.TcpCrusherBuilder;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * A TCP fault proxy (netcrusher) between a service and its Redis: added latency or a blackhole (connections stay
 * open, nothing flows — the failure a TCP timeout takes longest to notice). Controlled over HTTP on its control
 * port: {@code POST /latency/<ms>}, {@code POST /blackhole}, {@code POST /reset}, {@code GET /}. The same role
 * Toxiproxy plays in docker-compose.
 */
public final class FaultProxy implements AutoCloseable, LinkControl.Link {

    /** A delay that applies to connections already open, not only to new ones. */
    private static final class VariableDelay implements Throttler {
        volatile long delayNs;

        @Override
        public long calculateDelayNs(ByteBuffer bb) {
            return delayNs == 0 ? NO_DELAY_NS : delayNs;
        }
    }

    private final int listenPort;
    private final int targetPort;
    private final int controlPort;
    private final VariableDelay delay = new VariableDelay();
    private NioReactor reactor;
    private TcpCrusher crusher;
    private HttpServer control;

    public FaultProxy(int listenPort, int targetPort, int controlPort) {
        this.listenPort = listenPort;
        this.targetPort = targetPort;
        this.controlPort = controlPort;
    }

    public synchronized FaultProxy start() throws IOException {
        reactor = new NioReactor();
        crusher = TcpCrusherBuilder.builder()
                .withReactor(reactor)
                .withBindAddress("127.0.0.1", listenPort)
                .withConnectAddress("127.0.0.1", targetPort)
                .withIncomingThrottlerFactory(addr -> delay)
                .withOutgoingThrottlerFactory(addr -> delay)
                // 4 × 16 KiB per direction and connection: netcrusher's default (64 × 32 KiB) took 4 MiB per proxied
                // connection, and a client with a few dozen connections exhausted this JVM's direct memory (OOM in
                // the selector loop, the proxy dead) during the nemesis' blackhole and latency faults.
                .withBufferCount(4)
                .withBufferSize(16 * 1024)
                .buildAndOpen();
        if (controlPort > 0) {
            control = LinkControl.start(controlPort, this);
        }
        return this;
    }

    @Override
    public void latency(long millis) {
        delay.delayNs = TimeUnit.MILLISECONDS.toNanos(Math.max(0, millis));
    }

    @Override
    public synchronized void blackhole() {
        crusher.freeze();
    }

    @Override
    public synchronized void reset() {
        delay.delayNs = 0;
        if (crusher.isFrozen()) {
            crusher.unfreeze();
        }
    }

    @Override
    public synchronized String state() {
        return "{\"listen\":" + listenPort + ",\"target\":" + targetPort + ",\"latencyMs\":"
                + TimeUnit.NANOSECONDS.toMillis(delay.delayNs) + ",\"blackhole\":" + crusher.isFrozen()
                + ",\"connections\":" + crusher.getClientTotalCount() + "}";
    }

    public int listenPort() {
        return listenPort;
    }

    @Override
    public synchronized void close() {
        if (control != null) {
            control.stop(0);
        }
        if (crusher != null) {
            crusher.close();
        }
        if (reactor != null) {
            reactor.close();
        }
    }
}
