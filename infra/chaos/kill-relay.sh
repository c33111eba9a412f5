#!/usr/bin/env bash
# Both CDC relays (the active one and its warm standby) are killed and DELs are dropped: nothing invalidates until a
# relay returns; then every change committed meanwhile is replayed from the replication slot. (A kill of the active
# relay alone is a failover to the standby within seconds: make nemesis FAULTS=kill-relay measures it.)
source "$(dirname "$0")/lib.sh"
WRITES="${WRITES:-20}"; DOWN_S="${DOWN_S:-10}"
require_stack
trap 'chaos_off; infra/stack.sh up >/dev/null 2>&1 || true' EXIT
say "BREAK: kill -9 both CDC relays (active and standby) and drop every write-path DEL and L1 broadcast"
kill -9 "$(infra/stack.sh pid cdc-relay)" "$(infra/stack.sh pid cdc-relay-standby)"
chaos_set 1 0 "${WRITERS[@]}"
# Restart + catch-up, a generous correctness bound (the point is "every missed change replayed, none left stale"):
# a relay JVM restarted beside a loaded 2-core stack took 14-25 s to start, 8-12 s to build its engine and 7 s to
# its first batch (LocalStackIT, 2026-12-03: fresh at 36-55 s), so 90 s, not the 30 s it had.
BOUND_MS=$(( DOWN_S * 1000 + 90000 ))
say "BOUND: while the relay is down staleness is bounded only by the TTLs (price L2 60 s, catalog L2 10 min);
   after it restarts (in ${DOWN_S} s) every missed change is invalidated: every instance fresh within ${BOUND_MS} ms
   (down time + restart + catch-up), none left stale"
say "PROBE: $WRITES price writes through pricing-us while the relay is down"
probe --writes "$WRITES" --via api --interval-ms 0 --batch true --timeout-ms $(( BOUND_MS + 30000 )) \
      --first-product 7201 --bound-ms "$BOUND_MS" &
PROBE_PID=$!
sleep "$DOWN_S"
say "RESTART: the relay comes back (make up restarts what is missing)"
infra/stack.sh up >/dev/null 2>&1
wait "$PROBE_PID"
