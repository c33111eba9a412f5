package dev.cdccache.stack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Random;

/** The WAN link delays bytes by its latency each way, and does not throttle: a stream keeps its throughput. */
class WanLinkTest {

    private static final int LATENCY_MS = 40;

    @Test
    void aRoundTripCostsTwiceTheLatencyAndABulkTransferIsNotThrottled() throws Exception {
        try (ServerSocket echo = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            Thread server = new Thread(() -> {
                try (Socket s = echo.accept();
                        InputStream in = s.getInputStream();
                        OutputStream out = s.getOutputStream()) {
                    in.transferTo(out);
                } catch (Exception ignored) {
                    // closed
                }
            });
            server.setDaemon(true);
            server.start();
            int port = BackingServices.freePort();
            try (WanLink link = new WanLink(port, echo.getLocalPort(), 0, LATENCY_MS).start();
                    Socket client = new Socket(InetAddress.getLoopbackAddress(), port)) {
                OutputStream out = client.getOutputStream();
                DataInputStream in = new DataInputStream(client.getInputStream());
                long t0 = System.nanoTime();
                out.write(1);
                out.flush();
                in.readByte();
                long rttMs = (System.nanoTime() - t0) / 1_000_000;
                assertTrue(rttMs >= 2 * LATENCY_MS, "round trip " + rttMs + " ms");

                // 8 MiB through the link both ways: a per-chunk throttle would take 8 MiB / 16 KiB × 40 ms ≈ 20 s.
                byte[] bulk = new byte[8 << 20];
                new Random(7).nextBytes(bulk);
                byte[] back = new byte[bulk.length];
                Thread writer = new Thread(() -> {
                    try {
                        out.write(bulk);
                        out.flush();
                    } catch (Exception ignored) {
                        // reported by the read below
                    }
                });
                long t1 = System.nanoTime();
                writer.start();
                in.readFully(back);
                long bulkMs = (System.nanoTime() - t1) / 1_000_000;
                assertArrayEquals(bulk, back);
                assertTrue(bulkMs < 3000, "8 MiB echoed in " + bulkMs + " ms");
            }
        }
    }
}
