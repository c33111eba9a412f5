package dev.cdccache.cache;

import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Which keys are read most, per process and per region. Every read is sampled (1 in {@value #SAMPLE_EVERY}) into a
 * bounded count map for the current period; at the end of each period the process's top-K (requests per second) is
 * published to the region's Redis as a per-minute sorted set, and the regional hot set is those minutes merged with
 * weights halving per minute of age (a decayed top-K). The hot set feeds the warming gate, the {@code cache_hot_keys}
 * gauge and {@code GET /cache/hot-keys}.
 */
public final class HotKeys implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(HotKeys.class);
    static final int SAMPLE_EVERY = 16;
    private static final int MAX_TRACKED = 20_000;
    private static final int MINUTES_KEPT = 10;
    private static final int GAUGED = 10;

    /** KEYS[1]: this minute's set; ARGV: ttl ms, then key and count pairs. */
    static final RedisPort.Script PUBLISH = new RedisPort.Script("hot-publish", """
            for i = 2, #ARGV, 2 do redis.call('ZINCRBY', KEYS[1], ARGV[i + 1], ARGV[i]) end
            redis.call('PEXPIRE', KEYS[1], ARGV[1])
            return 1
            """);

    /** KEYS: the minutes' sets, newest first, then a scratch key; ARGV: n, then one weight per minute. */
    static final RedisPort.Script MERGED = new RedisPort.Script("hot-merged", """
            local n = #KEYS - 1
            local args = {KEYS[#KEYS], n}
            for i = 1, n do args[#args + 1] = KEYS[i] end
            args[#args + 1] = 'WEIGHTS'
            for i = 1, n do args[#args + 1] = ARGV[i + 1] end
            redis.call('ZUNIONSTORE', unpack(args))
            local top = redis.call('ZREVRANGE', KEYS[#KEYS], 0, tonumber(ARGV[1]) - 1, 'WITHSCORES')
            redis.call('DEL', KEYS[#KEYS])
            return top
            """);

    /** A key and its rate (reads per second; regional: decayed, summed over the region's processes). */
    public record Entry(String key, double rate) {}

    private final String region;
    private final RedisPort redis;
    private final int topK;
    private final long periodMillis;
    private final MultiGauge gauge;
    private final ScheduledExecutorService publisher;
    private volatile Map<String, LongAdder> counts = new ConcurrentHashMap<>();
    private volatile long periodStart = System.currentTimeMillis();
    private volatile List<Entry> lastTop = List.of();

    HotKeys(String region, RedisPort redis, CacheMetrics metrics, int topK, long periodMillis) {
        this.region = region;
        this.redis = redis;
        this.topK = topK;
        this.periodMillis = periodMillis;
        this.gauge = MultiGauge.builder("cache.hot.keys")
                .description("reads per second of this process's hottest keys (sampled), top " + GAUGED)
                .register(metrics.registry());
        this.publisher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "hot-keys-" + region);
            t.setDaemon(true);
            return t;
        });
        publisher.scheduleWithFixedDelay(this::publishQuietly, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
    }

    /** Called on every read; costs one random number for 15 reads in 16. */
    public void record(String key) {
        if (ThreadLocalRandom.current().nextInt(SAMPLE_EVERY) != 0) {
            return;
        }
        Map<String, LongAdder> c = counts;
        LongAdder a = c.get(key);
        if (a == null) {
            if (c.size() >= MAX_TRACKED) {
                return; // a hot key shows up early in a period; a scan of cold keys must not grow this without bound
            }
            a = c.computeIfAbsent(key, k -> new LongAdder());
        }
        a.increment();
    }

    /** This process's top keys of the last complete period. */
    public List<Entry> local() {
        return lastTop;
    }

    /** The region's top {@code n} keys, merged over the last minutes with decaying weights. */
    public List<Entry> regional(int n) {
        long minute = System.currentTimeMillis() / 60_000;
        List<String> keys = new ArrayList<>();
        List<String> args = new ArrayList<>();
        args.add(Integer.toString(n));
        for (int age = 0; age < MINUTES_KEPT; age++) {
            keys.add(bucket(minute - age));
            args.add(Double.toString(Math.pow(0.5, age)));
        }
        keys.add("hot:{" + region + "}:merge:" + ThreadLocalRandom.current().nextLong(Long.MAX_VALUE));
        List<?> flat = (List<?>) redis.eval(MERGED, keys, args);
        List<Entry> out = new ArrayList<>(flat.size() / 2);
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            // Each minute's score is reads per second averaged over that minute's periods of one process.
            out.add(new Entry(String.valueOf(flat.get(i)), Double.parseDouble(String.valueOf(flat.get(i + 1)))));
        }
        return out;
    }

    private String bucket(long minute) {
        return "hot:{" + region + "}:" + minute;
    }

    private void publishQuietly() {
        try {
            publish();
        } catch (Exception e) {
            LOG.debugf("hot keys not published (%s)", e.getMessage());
        }
    }

    /** Ends the current period: its top-K becomes {@link #local()} and is added to this minute's regional set. */
    public void publish() {
        Map<String, LongAdder> ended = counts;
        long now = System.currentTimeMillis();
        double seconds = Math.max(0.001, (now - periodStart) / 1000.0);
        counts = new ConcurrentHashMap<>();
        periodStart = now;
        List<Entry> top = ended.entrySet().stream()
                .map(e -> new Entry(e.getKey(), e.getValue().sum() * (double) SAMPLE_EVERY / seconds))
                .sorted(Comparator.comparingDouble(Entry::rate).reversed())
                .limit(topK)
                .toList();
        lastTop = top;
        gauge.register(
                top.stream()
                        .limit(GAUGED)
                        .map(e -> MultiGauge.Row.of(Tags.of("region", region, "key", e.key()), e.rate()))
                        .toList(),
                true);
        if (top.isEmpty()) {
            return;
        }
        // Per minute: each period adds rate × (period / minute), so a minute's score is its average rate.
        double share = periodMillis / 60_000.0;
        List<String> args = new ArrayList<>();
        args.add(Long.toString(MINUTES_KEPT * 60_000L));
        for (Entry e : top) {
            args.add(e.key());
            args.add(Double.toString(e.rate() * share));
        }
        redis.eval(PUBLISH, List.of(bucket(now / 60_000)), args);
    }

    @Override
    public void close() {
        publisher.shutdownNow();
    }
}
