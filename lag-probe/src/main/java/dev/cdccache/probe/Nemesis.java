package dev.cdccache.probe;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Pattern;

/**
 * A Jepsen-style nemesis against the running local stack. Paced writers (the price API in both regions, and plain
 * SQL) and paced readers on every read instance record a history while faults are injected and healed, each fault
 * repeated. A checker then computes, for every read, whether it returned a price version older than one already
 * acknowledged when the read started, and for how long that newer version had been acknowledged (its staleness).
 * Each stale read is compared with the bound of the faults active between that acknowledgement and the read. After
 * healing, every instance must converge to the database's version of every key (a key that does not is a lost
 * invalidation) and no Redis may hold an older version than the database.
 *
 * <p>{@code --faults a,b --reps N --hold-ms MS --heal-ms MS --keys K --first-product ID --write-rate W --read-rate R
 * --expect-violations true}. Prints one table and a JSON line; exits 1 when a read is stale beyond its bound or an
 * invalidation was lost (with {@code --expect-violations}: exits 1 unless it found some, proving it can fail).
 */
public final class Nemesis {

    // ---------------------------------------------------------------- history
    record Write(long key, long version, long ackNanos, String path, String region) {}

    record Read(String instance, String region, long key, long startNanos, long version) {}

    /** A fault interval; {@code bound(region, path)} is what the contract promises while it lasts and after. */
    record Phase(String fault, String region, long startNanos, long endNanos) {}

    private record Instance(String name, String region, String service, int port) {}

    private static final Pattern ACTIVE_RELAY = Pattern.compile("\"relay\"\\s*:\\s*\"ACTIVE\"");

    /** Write path in the reader's region: the write answered after DEL + acknowledged eviction; the L1 lease is 200 ms. */
    static final long WRITE_PATH_BOUND_MS = 250;
    /** Everything only CDC invalidates (SQL, the other region's writes); measured p99 is tens of ms. */
    static final long CDC_BOUND_MS = 2000;
    /** L1 TTL of the catalog (5 s + 15 % jitter) plus the CDC bound: what holds when evictions are dropped. */
    static final long L1_TTL_BOUND_MS = 5750 + CDC_BOUND_MS;
    /** After a kill -9 of the active relay or of one invalidator, CDC invalidation resumes within this (the target). */
    static final long FAILOVER_MS = 3000;

    /** The pause-relay fault stops the relay at least this long: past its 5 s silence rule. */
    static final long PAUSE_PAST_SILENCE_MS = 6000;

    /** The eu replica's apply delay during the replica-lag fault: eu's CDC bound grows by it. */
    static final long REPLICA_LAG_MS = 1000;

    private final ConcurrentLinkedQueue<Write> writes = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Read> reads = new ConcurrentLinkedQueue<>();
    private final List<Phase> phases = Collections.synchronizedList(new ArrayList<>());
    private final List<Long> failovers = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, int[]> faultCounts = Collections.synchronizedMap(new LinkedHashMap<>());
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(1))
            .build();
    private final List<Instance> instances = Topology.withRole("reader").stream()
            .map(p -> new Instance(p.name(), p.region(), p.service(), p.port()))
            .toList();
    private final Path root = StackEnv.root();
    private final long firstKey;
    private final int keys;
    private final long start = System.nanoTime();

    Nemesis(long firstKey, int keys) {
        this.firstKey = firstKey;
        this.keys = keys;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            opt.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        List<String> faults = Arrays.asList(opt.getOrDefault(
                        "faults",
                        "kill-relay,kill-invalidator,pause-invalidator,stop-redis,restart-kafka,restart-postgres,drop-dels,drop-l1,"
                                + "redis-blackhole,redis-latency,drop-dels+kill-invalidator,replica-lag,restart-replica,"
                                + "pause-relay,pause-machine")
                .split(","));
        int reps = Integer.parseInt(opt.getOrDefault("reps", "20"));
        long holdMs = Long.parseLong(opt.getOrDefault("hold-ms", "3000"));
        long healMs = Long.parseLong(opt.getOrDefault("heal-ms", "3000"));
        boolean expectViolations = Boolean.parseBoolean(opt.getOrDefault("expect-violations", "false"));
        Nemesis n = new Nemesis(
                Long.parseLong(opt.getOrDefault("first-product", "8001")),
                Integer.parseInt(opt.getOrDefault("keys", "40")));
        int writeRate = Integer.parseInt(opt.getOrDefault("write-rate", "15"));
        int readRate = Integer.parseInt(opt.getOrDefault("read-rate", "200"));
        System.out.printf(
                Locale.ROOT,
                "nemesis: faults %s × %d, hold %d ms, heal %d ms, %d keys, ~%d writes/s, ~%d reads/s%n",
                faults,
                reps,
                holdMs,
                healMs,
                n.keys,
                writeRate,
                readRate);
        int code = n.run(faults, reps, holdMs, healMs, writeRate, readRate, expectViolations);
        System.exit(code);
    }

    int run(
            List<String> faults,
            int reps,
            long holdMs,
            long healMs,
            int writeRate,
            int readRate,
            boolean expectViolations)
            throws Exception {
        List<Thread> workers = new ArrayList<>();
        for (String path : List.of("api-us", "api-eu", "sql")) {
            workers.add(start("writer-" + path, () -> writer(path, writeRate / 3.0)));
        }
        for (Instance in : instances) {
            workers.add(start("reader-" + in.name, () -> reader(in, readRate / (double) instances.size())));
        }
        sleepMs(healMs); // a baseline before the first fault
        try {
            for (int rep = 1; rep <= reps; rep++) {
                for (String fault : faults) {
                    inject(fault, rep, holdMs);
                    sleepMs(healMs);
                }
            }
        } finally {
            heal();
            running.set(false);
            for (Thread t : workers) {
                t.join(15_000);
            }
        }
        Convergence c = converge(Duration.ofSeconds(20));
        return report(faults, reps, c, expectViolations);
    }

    // ---------------------------------------------------------------- workload
    private void writer(String path, double perSecond) {
        long periodNanos = (long) (1e9 / Math.max(0.1, perSecond));
        try (Connection db = "sql".equals(path) ? connect() : null) {
            long next = System.nanoTime();
            while (running.get()) {
                long key = firstKey + ThreadLocalRandom.current().nextInt(keys);
                try {
                    long version;
                    if ("sql".equals(path)) {
                        version = sqlWrite(db, key);
                    } else {
                        int port = Topology.writer("pricing", "api-us".equals(path) ? "us" : "eu")
                                .port();
                        version = apiWrite(port, key);
                    }
                    if (version > 0) {
                        writes.add(new Write(
                                key,
                                version,
                                System.nanoTime(),
                                path.startsWith("api") ? "api" : "sql",
                                path.endsWith("eu") ? "eu" : path.endsWith("us") ? "us" : "-"));
                    }
                } catch (Exception e) {
                    // a write that failed (database restarting) is not acknowledged: it is not in the history
                }
                next += periodNanos;
                LockSupport.parkNanos(Math.max(0, next - System.nanoTime()));
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private long apiWrite(int port, long key) throws IOException, InterruptedException {
        long amount = 100 + ThreadLocalRandom.current().nextInt(100_000);
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/prices/" + key))
                        .header("Content-Type", "application/json")
                        .timeout(Duration.ofSeconds(5))
                        .PUT(HttpRequest.BodyPublishers.ofString(
                                "{\"amountMinor\":" + amount + ",\"currency\":\"USD\"}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200 && r.statusCode() != 201) {
            return -1;
        }
        return PriceVersions.parse(r.body(), false);
    }

    private static long sqlWrite(Connection db, long key) throws Exception {
        try (PreparedStatement ps = db.prepareStatement(
                "UPDATE prices SET amount_minor = amount_minor % 100000 + 1 WHERE product_id = ? RETURNING version")) {
            ps.setLong(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : -1;
            }
        }
    }

    private void reader(Instance in, double perSecond) {
        long periodNanos = (long) (1e9 / Math.max(0.1, perSecond));
        long next = System.nanoTime();
        while (running.get()) {
            long key = firstKey + ThreadLocalRandom.current().nextInt(keys);
            long t0 = System.nanoTime();
            long v = readVersion(in, key);
            if (v > 0) {
                reads.add(new Read(in.name, in.region, key, t0, v));
            }
            next += periodNanos;
            LockSupport.parkNanos(Math.max(0, next - System.nanoTime()));
        }
    }

    private long readVersion(Instance in, long key) {
        return PriceVersions.served(http, in.port, "catalog".equals(in.service), key, Duration.ofSeconds(3));
    }

    // ---------------------------------------------------------------- faults
    private void inject(String fault, int rep, long holdMs) throws Exception {
        String region = fault.contains("replica") ? "eu" : rep % 2 == 0 ? "us" : "eu";
        long t0 = System.nanoTime();
        switch (fault) {
            case "kill-relay" -> {
                // The active one (either relay may be active after earlier failovers); the standby takes the slot.
                String active = activeRelay();
                // From the signal, not from t0: finding the active relay and its pid is the harness's time.
                long killed = kill("-9", active);
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (activeRelayOrNull() == null && System.nanoTime() < until) {
                    LockSupport.parkNanos(20_000_000);
                }
                long failover = (System.nanoTime() - killed) / 1_000_000;
                failovers.add(failover);
                long end = System.nanoTime();
                stackUp(); // the killed relay comes back as the standby
                recorded(fault, region, rep, t0, end, active + " killed; standby streaming after " + failover + " ms");
                return;
            }
            case "kill-invalidator" -> {
                // invalidator-2 holds the other members of both regions' groups: it takes the partitions over.
                kill("-9", "invalidator-" + region);
                sleepMs(holdMs);
                stackUp();
            }
            case "pause-invalidator" -> {
                kill("-STOP", "invalidator-" + region);
                try {
                    sleepMs(holdMs);
                } finally {
                    kill("-CONT", "invalidator-" + region);
                }
            }
            case "pause-relay" -> {
                // The active relay stopped longer than its 5 s silence rule: when it runs again it must go on
                // streaming, not take its own walsender for another relay's and stand down (session 14's stall).
                String active = activeRelay();
                kill("-STOP", active);
                try {
                    sleepMs(Math.max(holdMs, PAUSE_PAST_SILENCE_MS));
                } finally {
                    kill("-CONT", active);
                }
                long end = System.nanoTime();
                recorded(fault, region, rep, t0, end, active + " stopped " + (end - t0) / 1_000_000 + " ms");
                return;
            }
            case "pause-machine" -> {
                // Every process of the stack and its children (PostgreSQL's backends, the broker, Redis) stopped
                // at once: a paused host as the stack sees it. This machine is a microVM its host can pause, and
                // the harness, outside the stack, keeps the clock.
                List<String> pids = stackPids();
                long stopped = System.nanoTime(); // the phase is the stop itself, not the harness finding pids
                exec(concat(List.of("kill", "-STOP"), pids));
                try {
                    sleepMs(holdMs);
                } finally {
                    exec(concat(List.of("kill", "-CONT"), pids));
                }
                long end = System.nanoTime();
                recorded(
                        fault,
                        region,
                        rep,
                        stopped,
                        end,
                        pids.size() + " processes stopped " + (end - stopped) / 1_000_000 + " ms");
                return;
            }
            case "stop-redis" -> {
                // Longer than the stack's max.poll.interval (20 s): the outage that used to end the invalidator.
                stack("stop", "redis-" + region);
                sleepMs(Math.max(holdMs, 22_000));
                stackUp();
            }
            case "restart-kafka" -> {
                stack("stop", "kafka");
                sleepMs(Math.min(holdMs, 2000));
                stackUp();
            }
            case "restart-postgres" -> {
                stack("stop", "postgres");
                sleepMs(Math.min(holdMs, 2000));
                stackUp();
            }
            case "replica-lag" -> {
                // eu's replica applies each commit a second late: eu's invalidations wait for it (the gate).
                replica("ALTER SYSTEM SET recovery_min_apply_delay = '" + REPLICA_LAG_MS + "ms'");
                try {
                    sleepMs(holdMs);
                } finally {
                    replica("ALTER SYSTEM RESET recovery_min_apply_delay");
                }
            }
            case "restart-replica" -> {
                // eu reads fall back to the primary; eu's invalidations wait until the replica is back.
                stack("stop", "postgres-eu");
                sleepMs(Math.min(holdMs, 2000));
                stackUp();
            }
            case "drop-dels" -> {
                chaos(1, 0);
                sleepMs(holdMs);
                chaos(0, 0);
            }
            case "drop-l1" -> {
                chaos(0, 1);
                sleepMs(holdMs);
                chaos(0, 0);
            }
            case "redis-blackhole" -> {
                proxy("blackhole");
                sleepMs(holdMs);
                proxy("reset");
            }
            case "redis-latency" -> {
                proxy("latency/150");
                sleepMs(holdMs);
                proxy("reset");
            }
            case "drop-dels+kill-invalidator" -> {
                chaos(1, 0);
                kill("-9", "invalidator-" + region);
                sleepMs(holdMs);
                chaos(0, 0);
                stackUp();
            }
            case "backstop-off" -> {
                // Not a fault the contract survives: DELs dropped with both invalidators stopped. Used to prove the
                // checker reports violations; the invalidators come back only after the run.
                chaos(1, 0);
                stack("stop", "invalidator-us");
                stack("stop", "invalidator-eu");
                stack("stop", "invalidator-2");
                sleepMs(holdMs);
                chaos(0, 0);
            }
            default -> throw new IllegalArgumentException("unknown fault " + fault);
        }
        phases.add(new Phase(fault, region, t0, System.nanoTime()));
        faultCounts.computeIfAbsent(fault, f -> new int[1])[0]++;
        boolean regional = fault.contains("invalidator") || fault.contains("replica") || "stop-redis".equals(fault);
        System.out.printf(
                Locale.ROOT,
                "%7.1f s  %-28s rep %2d %-3s (%d ms)%n",
                secs(t0),
                fault,
                rep,
                regional ? region : "",
                (System.nanoTime() - t0) / 1_000_000);
    }

    /** A fault whose phase is not the whole injection, with what happened in its line of the log. */
    private void recorded(String fault, String region, int rep, long fromNanos, long toNanos, String detail) {
        phases.add(new Phase(fault, region, fromNanos, toNanos));
        faultCounts.computeIfAbsent(fault, f -> new int[1])[0]++;
        System.out.printf(Locale.ROOT, "%7.1f s  %-28s rep %2d     (%s)%n", secs(fromNanos), fault, rep, detail);
    }

    /** Allowed staleness for a read in {@code region} of a version overtaken by a write on {@code path}. */
    long bound(String region, boolean writePath, long ackNanos, long readNanos) {
        long allowed = writePath ? WRITE_PATH_BOUND_MS : CDC_BOUND_MS;
        long margin = TimeUnit.MILLISECONDS.toNanos(CDC_BOUND_MS);
        synchronized (phases) {
            for (Phase p : phases) {
                if (p.endNanos + margin < ackNanos || p.startNanos > readNanos) {
                    continue; // did not overlap the window in which this version was stale
                }
                long duration = (p.endNanos - p.startNanos) / 1_000_000;
                boolean thisRegion = region.equals(p.region);
                long b = switch (p.fault) {
                    // The write path is untouched; what only CDC invalidates waits for the failover (a standby relay,
                    // the other member of the region's group), whose target is 3 s.
                    case "kill-relay" -> writePath ? WRITE_PATH_BOUND_MS : FAILOVER_MS + CDC_BOUND_MS;
                    // Only what CDC invalidates waits; the relay keeps the slot and catches up from where it was.
                    case "pause-relay" -> writePath ? WRITE_PATH_BOUND_MS : duration + CDC_BOUND_MS;
                    // Everything waited, the write path too (a write's DEL or eviction in flight when it stopped);
                    // afterwards the brokers' consumer groups have expired their members and rebalance.
                    case "pause-machine" -> duration + CDC_BOUND_MS + FAILOVER_MS;
                    case "kill-invalidator", "pause-invalidator" ->
                        writePath || !thisRegion ? allowed : FAILOVER_MS + CDC_BOUND_MS;
                    case "restart-kafka", "restart-postgres" ->
                        writePath ? WRITE_PATH_BOUND_MS : duration + CDC_BOUND_MS + FAILOVER_MS;
                    case "drop-dels" -> CDC_BOUND_MS;
                    // Writes made in eu stay fresh in eu (remote markers); the rest waits for eu's replica.
                    case "replica-lag" -> writePath || !thisRegion ? allowed : REPLICA_LAG_MS + CDC_BOUND_MS;
                    case "restart-replica" ->
                        writePath || !thisRegion ? allowed : duration + CDC_BOUND_MS + FAILOVER_MS;
                    case "drop-dels+kill-invalidator" -> thisRegion ? FAILOVER_MS + CDC_BOUND_MS : CDC_BOUND_MS;
                    case "drop-l1" -> L1_TTL_BOUND_MS;
                    case "backstop-off" -> CDC_BOUND_MS;
                    default -> allowed; // stop-redis, redis-blackhole, redis-latency: the normal bounds hold
                };
                allowed = Math.max(allowed, b);
            }
        }
        return allowed;
    }

    private String activeRelay() {
        String active = activeRelayOrNull();
        return active == null ? "cdc-relay" : active;
    }

    /** The relay whose readiness says it streams, or null while none does. */
    private String activeRelayOrNull() {
        for (Topology.Proc relay : Topology.withRole("relay")) {
            try {
                HttpResponse<String> res = http.send(
                        HttpRequest.newBuilder(URI.create(relay.http() + "/q/health/ready"))
                                .timeout(Duration.ofSeconds(1))
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (ACTIVE_RELAY.matcher(res.body()).find()) {
                    return relay.name();
                }
            } catch (Exception e) {
                // down: not the active one
            }
        }
        return null;
    }

    /** The faults whose phase overlaps [ack − CDC bound, read]: those a stale read is attributed to. */
    private List<String> faultsDuring(long ackNanos, long readNanos) {
        long margin = TimeUnit.MILLISECONDS.toNanos(CDC_BOUND_MS);
        List<String> out = new ArrayList<>();
        synchronized (phases) {
            for (Phase p : phases) {
                if (p.endNanos + margin >= ackNanos && p.startNanos <= readNanos && !out.contains(p.fault)) {
                    out.add(p.fault);
                }
            }
        }
        return out;
    }

    /** Sends the signal and returns when it was sent (nanoTime): failovers are measured from there. */
    private long kill(String signal, String component) throws Exception {
        String pid = stack("pid", component).trim();
        long sent = System.nanoTime();
        exec(List.of("kill", signal, pid));
        if ("-9".equals(signal)) {
            // Wait until it is really gone (or a zombie), so the restart does not find it "already running".
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            Path stat = Paths.get("/proc", pid, "stat");
            while (System.nanoTime() < until && Files.exists(stat)) {
                String st;
                try {
                    st = Files.readString(stat);
                } catch (IOException gone) {
                    break;
                }
                char state = st.charAt(st.lastIndexOf(')') + 2);
                if (state == 'Z' || state == 'X') {
                    break;
                }
                LockSupport.parkNanos(10_000_000);
            }
        }
        return sent;
    }

    /** A statement on eu's replica as its superuser, then a configuration reload. */
    private static void replica(String sql) throws Exception {
        String url = "jdbc:postgresql://127.0.0.1:" + StackEnv.port("PG_EU_PORT") + "/" + StackEnv.get("PG_DATABASE");
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(url, "postgres", "postgres");
                java.sql.Statement st = c.createStatement()) {
            st.execute(sql);
            st.execute("SELECT pg_reload_conf()");
        }
    }

    private void stackUp() throws Exception {
        stack("up");
    }

    private String stack(String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(root.resolve("infra/stack.sh").toString());
        cmd.addAll(List.of(args));
        return exec(cmd);
    }

    /**
     * Every running process of the stack and all their descendants, including what a node started and left to run
     * on its own (PostgreSQL's postmaster daemonizes away from its launcher: the stack records it in
     * {@code run/<name>.children}).
     */
    private List<String> stackPids() throws Exception {
        List<Long> roots = new ArrayList<>();
        for (Topology.Proc p : Topology.all()) {
            roots.add(Long.parseLong(stack("pid", p.name()).trim()));
            Path children = StackEnv.stackFile("run/" + p.name() + ".children");
            if (Files.exists(children)) {
                for (String line : Files.readAllLines(children)) {
                    if (!line.isBlank()) {
                        roots.add(Long.parseLong(line.trim()));
                    }
                }
            }
        }
        java.util.Set<String> pids = new java.util.LinkedHashSet<>();
        for (long pid : roots) {
            ProcessHandle.of(pid).filter(ProcessHandle::isAlive).ifPresent(h -> {
                pids.add(Long.toString(pid));
                h.descendants().forEach(d -> pids.add(Long.toString(d.pid())));
            });
        }
        return List.copyOf(pids);
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    private String exec(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd)
                .directory(root.toFile())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
        }
        return out;
    }

    private void chaos(double dropDels, double dropL1) throws Exception {
        String token = Files.readString(StackEnv.stackFile("admin-token")).trim();
        List<Integer> ports =
                new ArrayList<>(instances.stream().map(i -> i.port).toList());
        Topology.withRole("invalidator").forEach(p -> ports.add(p.port()));
        for (int port : ports) {
            try {
                http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/admin/chaos"))
                                .header("Content-Type", "application/json")
                                .header("X-Admin-Token", token)
                                .timeout(Duration.ofSeconds(5))
                                .PUT(HttpRequest.BodyPublishers.ofString(
                                        "{\"dropDelRate\":" + dropDels + ",\"dropL1BroadcastRate\":" + dropL1 + "}"))
                                .build(),
                        HttpResponse.BodyHandlers.discarding());
            } catch (IOException e) {
                // a process another fault has stopped: it starts with chaos off
            }
        }
    }

    private void proxy(String action) throws Exception {
        http.send(
                HttpRequest.newBuilder(URI.create(
                                "http://127.0.0.1:" + StackEnv.port("REDIS_US_PROXY_CONTROL_PORT") + "/" + action))
                        .timeout(Duration.ofSeconds(5))
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.discarding());
    }

    private void heal() {
        try {
            chaos(0, 0);
        } catch (Exception ignored) {
            // reported by the convergence check if it mattered
        }
        try {
            proxy("reset");
        } catch (Exception ignored) {
            // no proxy (compose)
        }
        try {
            stackUp();
        } catch (Exception e) {
            System.out.println("heal: stack up failed: " + e.getMessage());
        }
    }

    // ---------------------------------------------------------------- convergence
    record Convergence(int lost, List<String> details, int redisBehind) {}

    /** Every instance must serve the database's version of every key within the deadline; Redis never behind it. */
    private Convergence converge(Duration deadline) throws Exception {
        Map<Long, Long> db = new HashMap<>();
        try (Connection c = connect();
                PreparedStatement ps =
                        c.prepareStatement("SELECT product_id, version FROM prices WHERE product_id BETWEEN ? AND ?")) {
            ps.setLong(1, firstKey);
            ps.setLong(2, firstKey + keys - 1);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    db.put(rs.getLong(1), rs.getLong(2));
                }
            }
        }
        long until = System.nanoTime() + deadline.toNanos();
        List<String> behind = new ArrayList<>();
        for (Instance in : instances) {
            for (var e : db.entrySet()) {
                long seen;
                do {
                    seen = readVersion(in, e.getKey());
                    if (seen >= e.getValue()) {
                        break;
                    }
                    LockSupport.parkNanos(20_000_000);
                } while (System.nanoTime() < until);
                if (seen < e.getValue()) {
                    behind.add(in.name + " key " + e.getKey() + " serves v" + seen + " < v" + e.getValue());
                }
            }
        }
        int redisBehind = 0;
        for (String region : Topology.regions()) {
            int port = Topology.redis(region).port();
            io.lettuce.core.RedisClient client = io.lettuce.core.RedisClient.create("redis://127.0.0.1:" + port);
            try (var conn = client.connect()) {
                for (var e : db.entrySet()) {
                    for (String key : List.of(
                            dev.cdccache.cache.CacheKeys.price(e.getKey()),
                            dev.cdccache.cache.CacheKeys.productView(e.getKey()))) {
                        String v = conn.sync().get(key);
                        long held = PriceVersions.parse(v, key.startsWith("cat"));
                        if (held >= 0 && held < e.getValue()) {
                            redisBehind++;
                            behind.add("redis-" + region + " " + key + " holds v" + held + " < v" + e.getValue());
                        }
                    }
                }
            } finally {
                client.shutdown();
            }
        }
        return new Convergence(behind.size(), behind, redisBehind);
    }

    // ---------------------------------------------------------------- checker and report
    private record Row(String fault, String classKey) {}

    private int report(List<String> faults, int reps, Convergence conv, boolean expectViolations) {
        Map<Long, List<Write>> byKey = new HashMap<>();
        for (Write w : writes) {
            byKey.computeIfAbsent(w.key, k -> new ArrayList<>()).add(w);
        }
        byKey.values().forEach(l -> l.sort((a, b) -> Long.compare(a.version, b.version)));
        Map<String, long[]> classes = new TreeMap<>(); // region/path → {reads, stale, beyondBound, maxMs, within1s}
        List<Long> staleness = new ArrayList<>();
        long beyond = 0;
        List<String> examples = new ArrayList<>();
        Map<String, long[]> perFault = new HashMap<>(); // fault → {max stale ms, beyond bound}
        long totalReads = 0;
        long staleReads = 0;
        long within1s = 0;
        for (Read r : reads) {
            totalReads++;
            List<Write> ws = byKey.getOrDefault(r.key, List.of());
            // the first acknowledged version newer than the one served, acknowledged before the read started
            Write overtaking = null;
            for (Write w : ws) {
                if (w.version > r.version && w.ackNanos < r.startNanos) {
                    if (overtaking == null || w.ackNanos < overtaking.ackNanos) {
                        overtaking = w;
                    }
                }
            }
            if (overtaking == null) {
                within1s++;
                continue;
            }
            boolean writePath = "api".equals(overtaking.path) && overtaking.region.equals(r.region);
            String cls = r.region + "/" + (writePath ? "write-path" : "cdc");
            long[] c = classes.computeIfAbsent(cls, k -> new long[5]);
            long ms = (r.startNanos - overtaking.ackNanos) / 1_000_000;
            staleReads++;
            staleness.add(ms);
            c[1]++;
            c[3] = Math.max(c[3], ms);
            if (ms <= 1000) {
                within1s++;
            }
            long allowed = bound(r.region, writePath, overtaking.ackNanos, r.startNanos);
            for (String f : faultsDuring(overtaking.ackNanos, r.startNanos)) {
                long[] m = perFault.computeIfAbsent(f, k -> new long[2]);
                m[0] = Math.max(m[0], ms);
                if (ms > allowed) {
                    m[1]++;
                }
            }
            if (ms > allowed) {
                beyond++;
                c[2]++;
                if (examples.size() < 10) {
                    examples.add(String.format(
                            Locale.ROOT,
                            "%s key %d served v%d at %.3f s; v%d (%s %s) acknowledged %d ms earlier; bound %d ms",
                            r.instance,
                            r.key,
                            r.version,
                            secs(r.startNanos),
                            overtaking.version,
                            overtaking.path,
                            overtaking.region,
                            ms,
                            allowed));
                }
            }
        }
        Collections.sort(staleness);
        long maxMs = staleness.isEmpty() ? 0 : staleness.get(staleness.size() - 1);
        long p99 = staleness.isEmpty()
                ? 0
                : staleness.get((int) Math.min(staleness.size() - 1, Math.ceil(staleness.size() * 0.99) - 1));
        System.out.println();
        System.out.printf(Locale.ROOT, "%-28s %5s %16s %14s%n", "fault", "reps", "max stale ms", "beyond bound");
        for (String f : faults) {
            long[] m = perFault.getOrDefault(f, new long[2]);
            System.out.printf(
                    Locale.ROOT, "%-28s %5d %16d %14d%n", f, faultCounts.getOrDefault(f, new int[1])[0], m[0], m[1]);
        }
        if (!failovers.isEmpty()) {
            List<Long> f = new ArrayList<>(failovers);
            Collections.sort(f);
            System.out.printf(
                    Locale.ROOT,
                    "relay failover (kill -9 → standby streaming): n %d, median %d ms, max %d ms%n",
                    f.size(),
                    f.get(f.size() / 2),
                    f.get(f.size() - 1));
        }
        System.out.println();
        System.out.printf(
                Locale.ROOT, "%-16s %11s %14s %14s%n", "region/path", "stale reads", "beyond bound", "max stale ms");
        for (var e : classes.entrySet()) {
            System.out.printf(
                    Locale.ROOT,
                    "%-16s %11d %14d %14d%n",
                    e.getKey(),
                    e.getValue()[1],
                    e.getValue()[2],
                    e.getValue()[3]);
        }
        System.out.println();
        examples.forEach(x -> System.out.println("  beyond bound: " + x));
        conv.details.stream().limit(10).forEach(x -> System.out.println("  not converged: " + x));
        double nines = totalReads == 0 ? 1 : within1s / (double) totalReads;
        System.out.printf(
                Locale.ROOT,
                "writes %d, reads %d, stale reads %d (p99 %d ms, max %d ms), beyond bound %d, "
                        + "fresh-within-1s %.5f, lost invalidations %d, redis behind db %d%n",
                writes.size(),
                totalReads,
                staleReads,
                p99,
                maxMs,
                beyond,
                nines,
                conv.lost,
                conv.redisBehind);
        boolean violated = beyond > 0 || conv.lost > 0;
        StringBuilder json = new StringBuilder(String.format(
                Locale.ROOT,
                "{\"nemesis\":{\"failoverMaxMs\":%d,\"reps\":%d,\"faults\":\"%s\",\"writes\":%d,\"reads\":%d,\"staleReads\":%d,\"p99StaleMs\":%d,"
                        + "\"maxStaleMs\":%d,\"beyondBound\":%d,\"freshWithin1s\":%.5f,\"lostInvalidations\":%d,\"redisBehind\":%d,\"classes\":{",
                failovers.stream().mapToLong(Long::longValue).max().orElse(-1),
                reps,
                String.join(",", faults),
                writes.size(),
                totalReads,
                staleReads,
                p99,
                maxMs,
                beyond,
                nines,
                conv.lost,
                conv.redisBehind));
        boolean first = true;
        for (var e : classes.entrySet()) {
            json.append(first ? "" : ",")
                    .append(String.format(
                            Locale.ROOT,
                            "\"%s\":{\"stale\":%d,\"beyondBound\":%d,\"maxMs\":%d}",
                            e.getKey(),
                            e.getValue()[1],
                            e.getValue()[2],
                            e.getValue()[3]));
            first = false;
        }
        System.out.println(json.append("}}}"));
        if (expectViolations) {
            System.out.println(
                    violated
                            ? "VIOLATIONS DETECTED (as expected: the checker can fail)"
                            : "NO VIOLATION DETECTED: the checker missed a broken contract");
            return violated ? 0 : 1;
        }
        if (violated) {
            printSlowChanges();
        }
        System.out.println(violated ? "CONTRACT VIOLATED" : "CONTRACT HELD");
        return violated ? 1 : 0;
    }

    /**
     * The relay's and the invalidators' own account of changes slower than {@code cdc.slow-change-log} during this
     * run, stage by stage: when a read was stale beyond its bound, this says where the invalidation spent the time.
     */
    private void printSlowChanges() {
        Path logs = StackEnv.root().resolve(StackEnv.get("STACK_DIR")).resolve("logs");
        String since = LocalTime.now()
                .minusNanos(System.nanoTime() - start)
                .format(DateTimeFormatter.ofPattern("HH:mm:ss.SSS"));
        List<String> lines = new ArrayList<>();
        try (var files = Files.list(logs)) {
            for (Path f : files.filter(
                            x -> x.toString().endsWith(".log") && !x.toString().endsWith(".gc.log"))
                    .sorted()
                    .toList()) {
                String name = f.getFileName().toString();
                for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                    if ((line.contains("slow change") || line.contains("slow batch"))
                            && line.length() > 12
                            && line.substring(0, 12).compareTo(since) >= 0) {
                        lines.add(line.substring(0, 12) + " " + name.replace(".log", "") + ": "
                                + line.substring(line.indexOf(") ") + 2));
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            System.out.println("slow changes: could not read " + logs + " (" + e + ")");
            return;
        }
        lines.sort(null);
        System.out.printf(Locale.ROOT, "%nslow changes logged during the run (%d; the last 40):%n", lines.size());
        lines.subList(Math.max(0, lines.size() - 40), lines.size()).forEach(l -> System.out.println("  " + l));
    }

    // ---------------------------------------------------------------- helpers
    private double secs(long nanos) {
        return (nanos - start) / 1e9;
    }

    private static Thread start(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void sleepMs(long ms) throws InterruptedException {
        Thread.sleep(ms); // the nemesis's own schedule: how long a fault is held, how long the stack heals
    }

    private static Connection connect() throws Exception {
        return DriverManager.getConnection(StackEnv.jdbcUrl(), StackEnv.user(), StackEnv.password());
    }
}
