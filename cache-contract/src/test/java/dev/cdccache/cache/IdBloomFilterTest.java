package dev.cdccache.cache;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class IdBloomFilterTest {

    @Test
    void everyAddedIdIsFoundAndTheFalsePositiveRateIsNearItsTarget() {
        IdBloomFilter f = new IdBloomFilter(100_000, 0.01);
        for (long id = 1; id <= 100_000; id++) {
            f.add(id);
        }
        for (long id = 1; id <= 100_000; id++) {
            assertTrue(f.mightContain(id), "no false negative: " + id);
        }
        int fp = 0;
        for (long id = 1_000_000; id < 1_100_000; id++) {
            if (f.mightContain(id)) {
                fp++;
            }
        }
        double rate = fp / 100_000.0;
        assertTrue(rate < 0.02, "observed FP rate " + rate);
        assertTrue(Math.abs(f.expectedFpp(100_000) - 0.01) < 0.005, "expected " + f.expectedFpp(100_000));
    }

    @Test
    void concurrentAddsLoseNothing() throws Exception {
        IdBloomFilter f = new IdBloomFilter(200_000, 0.01);
        Thread[] threads = new Thread[4];
        for (int t = 0; t < threads.length; t++) {
            int offset = t;
            threads[t] = new Thread(() -> {
                for (long id = offset; id < 200_000; id += 4) {
                    f.add(id);
                }
            });
            threads[t].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        for (long id = 0; id < 200_000; id++) {
            assertTrue(f.mightContain(id), "lost " + id);
        }
    }
}
