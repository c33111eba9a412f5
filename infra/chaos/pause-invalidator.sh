#!/usr/bin/env bash
# One region's invalidator is frozen (SIGSTOP): that region falls behind, the other does not.
source "$(dirname "$0")/lib.sh"
REGION="${1:-${REGION:-eu}}"; WRITES="${WRITES:-10}"; PAUSE_S="${PAUSE_S:-8}"; BOUND_MS="${BOUND_MS:-2000}"
[[ "$REGION" == us || "$REGION" == eu ]] || { echo "usage: $0 us|eu" >&2; exit 2; }
OTHER=us; [[ "$REGION" == us ]] && OTHER=eu
require_stack
PID="$(infra/stack.sh pid "invalidator-$REGION")"
trap 'kill -CONT "$PID" 2>/dev/null || true' EXIT
say "BREAK: SIGSTOP invalidator-$REGION for ${PAUSE_S} s"
kill -STOP "$PID"
PAUSED_BOUND=$(( PAUSE_S * 1000 + 5000 ))
say "BOUND: $OTHER is unaffected (fresh within $BOUND_MS ms); $REGION catches up after the pause (within ${PAUSED_BOUND} ms)"
say "PROBE: $WRITES plain-SQL price writes (CDC is the only path)"
probe --writes "$WRITES" --via sql --interval-ms 0 --batch true --timeout-ms $(( PAUSED_BOUND + 20000 )) \
      --first-product 7301 "--bound-ms-$OTHER" "$BOUND_MS" "--bound-ms-$REGION" "$PAUSED_BOUND" &
PROBE_PID=$!
sleep "$PAUSE_S"
say "RESUME: SIGCONT invalidator-$REGION"
kill -CONT "$PID"
wait "$PROBE_PID"
