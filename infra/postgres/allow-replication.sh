#!/bin/sh
# docker compose only: the primary accepts the eu replica's streaming connection (over the WAN link) with a password.
echo "host replication all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
