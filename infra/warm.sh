#!/usr/bin/env bash
# Drives every hot path of the running stack until the JIT has compiled it: hits and misses on every reader, paced
# writes, stampedes and bulk changes. Not a measurement. Two callers:
#  - make bench's step 0, so that its figures are steady-state ones;
#  - make up, on the first start after a build, while each kind's trainer records its start-up cache (infra/jvm.sh,
#    stack.sh): the cache carries the trainer's method profiles and what it compiled, and every later start compiles
#    those methods at once. A cache recorded by a relay that had streamed nothing left the first 10,000-row bulk
#    after a start at 11.3 s; recorded after this workload, 3.9 s (docs/measurements.md, session 18).
# Usage: infra/warm.sh full|smoke (sizes below). Needs the stack up and lag-probe built; wrk for the reads.
set -euo pipefail
# shellcheck source=infra/script-env.sh
source "$(dirname "${BASH_SOURCE[0]}")/script-env.sh"

case "${1:-full}" in
  full) READS=5s WRITES=1000 ROUNDS=6 BULK=10000 STAMPEDE=1000 ;;
  smoke) READS=1s WRITES=20 ROUNDS=1 BULK=100 STAMPEDE=100 ;;
  *) echo "usage: infra/warm.sh full|smoke" >&2; exit 2 ;;
esac
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
# As infra/bench.sh runs its probes: C1 only and the serial collector, so the driver takes little of two cores.
PROBE=("$JAVA" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp "lag-probe/target/lag-probe.jar:lag-probe/target/lib/*")
die() { echo "warm: $*" >&2; exit 1; }
[[ -f lag-probe/target/lag-probe.jar ]] || die "lag-probe is not built: make build"

echo "  warm-up: $READS of reads of many keys and $READS of one key on every reader, $ROUNDS stampede rounds," \
  "$WRITES paced writes, $ROUNDS $BULK-row bulk changes"
# Both kinds of read a reader serves: many keys (misses, L2 hits), then one hot key (L1 hits). A trainer that saw only
# the first compiled the L1-hit path as the rare branch: in the first minute after a start catalog L1 hits ran at
# 0.62-0.71x the bare endpoint, against 0.95-0.97x with a cache of an idle trainer (docs/measurements.md, session 18).
if command -v wrk >/dev/null; then
  while IFS='|' read -r name _ _ port _; do
    path=/products/; [[ "$name" == pricing-* ]] && path=/prices/
    KEYS_PATH="$path" wrk -t1 -c16 -d"$READS" -s infra/wrk/keys.lua "http://127.0.0.1:$port" >/dev/null
    wrk -t1 -c16 -d"$READS" "http://127.0.0.1:$port${path}42" >/dev/null
  done < <(with_role reader)
else
  echo "  warm-up: wrk is not installed (apt-get install wrk): the readers' paths are not driven" >&2
fi
"${PROBE[@]}" dev.cdccache.probe.CdcLagBench "$WRITES" 10 >/dev/null 2>&1 || die "paced writes failed"
"${PROBE[@]}" dev.cdccache.probe.StampedeBench "$STAMPEDE" "$ROUNDS" >/dev/null 2>&1 || die "stampede failed"
"${PROBE[@]}" dev.cdccache.probe.CdcBulkBench "$BULK" "$ROUNDS" >/dev/null 2>&1 || die "bulk changes failed"
echo "  warm-up: done"
