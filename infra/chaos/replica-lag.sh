#!/usr/bin/env bash
# The race replica-gated invalidation exists for, shown both ways. eu's replica applies every commit DELAY ms late.
#  1. gated (the stack's mode): eu's invalidator waits for its replica, so a refill in eu reads the new row; and an
#     eu write is read back at once in eu (remote markers send those reads to the primary).
#  2. naive (cache.region-gate=off, eu invalidators restarted): eu is invalidated as soon as the change arrives, the
#     next miss refills from the replica, which still has the old row, and that stale value stays for the full TTL.
# Ends BOUND HELD only if the gated mode held, and says how many values the naive mode left stale.
source "$(dirname "$0")/lib.sh"
DELAY="${DELAY:-1000}"; WRITES="${WRITES:-10}"; CDC_BOUND_MS="${BOUND_MS:-2000}"
DELAY="${DELAY%ms}"
[[ "$DELAY" =~ ^[0-9]+$ ]] || { echo "DELAY is in milliseconds, e.g. DELAY=1000" >&2; exit 2; }
EU_BOUND=$(( DELAY + CDC_BOUND_MS ))
# A stale value cached in eu would outlive this by far (price L2 TTL 60 s); the probe stops looking after it.
TIMEOUT=$(( EU_BOUND + 8000 ))
require_stack
replica() { infra/replica.sh "$@"; }
eu_invalidators() { with_role invalidator | awk -F'|' '$3 ~ /eu/ {print $1}'; }
restart_eu_invalidators() { # on|off
  local n
  for n in $(eu_invalidators); do infra/stack.sh stop "$n" >/dev/null 2>&1; done
  REGION_GATE="$1" infra/stack.sh up >/dev/null 2>&1
}
restore() {
  replica delay 0 >/dev/null 2>&1 || true
  if [[ "${NAIVE:-0}" == 1 ]]; then
    say "RESTORE: eu invalidators back to the gated mode"
    restart_eu_invalidators on || true
  fi
}
trap restore EXIT

say "BREAK: eu's replica applies each commit ${DELAY} ms late (recovery_min_apply_delay)"
replica delay "$DELAY"
replica status

say "1/3 GATED, us writes: eu fresh within replica lag + CDC lag = $EU_BOUND ms, us within $CDC_BOUND_MS ms"
set +e
probe --writes "$WRITES" --via api --interval-ms 50 --timeout-ms "$TIMEOUT" --first-product 7601 \
      --bound-ms-us "$CDC_BOUND_MS" --bound-ms-eu "$EU_BOUND" | tee /tmp/replica-lag-gated.txt
GATED=${PIPESTATUS[0]}
say "2/3 GATED, eu writes: eu reads its own writes at once (remote markers), though its replica is $DELAY ms behind"
probe --writes "$WRITES" --via api --write-region eu --interval-ms 50 --timeout-ms "$TIMEOUT" --first-product 7651 \
      --bound-ms-eu 500 --bound-ms-us "$CDC_BOUND_MS" | tee /tmp/replica-lag-markers.txt
MARKERS=${PIPESTATUS[0]}
set -e

say "3/3 NAIVE (cache.region-gate=off): the same us writes, eu invalidated before its replica has them"
NAIVE=1
restart_eu_invalidators off
set +e
probe --writes "$WRITES" --via api --interval-ms 50 --timeout-ms "$TIMEOUT" --first-product 7701 \
      --bound-ms-us "$CDC_BOUND_MS" --bound-ms-eu "$EU_BOUND" | tee /tmp/replica-lag-naive.txt
NAIVE_RC=${PIPESTATUS[0]}
set -e
never() { grep -o '"maxMs":[0-9]*,"neverFresh":[0-9]*' "$1" | tail -1 | sed 's/.*://'; }

say "SIDE BY SIDE (replica apply delay $DELAY ms, $WRITES writes each)"
printf '%-34s %-16s %s\n' mode result "values still stale ${TIMEOUT} ms after the write (instance × write)"
printf '%-34s %-16s %s\n' "gated, us writes" "$([[ $GATED == 0 ]] && echo held || echo VIOLATED)" "$(never /tmp/replica-lag-gated.txt)"
printf '%-34s %-16s %s\n' "gated, eu writes (remote markers)" "$([[ $MARKERS == 0 ]] && echo held || echo VIOLATED)" "$(never /tmp/replica-lag-markers.txt)"
printf '%-34s %-16s %s\n' "naive (region-gate=off), us writes" "$([[ $NAIVE_RC == 0 ]] && echo held || echo VIOLATED)" "$(never /tmp/replica-lag-naive.txt)"
if [[ $GATED == 0 && $MARKERS == 0 ]]; then
  echo "BOUND HELD (gated mode; the naive mode left $(never /tmp/replica-lag-naive.txt) stale values cached in eu)"
else
  echo "BOUND VIOLATED (gated mode)"; exit 1
fi
