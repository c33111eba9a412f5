package dev.cdccache.console.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Changes a product's price the three ways the system knows: through pricing-service in us or in eu (the API, its
 * write path), or as plain SQL on the primary (a batch job no service knows about: CDC alone). Then it looks at
 * every instance at once, so the lanes start at the moment the write answered.
 */
@ApplicationScoped
public class Writes {

    /** The write could not be made; {@code status} is the HTTP status the console answers with. */
    public static final class Refused extends RuntimeException {
        public final int status;

        public Refused(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Topology topology;
    private final AgroalDataSource primary;
    private final Faults faults;
    private final WriteLog log;
    private final Watches watches;
    private final HttpClient http;

    public Writes(Topology topology, AgroalDataSource primary, Faults faults, WriteLog log, Watches watches) {
        this.http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        this.topology = topology;
        this.primary = primary;
        this.faults = faults;
        this.log = log;
        this.watches = watches;
    }

    public WriteLog.Write write(long productId, String via) throws Exception {
        long amount = 100 + ThreadLocalRandom.current().nextLong(1_000_000);
        Faults.State inForce = faults.state();
        long version;
        String writerRegion;
        switch (via) {
            case "pricing-us", "pricing-eu" -> {
                writerRegion = via.substring("pricing-".length());
                version = api(topology.pricing(writerRegion), productId, amount);
            }
            case "sql" -> {
                writerRegion = null;
                version = sql(productId, amount);
            }
            default -> throw new Refused(400, "via must be pricing-us, pricing-eu or sql");
        }
        WriteLog.Write w = log.open(
                productId, via, writerRegion, version, System.currentTimeMillis(), inForce, topology.readers());
        watches.lookNow(productId);
        return w;
    }

    private long api(Topology.Reader pricing, long id, long amount) throws Exception {
        HttpResponse<String> res = http.send(
                HttpRequest.newBuilder(URI.create(pricing.url() + "/prices/" + id))
                        .timeout(Duration.ofSeconds(10))
                        .header("Content-Type", "application/json")
                        .PUT(HttpRequest.BodyPublishers.ofString(
                                "{\"amountMinor\": " + amount + ", \"currency\": \"USD\"}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (res.statusCode() == 404) {
            throw new Refused(404, "product " + id + " does not exist");
        }
        if (res.statusCode() != 200 && res.statusCode() != 201) {
            throw new Refused(502, pricing.name() + " answered " + res.statusCode());
        }
        return JSON.readTree(res.body()).path("version").asLong();
    }

    private long sql(long id, long amount) throws Exception {
        try (Connection c = primary.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "UPDATE prices SET amount_minor = ? WHERE product_id = ? RETURNING version")) {
            ps.setLong(1, amount);
            ps.setLong(2, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new Refused(404, "product " + id + " has no price");
                }
                return rs.getLong(1);
            }
        }
    }
}
