package dev.cdccache.cache;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.sync.RedisCommands;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One region's L2 in Redis with lease-guarded fills (memcache leases, as at Facebook).
 *
 * <p>A reader that misses takes a lease token ({@code SET lease:k token NX PX}). Every invalidation deletes the key
 * and its lease in one {@code DEL}, and a fill writes only if its own token is still there (one Lua script), so a
 * value read before an invalidation can never be written after it.
 */
public final class L2Store {

    /** Only tests switch the lease check off, to prove the stale-set test catches the bug. */
    public enum FillMode {
        LEASE_CHECKED,
        UNGUARDED_FOR_TESTS
    }

    static final String GET_OR_LEASE = """
            local v = redis.call('GET', KEYS[1])
            if v then return {1, v, redis.call('PTTL', KEYS[1])} end
            if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return {2} end
            return {3}
            """;

    static final String FILL = """
            if redis.call('GET', KEYS[2]) == ARGV[1] then
              redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
              redis.call('DEL', KEYS[2])
              return 1
            end
            return 0
            """;

    static final String RELEASE = """
            if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
            return 0
            """;

    private static final int DEL_CHUNK = 256;

    private final RedisConnectionHolder connection;
    private final FillMode fillMode;
    private final long timeoutMillis;
    private volatile FlushHook flushHook = FlushHook.NONE;

    public L2Store(RedisConnectionHolder connection, FillMode fillMode, long timeoutMillis) {
        this.connection = connection;
        this.fillMode = fillMode;
        this.timeoutMillis = timeoutMillis;
    }

    /** The outcome of a read: a value, a lease granted to this reader, or a lease held by someone else. */
    public sealed interface Lookup permits Hit, LeaseGranted, LeaseHeld {}

    public record Hit(CachedValue value, long remainingMillis) implements Lookup {}

    public record LeaseGranted(String token) implements Lookup {}

    public record LeaseHeld() implements Lookup {}

    public Lookup getOrLease(String key, String token, long leaseTtlMillis) {
        List<Object> r = sync().eval(
                        GET_OR_LEASE,
                        ScriptOutputType.MULTI,
                        new String[] {key, CacheKeys.lease(key)},
                        token,
                        Long.toString(leaseTtlMillis));
        long status = (Long) r.get(0);
        if (status == 1) {
            return new Hit(CachedValue.decode((String) r.get(1), CachedValue.Source.L2), (Long) r.get(2));
        }
        return status == 2 ? new LeaseGranted(token) : new LeaseHeld();
    }

    /** Writes {@code value} only if {@code token} still holds the lease; returns whether it was written. */
    public boolean fill(String key, String token, CachedValue value, long ttlMillis) {
        if (fillMode == FillMode.UNGUARDED_FOR_TESTS) {
            sync().psetex(key, ttlMillis, value.encode());
            return true;
        }
        Long written = sync().eval(
                        FILL,
                        ScriptOutputType.INTEGER,
                        new String[] {key, CacheKeys.lease(key)},
                        token,
                        value.encode(),
                        Long.toString(ttlMillis));
        return written != null && written == 1L;
    }

    /**
     * Gives a lease back without filling (the holder's load failed), if it is still this holder's: other readers
     * then take their own lease at once instead of waiting for it to expire.
     */
    public void releaseLease(String key, String token) {
        sync().eval(RELEASE, ScriptOutputType.INTEGER, new String[] {CacheKeys.lease(key)}, token);
    }

    /** Deletes keys and their leases, pipelined in chunks; each chunk is one atomic DEL. Returns keys removed. */
    public long delete(Collection<String> keys) {
        if (keys.isEmpty()) {
            return 0;
        }
        List<RedisFuture<Long>> pending = new ArrayList<>();
        List<String> chunk = new ArrayList<>(DEL_CHUNK * 2);
        for (String key : keys) {
            chunk.add(key);
            chunk.add(CacheKeys.lease(key));
            if (chunk.size() >= DEL_CHUNK * 2) {
                pending.add(connection.get().async().del(chunk.toArray(String[]::new)));
                chunk = new ArrayList<>(DEL_CHUNK * 2);
            }
        }
        if (!chunk.isEmpty()) {
            pending.add(connection.get().async().del(chunk.toArray(String[]::new)));
        }
        long removed = 0;
        for (RedisFuture<Long> f : pending) {
            removed += await(f);
        }
        return removed;
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
        long removed = deleteMatching(CacheKeys.lease(prefix) + "*");
        try {
            flushHook.betweenScans(prefix);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during a key-space flush", e);
        }
        return removed + deleteMatching(prefix + "*");
    }

    private long deleteMatching(String pattern) {
        long removed = 0;
        ScanCursor cursor = ScanCursor.INITIAL;
        do {
            KeyScanCursor<String> page =
                    sync().scan(cursor, ScanArgs.Builder.matches(pattern).limit(1000));
            if (!page.getKeys().isEmpty()) {
                removed += sync().del(page.getKeys().toArray(String[]::new));
            }
            cursor = page;
        } while (!cursor.isFinished());
        return removed;
    }

    public void setFlushHook(FlushHook hook) {
        this.flushHook = hook == null ? FlushHook.NONE : hook;
    }

    public String get(String key) {
        return sync().get(key);
    }

    private RedisCommands<String, String> sync() {
        return connection.get().sync();
    }

    private long await(RedisFuture<Long> f) {
        try {
            Long v = f.get(timeoutMillis, TimeUnit.MILLISECONDS);
            return v == null ? 0 : v;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while deleting keys", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("DEL failed: " + e.getMessage(), e);
        }
    }
}
