package dev.cdccache.console.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.util.TreeMap;

class FiguresTest {

    @Test
    void aQuantileIsTheUpperBoundOfTheBucketItFallsIn() {
        TreeMap<Double, Double> cumulative = new TreeMap<>();
        cumulative.put(0.005, 10.0);
        cumulative.put(0.01, 60.0);
        cumulative.put(0.05, 99.0);
        cumulative.put(Double.POSITIVE_INFINITY, 100.0);
        assertEquals(10.0, Figures.quantileMs(cumulative, 0.5));
        assertEquals(50.0, Figures.quantileMs(cumulative, 0.99));
        assertTrue(Double.isInfinite(Figures.quantileMs(cumulative, 0.999)));
        assertTrue(Double.isNaN(Figures.quantileMs(new TreeMap<>(), 0.5)));
    }
}
