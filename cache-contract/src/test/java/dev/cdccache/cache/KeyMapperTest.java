package dev.cdccache.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

class KeyMapperTest {

    @Test
    void priceChangeInvalidatesPriceAndCatalogView() {
        var inv = KeyMapper.map(RowChange.of("prices", RowChange.Op.UPDATE, "product_id", 42L));
        assertEquals(Set.of("prc:v2:price:{42}", "cat:v2:product:{42}"), inv.keys());
        assertTrue(inv.prefixes().isEmpty());
    }

    @Test
    void productChangesIncludingCreateInvalidateTheProductView() {
        for (RowChange.Op op : List.of(RowChange.Op.CREATE, RowChange.Op.UPDATE, RowChange.Op.DELETE)) {
            assertEquals(
                    Set.of("cat:v2:product:{7}"),
                    KeyMapper.map(RowChange.of("products", op, "id", "7")).keys());
        }
    }

    @Test
    void truncateInvalidatesKeySpaces() {
        var prices = KeyMapper.map(new RowChange("prices", RowChange.Op.TRUNCATE, null, -1, -1, -1));
        assertEquals(Set.of(CacheKeys.PRICE_PREFIX, CacheKeys.PRODUCT_VIEW_PREFIX), prices.prefixes());
        var products = KeyMapper.map(new RowChange("products", RowChange.Op.TRUNCATE, null, -1, -1, -1));
        assertEquals(Set.of(CacheKeys.PRODUCT_VIEW_PREFIX), products.prefixes());
    }

    @Test
    void unknownTablesAndBatchesMerge() {
        assertTrue(KeyMapper.map(RowChange.of("heartbeat", RowChange.Op.UPDATE, "id", 1))
                .isEmpty());
        var merged = KeyMapper.mapAll(List.of(
                RowChange.of("prices", RowChange.Op.UPDATE, "product_id", 1),
                RowChange.of("products", RowChange.Op.UPDATE, "id", 1),
                RowChange.of("prices", RowChange.Op.UPDATE, "product_id", 2)));
        assertEquals(
                Set.of("prc:v2:price:{1}", "cat:v2:product:{1}", "prc:v2:price:{2}", "cat:v2:product:{2}"),
                merged.keys());
    }

    @Test
    void aBulkBatchMapsEveryRowOnce() {
        List<RowChange> changes = new java.util.ArrayList<>();
        for (long id = 1; id <= 20_000; id++) {
            changes.add(RowChange.of("prices", RowChange.Op.UPDATE, "product_id", id));
            changes.add(RowChange.of("prices", RowChange.Op.UPDATE, "product_id", id)); // duplicates collapse
        }
        var inv = KeyMapper.mapAll(changes);
        assertEquals(40_000, inv.keys().size());
        assertTrue(inv.keys().contains("cat:v2:product:{20000}"));
    }

    /** A truncate, a poison record's compensation or a CDC reset flushes key spaces: they must cover every key. */
    @Test
    void everyKeyADeclaredTableFeedsLiesInOneOfItsKeySpaces() {
        for (CachedTable t : CachedTable.values()) {
            var row = KeyMapper.map(t.change(RowChange.Op.UPDATE, 12345));
            assertEquals(Set.copyOf(t.keysOf(12345)), row.keys(), t.name());
            for (String key : row.keys()) {
                assertTrue(t.keySpaces().stream().anyMatch(key::startsWith), key + " outside " + t.keySpaces());
            }
            assertEquals(
                    Set.copyOf(t.keySpaces()), KeyMapper.keySpacesOf(t.table()).prefixes(), t.name());
        }
    }

    /** Redis Cluster: a row's keys and their leases share one slot (CRC16 of the hash tag; reference values). */
    @Test
    void aRowsKeysAndLeasesShareOneHashSlot() {
        assertEquals(12739, CacheKeys.slot("123456789"), "CRC16/XMODEM check value 0x31C3 mod 16384");
        assertEquals(CacheKeys.slot("42"), CacheKeys.slot(CacheKeys.price(42)));
        for (String key : List.of(CacheKeys.price(42), CacheKeys.productView(42))) {
            assertEquals(CacheKeys.slot(CacheKeys.price(42)), CacheKeys.slot(key));
            assertEquals(CacheKeys.slot(key), CacheKeys.slot(CacheKeys.lease(key)));
        }
        for (List<String> group : L2Store.bySlot(List.of(CacheKeys.price(1), CacheKeys.price(2), CacheKeys.price(3)))) {
            assertEquals(1, group.stream().map(CacheKeys::slot).distinct().count(), "one slot per DEL: " + group);
        }
    }

    @Test
    void dataClassFollowsKeyPrefix() {
        assertEquals(DataClass.PRICE, CacheKeys.dataClassOf(CacheKeys.price(1)));
        assertEquals(DataClass.CATALOG, CacheKeys.dataClassOf(CacheKeys.productView(1)));
    }
}
