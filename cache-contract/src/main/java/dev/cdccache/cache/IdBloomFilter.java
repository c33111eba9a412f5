package dev.cdccache.cache;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A Bloom filter of numeric ids (Kirsch–Mitzenmacher double hashing over a 64-bit mix), sized for an expected count
 * and false-positive rate. Adding is thread-safe and lock-free; a lookup never blocks.
 */
public final class IdBloomFilter {

    private final AtomicLongArray words;
    private final long bits;
    private final int hashes;

    /**
     * @param expected ids the filter is sized for (it still answers correctly beyond, with a higher FP rate)
     * @param fpp      target false-positive probability at {@code expected} ids, in (0, 1)
     */
    public IdBloomFilter(long expected, double fpp) {
        if (fpp <= 0 || fpp >= 1) {
            throw new IllegalArgumentException("fpp must be within (0, 1)");
        }
        long n = Math.max(1, expected);
        long m = (long) Math.ceil(-n * Math.log(fpp) / (Math.log(2) * Math.log(2)));
        this.bits = Math.max(64, (m + 63) / 64 * 64);
        this.hashes = Math.max(1, (int) Math.round((double) bits / n * Math.log(2)));
        this.words = new AtomicLongArray((int) Math.min(Integer.MAX_VALUE, bits / 64));
    }

    public void add(long id) {
        long h = mix(id);
        long h1 = h >>> 32;
        long h2 = h & 0xffffffffL;
        for (int i = 0; i < hashes; i++) {
            long bit = Math.floorMod(h1 + i * h2, bits);
            int word = (int) (bit >>> 6);
            long mask = 1L << (bit & 63);
            long cur;
            do {
                cur = words.get(word);
                if ((cur & mask) != 0) {
                    break;
                }
            } while (!words.compareAndSet(word, cur, cur | mask));
        }
    }

    /** False: {@code id} was certainly never added. True: it probably was. */
    public boolean mightContain(long id) {
        long h = mix(id);
        long h1 = h >>> 32;
        long h2 = h & 0xffffffffL;
        for (int i = 0; i < hashes; i++) {
            long bit = Math.floorMod(h1 + i * h2, bits);
            if ((words.get((int) (bit >>> 6)) & (1L << (bit & 63))) == 0) {
                return false;
            }
        }
        return true;
    }

    /** The false-positive probability this filter has after {@code added} ids: (1 − e^(−k·n/m))^k. */
    public double expectedFpp(long added) {
        return Math.pow(1 - Math.exp(-(double) hashes * added / bits), hashes);
    }

    public long bits() {
        return bits;
    }

    public int hashes() {
        return hashes;
    }

    /** MurmurHash3's 64-bit finalizer: neighbouring ids land far apart. */
    private static long mix(long k) {
        k ^= k >>> 33;
        k *= 0xff51afd7ed558ccdL;
        k ^= k >>> 33;
        k *= 0xc4ceb9fe1a85ec53L;
        k ^= k >>> 33;
        return k;
    }
}
