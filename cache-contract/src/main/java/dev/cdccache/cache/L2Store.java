package dev.cdccache.cache;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One region's L2 in Redis with lease-guarded fills (memcache leases, as at Facebook).
 *
 * <p>A reader that misses takes a lease token ({@code SET lease:k token NX PX}). Every invalidation deletes the key
 * and its lease in one {@code DEL}, and a fill writes only if its own token is still there (one Lua script), so a
 * value read before an invalidation can never be written after it.
 */
public final class L2Store {

    /** Only tests switch the lease check off (package-private), to prove the stale-set test catches the bug. */
    enum FillMode {
        LEASE_CHECKED,
        UNGUARDED_FOR_TESTS
    }

    /**
     * 1 = hit, 2 = lease granted, 3 = lease held by another reader, 4 = remote marker (read the primary); 5 and 6 are
     * 2 and 3 with a value past its TTL but within its data class's grace (ARGV[3] ms): an entry lives TTL + grace in
     * Redis and is fresh while its PTTL exceeds the grace. Only a reader whose database load fails may serve it.
     */
    static final RedisPort.Script GET_OR_LEASE = new RedisPort.Script("get-or-lease", """
            if redis.call('EXISTS', KEYS[3]) == 1 then return {4} end
            local v = redis.call('GET', KEYS[1])
            if v then
              local pttl = redis.call('PTTL', KEYS[1])
              local grace = tonumber(ARGV[3])
              if pttl < 0 or pttl > grace then return {1, v, pttl < 0 and pttl or pttl - grace} end
              if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return {5, v, grace - pttl} end
              return {6, v, grace - pttl}
            end
            if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return {2} end
            return {3}
            """);

    /**
     * An early refresh's lease (XFetch): granted only while the value is still there and no remote marker stands, so
     * readers keep hitting the value while one of them reloads it. 1 = granted.
     */
    static final RedisPort.Script LEASE_IF_PRESENT = new RedisPort.Script("lease-if-present", """
            if redis.call('EXISTS', KEYS[3]) == 1 then return 0 end
            if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
            if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
            return 0
            """);

    /** The correctness sampler's board: KEYS[1] the key's board; ARGV instance, entry, ttl. Returns every record. */
    static final RedisPort.Script RECORD_VERSION = new RedisPort.Script("record-l1-version", """
            redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
            redis.call('PEXPIRE', KEYS[1], ARGV[3])
            return redis.call('HGETALL', KEYS[1])
            """);

    static final RedisPort.Script FILL = new RedisPort.Script("fill", """
            if redis.call('GET', KEYS[2]) == ARGV[1] then
              redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
              redis.call('DEL', KEYS[2])
              return 1
            end
            return 0
            """);

    /**
     * A remote marker is a hash per key: field = the table whose row the write changed, value = that row's version
     * after the write. KEYS: markers of one slot; ARGV: ttl, then table and version per key. A field only grows.
     */
    static final RedisPort.Script MARK = new RedisPort.Script("mark", """
            for i = 1, #KEYS do
              local t, v = ARGV[2 * i], tonumber(ARGV[2 * i + 1])
              local cur = tonumber(redis.call('HGET', KEYS[i], t))
              if not cur or cur < v then redis.call('HSET', KEYS[i], t, v) end
              redis.call('PEXPIRE', KEYS[i], ARGV[1])
            end
            return #KEYS
            """);

    /**
     * Clears marker fields set by writes no newer than the invalidated change. ARGV per key: table, version (-1 for a
     * delete or an unknown version: cleared whatever it holds). The hash goes when its last field does.
     */
    static final RedisPort.Script CLEAR_MARKERS = new RedisPort.Script("clear-markers", """
            local n = 0
            for i = 1, #KEYS do
              local t, v = ARGV[2 * i - 1], tonumber(ARGV[2 * i])
              local cur = tonumber(redis.call('HGET', KEYS[i], t))
              if cur and (v < 0 or cur <= v) then n = n + redis.call('HDEL', KEYS[i], t) end
            end
            return n
            """);

    /** The version a marker gets when the writer does not know the row's new version: only its TTL lifts it. */
    static final long UNKNOWN_VERSION = 9_007_199_254_740_991L;

    static final RedisPort.Script RELEASE = new RedisPort.Script("release-lease", """
            if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
            return 0
            """);

    private static final int DEL_CHUNK = 256;

    private final RedisPort redis;
    private final FillMode fillMode;
    private volatile FlushHook flushHook = FlushHook.NONE;

    L2Store(RedisPort redis, FillMode fillMode) {
        this.redis = redis;
        this.fillMode = fillMode;
    }

    /** The outcome of a read: a value, a lease granted to this reader, or a lease held by someone else. */
    public sealed interface Lookup permits Hit, LeaseGranted, LeaseHeld, Marked {}

    public record Hit(CachedValue value, long remainingMillis) implements Lookup {}

    /** {@code stale}: the entry past its TTL, within its grace, or null. */
    public record LeaseGranted(String token, Stale stale) implements Lookup {}

    public record LeaseHeld(Stale stale) implements Lookup {}

    /** A value past its TTL by {@code staleForMillis}, kept for its data class's grace period. */
    public record Stale(CachedValue value, long staleForMillis) {}

    /** A write made in this region is not on its replica yet: read the primary, fill nothing. */
    public record Marked() implements Lookup {}

    public Lookup getOrLease(String key, String token, long leaseTtlMillis) {
        return getOrLease(key, token, leaseTtlMillis, 0);
    }

    /** @param graceMillis how long past its TTL the key's data class keeps a value (it was filled with TTL + grace) */
    public Lookup getOrLease(String key, String token, long leaseTtlMillis, long graceMillis) {
        List<?> r = (List<?>) redis.eval(
                GET_OR_LEASE,
                List.of(key, CacheKeys.lease(key), CacheKeys.marker(key)),
                List.of(token, Long.toString(leaseTtlMillis), Long.toString(graceMillis)));
        long status = (Long) r.get(0);
        if (status == 1) {
            return new Hit(CachedValue.decode((String) r.get(1), CachedValue.Source.L2), (Long) r.get(2));
        }
        if (status == 4) {
            return new Marked();
        }
        Stale stale = status >= 5
                ? new Stale(CachedValue.decode((String) r.get(1), CachedValue.Source.L2_STALE), (Long) r.get(2))
                : null;
        return status == 2 || status == 5 ? new LeaseGranted(token, stale) : new LeaseHeld(stale);
    }

    /** Records an instance's L1 version of {@code key} on the region's board and returns every recent record. */
    public Map<String, String> recordL1Version(String key, String instance, String entry, long ttlMillis) {
        List<?> flat = (List<?>)
                redis.eval(RECORD_VERSION, List.of("xv:" + key), List.of(instance, entry, Long.toString(ttlMillis)));
        Map<String, String> out = new HashMap<>();
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            out.put(String.valueOf(flat.get(i)), String.valueOf(flat.get(i + 1)));
        }
        return out;
    }

    /** Takes the lease of a key that still has a value (for an early refresh); false if absent, marked or leased. */
    public boolean leaseIfPresent(String key, String token, long leaseTtlMillis) {
        Object r = redis.eval(
                LEASE_IF_PRESENT,
                List.of(key, CacheKeys.lease(key), CacheKeys.marker(key)),
                List.of(token, Long.toString(leaseTtlMillis)));
        return Long.valueOf(1).equals(r);
    }

    /** Writes {@code value} only if {@code token} still holds the lease; returns whether it was written. */
    public boolean fill(String key, String token, CachedValue value, long ttlMillis) {
        if (fillMode == FillMode.UNGUARDED_FOR_TESTS) {
            redis.setPx(key, value.encode(), ttlMillis);
            return true;
        }
        Object written = redis.eval(
                FILL, List.of(key, CacheKeys.lease(key)), List.of(token, value.encode(), Long.toString(ttlMillis)));
        return Long.valueOf(1).equals(written);
    }

    /** Sets the remote markers of a write (one script per hash slot, all pipelined in one round trip). */
    public void mark(Collection<KeyMapper.Marker> markers, long ttlMillis) {
        markerScripts(MARK, markers, Long.toString(ttlMillis));
    }

    /** Clears the marker fields that {@code markers} (an invalidated batch's changes) are at least as new as. */
    public void clearMarkers(Collection<KeyMapper.Marker> markers) {
        markerScripts(CLEAR_MARKERS, markers, null);
    }

    private void markerScripts(RedisPort.Script script, Collection<KeyMapper.Marker> markers, String firstArg) {
        if (markers.isEmpty()) {
            return;
        }
        Map<Integer, List<KeyMapper.Marker>> bySlot = new HashMap<>();
        for (KeyMapper.Marker m : markers) {
            bySlot.computeIfAbsent(CacheKeys.slot(m.key()), s -> new ArrayList<>())
                    .add(m);
        }
        List<List<String>> keys = new ArrayList<>();
        List<List<String>> args = new ArrayList<>();
        for (List<KeyMapper.Marker> slot : bySlot.values()) {
            for (int from = 0; from < slot.size(); from += DEL_CHUNK) {
                List<String> k = new ArrayList<>();
                List<String> a = new ArrayList<>();
                if (firstArg != null) {
                    a.add(firstArg);
                }
                for (KeyMapper.Marker m : slot.subList(from, Math.min(slot.size(), from + DEL_CHUNK))) {
                    k.add(CacheKeys.marker(m.key()));
                    a.add(m.table());
                    long version = m.delete() ? -1 : m.version();
                    // Setting: an unknown version can only be outlived by the TTL; clearing: -1 clears.
                    a.add(Long.toString(firstArg != null && version < 0 ? UNKNOWN_VERSION : version));
                }
                keys.add(k);
                args.add(a);
            }
        }
        redis.evalAll(script, keys, args);
    }

    /**
     * Gives a lease back without filling (the holder's load failed), if it is still this holder's: other readers
     * then take their own lease at once instead of waiting for it to expire.
     */
    public void releaseLease(String key, String token) {
        redis.eval(RELEASE, List.of(CacheKeys.lease(key)), List.of(token));
    }

    /**
     * Deletes keys and their leases. One DEL holds keys of one hash slot only (so it is one atomic command on a
     * cluster shard too), at most {@value #DEL_CHUNK} keys with their leases; all DELs go in one pipelined round trip.
     * Returns the number of keys and leases removed.
     */
    public long delete(Collection<String> keys) {
        if (keys.isEmpty()) {
            return 0;
        }
        List<String> withLeases = new ArrayList<>(keys.size() * 2);
        for (String key : keys) {
            withLeases.add(key);
            withLeases.add(CacheKeys.lease(key));
        }
        return redis.del(bySlot(withLeases));
    }

    /** Groups keys by hash slot, in groups of at most {@value #DEL_CHUNK} * 2 (a key and its lease stay together). */
    static List<List<String>> bySlot(Collection<String> keys) {
        Map<Integer, List<String>> bySlot = new HashMap<>();
        for (String key : keys) {
            bySlot.computeIfAbsent(CacheKeys.slot(key), s -> new ArrayList<>()).add(key);
        }
        List<List<String>> chunks = new ArrayList<>();
        for (List<String> slotKeys : bySlot.values()) {
            for (int from = 0; from < slotKeys.size(); from += DEL_CHUNK * 2) {
                chunks.add(slotKeys.subList(from, Math.min(slotKeys.size(), from + DEL_CHUNK * 2)));
            }
        }
        return chunks;
    }

    /**
     * Deletes every key (and lease) under a prefix: a truncate invalidates a whole key space.
     *
     * <p>Leases first, then keys. A fill needs its lease to still be there: a fill that lands after the lease scan
     * passed its key was rejected, and one that landed before wrote a key the key scan then finds (SCAN returns
     * every key present for its whole duration). Keys first would let a fill read before the truncate land between
     * the two scans and survive a full TTL.
     */
    public long deletePrefix(String prefix) {
        return deletePrefix(prefix, false);
    }

    /** Like {@link #deletePrefix(String)}; with {@code markers} the key space's remote markers go last. */
    public long deletePrefix(String prefix, boolean markers) {
        long removed = deleteMatching(CacheKeys.lease(prefix) + "*");
        try {
            flushHook.betweenScans(prefix);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during a key-space flush", e);
        }
        removed += deleteMatching(prefix + "*");
        return markers ? removed + deleteMatching(CacheKeys.marker(prefix) + "*") : removed;
    }

    private long deleteMatching(String pattern) {
        long removed = 0;
        String cursor = "0";
        do {
            RedisPort.ScanPage page = redis.scan(cursor, pattern, 1000);
            if (!page.keys().isEmpty()) {
                removed += redis.del(bySlot(page.keys()));
            }
            cursor = page.cursor();
        } while (!"0".equals(cursor));
        return removed;
    }

    void setFlushHook(FlushHook hook) {
        this.flushHook = hook == null ? FlushHook.NONE : hook;
    }

    public String get(String key) {
        return redis.get(key);
    }

    /** The value stored for {@code key} now, decoded, or null (no lease taken, nothing refreshed). */
    public CachedValue peek(String key) {
        String stored = redis.get(key);
        return stored == null ? null : CachedValue.decode(stored, CachedValue.Source.L2);
    }
}
