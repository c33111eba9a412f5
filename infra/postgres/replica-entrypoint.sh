#!/bin/sh
# docker compose only: region eu's hot standby. First start: a base backup of the primary across the WAN link
# (pg_basebackup, with a physical slot so the WAL it needs is kept), -R writes standby.signal and primary_conninfo.
# Later starts resume streaming from the slot.
set -eu
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  mkdir -p "$PGDATA" && chown postgres:postgres "$PGDATA" && chmod 700 "$PGDATA"
  export PGPASSWORD="$POSTGRES_PASSWORD"
  gosu postgres pg_basebackup -h wan-eu -p 15442 -U "$POSTGRES_USER" -D "$PGDATA" -R -X stream -S eu_replica -C \
    || gosu postgres pg_basebackup -h wan-eu -p 15442 -U "$POSTGRES_USER" -D "$PGDATA" -R -X stream -S eu_replica
fi
exec docker-entrypoint.sh postgres -c hot_standby=on -c hot_standby_feedback=on -c max_connections=200 \
  -c max_wal_senders=10 -c max_replication_slots=10 -c wal_level=logical
