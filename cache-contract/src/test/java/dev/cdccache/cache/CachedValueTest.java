package dev.cdccache.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

class CachedValueTest {

    @Test
    void theValidatorIsTheRowVersionAndTheBodysCrc32InEightHexDigits() {
        String body = "{\"id\":42,\"name\":\"Grüße\"}";
        CRC32 crc = new CRC32();
        crc.update(body.getBytes(StandardCharsets.UTF_8));
        CachedValue v = new CachedValue(body, 7, CachedValue.Source.L1);
        assertEquals(String.format("7-%08x", crc.getValue()), v.validator());
        // a small CRC keeps its leading zeros
        CachedValue small = new CachedValue("", 3, CachedValue.Source.L1);
        assertEquals("3-00000000", small.validator());
    }

    @Test
    void bytesAndValidatorAreComputedOncePerValue() {
        CachedValue v = new CachedValue("{\"a\":\"é\"}", 1, CachedValue.Source.L1);
        assertSame(v.payloadBytes(), v.payloadBytes(), "an L1 hit must not encode the payload again");
        assertSame(v.validator(), v.validator());
        assertArrayEquals("{\"a\":\"é\"}".getBytes(StandardCharsets.UTF_8), v.payloadBytes());
    }

    @Test
    void aChangedBodyWithTheSameVersionGetsAnotherValidator() {
        assertNotEquals(
                new CachedValue("{\"price\":1}", 4, CachedValue.Source.L2).validator(),
                new CachedValue("{\"price\":2}", 4, CachedValue.Source.L2).validator());
    }

    @Test
    void valueSemanticsAsBefore() {
        assertEquals(new CachedValue("x", 1, CachedValue.Source.L2), new CachedValue("x", 1, CachedValue.Source.L2));
        assertNotEquals(new CachedValue("x", 1, CachedValue.Source.L2), new CachedValue("x", 1, CachedValue.Source.L1));
        assertNull(CachedValue.negative(CachedValue.Source.DB).payloadBytes());
        assertEquals(
                CachedValue.decode("5:{}", CachedValue.Source.L2), new CachedValue("{}", 5, CachedValue.Source.L2));
    }
}
