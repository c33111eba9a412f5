#!/usr/bin/env bash
# eu's replica: `infra/replica.sh delay <ms>` (apply each commit that late; 0 = off) or `infra/replica.sh status`.
# Connects as the replica's superuser: postgres on the local stack (trusted on 127.0.0.1); under compose the
# database's own user (PG_ADMIN_USER=cdccache, PG_ADMIN_PASSWORD from your .env).
source "$(dirname "$0")/chaos/lib.sh"
[[ -d lag-probe/target/lib ]] || ./mvnw -q -B -DskipTests install -pl lag-probe -am
java -cp "lag-probe/target/lag-probe.jar:lag-probe/target/lib/*" dev.cdccache.probe.ReplicaControl "$@"
