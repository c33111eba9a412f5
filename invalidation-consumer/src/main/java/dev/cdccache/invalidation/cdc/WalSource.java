package dev.cdccache.invalidation.cdc;

import java.sql.SQLException;

/** A WAL position read on demand, as bytes since 0/0 (see {@link WalPosition}). */
public interface WalSource extends AutoCloseable {

    long read() throws SQLException;

    @Override
    void close();
}
