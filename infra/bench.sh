#!/usr/bin/env bash
# make bench: every performance goal of the project, measured against the running local stack, in one table
# (figure, goal, baseline measured in the same run, pass/fail). Run it on an otherwise idle machine: never beside a
# test suite, a nemesis run or another benchmark. SIZE=smoke runs every step with tiny sizes (a check that the
# benchmark works, not a measurement). STEPS=read,cdc runs a subset.
#
#   0. warm-up     — every reader's hit and miss paths, paced writes, stampedes and bulk changes (infra/warm.sh)
#   1. read path   — catalog-us-1 L1 hits vs a bare quarkus-rest + Caffeine endpoint (bench-baseline) with the same
#                    body size, headers and JVM flags, alternating rounds with wrk; ratio of req/s and of p99
#   2. cold cache  — both regions' Redis flushed, L1 expired, then 10,000 keys round-robin: non-2xx answers
#   3. stampede    — concurrent GETs of an uncached product over every catalog instance: database loads per region
#   3b. hot key    — READERS readers per region on one price through its L2 expiry: database loads per expiry (one
#                    early refresh), expiries reached (cliffs), p99 of reads within ±1 s of an expiry vs the rest
#   4. CDC lag     — paced plain-SQL writes, commit → DEL per region: p50 / p99 / p99.9 / max
#   5. bulk        — one 10,000-row repricing, commit → last key gone in every region, 5 rounds
#   6. start       — the last `make up` (infra/stack.sh records it) and each process's resident memory
set -euo pipefail
# shellcheck source=infra/script-env.sh
source "$(dirname "${BASH_SOURCE[0]}")/script-env.sh"

SIZE="${SIZE:-full}"
STEPS="${STEPS:-warm,read,cold,stampede,hotkey,cdc,bulk,start}" # a subset, e.g. STEPS=warm,read make bench
step() { [[ ",$STEPS," == *",$1,"* ]]; }
case "$SIZE" in
  full) ROUND=${ROUND:-8s} ROUNDS=${ROUNDS:-5} CDC_WRITES=${CDC_WRITES:-1000} BULK_ROWS=10000 BULK_ROUNDS=5 STAMPEDE=1000
        HOT_READERS=64 HOT_SECONDS=${HOT_SECONDS:-75} ;;
  smoke) ROUND=2s ROUNDS=1 CDC_WRITES=50 BULK_ROWS=500 BULK_ROUNDS=1 STAMPEDE=100 HOT_READERS=4 HOT_SECONDS=3 ;;
  *) echo "SIZE must be full or smoke" >&2; exit 2 ;;
esac
BASELINE_PORT="${BASELINE_PORT:-18099}"
CATALOG="http://127.0.0.1:$CATALOG_US_1_PORT"
BASELINE="http://127.0.0.1:$BASELINE_PORT"
PROBE_CP="lag-probe/target/lag-probe.jar:lag-probe/target/lib/*"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
# The Java probes share the two cores with what they measure: C1 only and the serial collector, so that no C2
# compilation or concurrent GC thread of theirs runs inside a measured window (the bulk probe's JVM took 0.3-0.5
# CPU-seconds inside its first rounds' ~1 s windows with the JDK's defaults; docs/measurements.md, session 14).
PROBE=("$JAVA" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp "$PROBE_CP")
# shellcheck source=infra/jvm.sh
source infra/jvm.sh
# The baseline gets the JVM and flags catalog-us-1 runs with: its JIT flags are those of the APP_JIT it was started
# with, read from its command line.
CATALOG_JIT_FLAGS="$(tr '\0' '\n' <"/proc/$(cat "$STACK_DIR/run/catalog-us-1.pid" 2>/dev/null || echo 0)/cmdline" \
  2>/dev/null | grep -E -- '^-XX:(TieredStopAtLevel|Tier[34][A-Za-z]*Threshold)=' | tr '\n' ' ' || true)"
BASELINE_FLAGS="$APP_JVM_OPTS $CODE_CACHE_FLAG $CATALOG_JIT_FLAGS"
case "$CATALOG_JIT_FLAGS" in
  *TieredStopAtLevel=1*) CATALOG_JIT=c1 ;;
  *Tier4*) CATALOG_JIT=tiered ;;
  *) CATALOG_JIT=full ;;
esac
OUT="$(mktemp -d)"
# Defined before the trap that calls it: a refusal further down (no wrk, not built, no stack) runs the trap too.
stop_baseline() {
  if [[ -n "${BASELINE_PID:-}" ]]; then
    kill "$BASELINE_PID" 2>/dev/null || true
    wait "$BASELINE_PID" 2>/dev/null || true # its status is the TERM
  fi
  BASELINE_PID=""
}
trap 'stop_baseline; rm -rf "$OUT"' EXIT

die() { echo "bench: $*" >&2; exit 1; }
if step warm || step read || step cold; then
  command -v wrk >/dev/null || die "wrk is not installed: apt-get install wrk"
  command -v taskset >/dev/null || die "taskset is not installed: apt-get install util-linux"
fi
[[ -f bench-baseline/target/quarkus-app/quarkus-run.jar && -f lag-probe/target/lag-probe.jar ]] \
  || die "not built: make build"
[[ "$(curl -s -o /dev/null -w '%{http_code}' "$CATALOG/q/health/ready")" == 200 ]] || die "the stack is not up: make up"

# ------------------------------------------------------------------------------------------------ helpers
ROWS=()
row() { # figure goal measured baseline verdict
  ROWS+=("$1|$2|$3|$4|$5")
}
verdict() { # awk condition over x → pass|FAIL
  awk -v x="$1" "BEGIN { exit !($2) }" && echo pass || echo FAIL
}
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print "nan"; else print a[int((NR + 1) / 2)] }'; }
# shellcheck source=infra/bench-rows.sh
source infra/bench-rows.sh
to_ms() { # wrk latency (e.g. 812.00us, 3.21ms, 1.02s) → ms
  awk -v v="$1" 'BEGIN {
    n = v + 0
    if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000
    printf "%.3f", n }'
}
wrk_round() { # url label → appends "req/s p99ms non2xx" to $OUT/label
  local out
  out="$(taskset -c "$CLIENT_CPU" wrk -t1 -c64 -d"$ROUND" --latency "$1")"
  local rps p99 non
  rps="$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")"
  p99="$(to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$out")")"
  non="$(awk '/Non-2xx or 3xx responses:/ { print $5 }' <<<"$out")"
  echo "$rps $p99 ${non:-0}" >>"$OUT/$2"
}
redis_cmd() { # port command... (RESP over bash's /dev/tcp: no redis-cli needed)
  local port="$1"; shift
  exec 3<>"/dev/tcp/127.0.0.1/$port"
  local req="*$#\r\n" a
  for a in "$@"; do req+="\$${#a}\r\n$a\r\n"; done
  printf "%b" "$req" >&3
  local reply; IFS= read -r reply <&3
  exec 3<&- 3>&-
  [[ "$reply" == +OK* ]] || die "redis $port: $* answered $reply"
}
stage_sums() { # "region/stage sum-seconds count" summed over every invalidator's /q/metrics
  local p
  for p in $(processes | awk -F'|' '$5 ~ /invalidator/ { print $4 }'); do
    curl -s "http://127.0.0.1:$p/q/metrics" | grep -E '^cdc_stage_lag_seconds_(sum|count)\{' || true
  done | sed -E 's/^cdc_stage_lag_seconds_(sum|count)\{.*region="([a-z]+)".*stage="([a-z-]+)".*\} ([0-9.eE+-]+)$/\2\/\3 \1 \4/' \
    | awk '{ if ($2 == "sum") s[$1] += $3; else c[$1] += $3 } END { for (k in s) print k, s[k], c[k] + 0 }' | sort
}
BASELINE_PID=""
start_baseline() { # body-bytes
  # shellcheck disable=SC2086
  setsid "$APP_JAVA" $BASELINE_FLAGS -Dquarkus.http.port="$BASELINE_PORT" -Dbaseline.body-bytes="$1" \
    -jar bench-baseline/target/quarkus-app/quarkus-run.jar >"$OUT/baseline.log" 2>&1 </dev/null &
  BASELINE_PID=$!
  local i
  for i in $(seq 1 150); do
    [[ "$(curl -s -o /dev/null -w '%{http_code}' "$BASELINE/products/42")" == 200 ]] && return 0
    kill -0 "$BASELINE_PID" 2>/dev/null || die "the baseline endpoint exited: $(tail -5 "$OUT/baseline.log")"
    sleep 0.2
  done
  die "the baseline endpoint did not start on port $BASELINE_PORT"
}

echo "make bench ($SIZE) — $(date -u +%FT%TZ), $(nproc) cores, JDK $APP_JAVA_MAJOR, catalog-us-1 $CATALOG_JIT JIT, JVM flags: $BASELINE_FLAGS"

# ------------------------------------------------------------------------------------------------ 0. warm-up
# With C2 (APP_JIT=tiered or full; infra/jvm.sh), right after `make up` the applications are still compiling,
# and every figure measured then is partly a figure of the compiler (stock thresholds: the stampede cost 2-4 loads
# per region, CDC p99 75 ms, a bulk 4 s; tiered, whose C2 waits for ten times the stock counts: a stampede round
# 3 loads, bulks 1.9-3.3 s instead of 0.7-1.5 s). The warm-up drives each path until it is compiled (hits and
# misses on every reader, a stampede, paced writes, bulk changes) so the figures below are steady-state ones;
# `STEPS=read,...` without warm measures a cold stack on purpose.
if step warm; then
  echo; echo "== 0. warm-up, not measured (infra/warm.sh $SIZE)"
  infra/warm.sh "$SIZE" || die "warm-up failed"
fi

# ------------------------------------------------------------------------------------------------ 1. read path
if step read; then
echo; echo "== 1. read path: catalog-us-1 L1 hit vs bare endpoint, $ROUNDS × $ROUND alternating rounds, wrk -t1 -c64 on"\
  "CPU 0, the server on CPU 1"
curl -s -o /dev/null "$CATALOG/products/42"
body_bytes="$(curl -s "$CATALOG/products/42" | wc -c)"
start_baseline "$body_bytes"
# wrk on one core, the server under test (all its threads) on the other: the two servers get the same CPU, and the
# stack's background work disturbs both alike. Without pinning the ratio wandered between 0.62 and 0.71 in two runs.
CLIENT_CPU=0 SERVER_CPU=$(( $(nproc) > 1 ? 1 : 0 ))
catalog_pid="$(cat "$STACK_DIR/run/catalog-us-1.pid")"
taskset -a -cp "$SERVER_CPU" "$BASELINE_PID" >/dev/null
taskset -a -cp "$SERVER_CPU" "$catalog_pid" >/dev/null
for url in "$BASELINE/products/42" "$CATALOG/products/42"; do # warm-up, not recorded
  taskset -c "$CLIENT_CPU" wrk -t1 -c64 -d"$ROUND" "$url" >/dev/null
done
for _ in $(seq 1 "$ROUNDS"); do
  wrk_round "$BASELINE/products/42" baseline
  wrk_round "$CATALOG/products/42" catalog
done
stop_baseline
taskset -a -cp "0-$(( $(nproc) - 1 ))" "$catalog_pid" >/dev/null
b_rps="$(cut -d' ' -f1 "$OUT/baseline" | median)"; c_rps="$(cut -d' ' -f1 "$OUT/catalog" | median)"
b_p99="$(cut -d' ' -f2 "$OUT/baseline" | median)"; c_p99="$(cut -d' ' -f2 "$OUT/catalog" | median)"
printf '  %-10s req/s per round: %s   p99 ms: %s\n' baseline "$(cut -d' ' -f1 "$OUT/baseline" | xargs)" \
  "$(cut -d' ' -f2 "$OUT/baseline" | xargs)"
printf '  %-10s req/s per round: %s   p99 ms: %s\n' catalog "$(cut -d' ' -f1 "$OUT/catalog" | xargs)" \
  "$(cut -d' ' -f2 "$OUT/catalog" | xargs)"
ratio="$(awk -v c="$c_rps" -v b="$b_rps" 'BEGIN { printf "%.2f", c / b }')"
p99_ratio="$(awk -v c="$c_p99" -v b="$b_p99" 'BEGIN { printf "%.2f", c / b }')"
row "L1 hit req/s (catalog / bare)" ">= 0.90x" "${ratio}x (${c_rps%.*} req/s)" "${b_rps%.*} req/s" "$(verdict "$ratio" 'x >= 0.90')"
row "L1 hit p99 (catalog / bare)" "<= 1.2x" "${p99_ratio}x (${c_p99} ms)" "${b_p99} ms" "$(verdict "$p99_ratio" 'x <= 1.2')"
fi

# ------------------------------------------------------------------------------------------------ 2. cold cache
if step cold; then
echo; echo "== 2. cold cache: both regions' Redis flushed, L1 expired (6 s), 10,000 keys round-robin for $ROUND"
redis_cmd "$REDIS_US_PORT" FLUSHALL
redis_cmd "$REDIS_EU_PORT" FLUSHALL
sleep 6 # the L1 TTL (5 s + 15 % jitter): after it no instance holds any entry; a pause, not a wait for a condition
cold="$(wrk -t1 -c64 -d"$ROUND" --latency -s infra/wrk/keys.lua "$CATALOG")"
grep -E 'Requests/sec|99%|requests in|Non-2xx' <<<"$cold" | sed 's/^/  /'
cold_non="$(awk '/Non-2xx or 3xx responses:/ { print $5 }' <<<"$cold")"; cold_non="${cold_non:-0}"
cold_total="$(awk '/requests in/ { print $1 }' <<<"$cold")"
row "cold cache: non-2xx answers" "0" "$cold_non of $cold_total" "-" "$(verdict "$cold_non" 'x == 0')"
fi

# ------------------------------------------------------------------------------------------------ 3. stampede
if step stampede; then
echo; echo "== 3. stampede: $STAMPEDE concurrent GETs of one uncached product (6 s after the last read: L1 expired)"
sleep 6 # as above: the cold pass read every product, and L1 must not hold the ones the stampede picks
"${PROBE[@]}" dev.cdccache.probe.StampedeBench "$STAMPEDE" 3 2>/dev/null | tee "$OUT/stampede" | sed 's/^/  /'
s_us="$(json_num "$OUT/stampede" maxLoadsUs)"; s_eu="$(json_num "$OUT/stampede" maxLoadsEu)"
s_non="$(json_num "$OUT/stampede" non200)"
stampede_ok="$([[ "$s_us" == 1 && "$s_eu" == 1 && "$s_non" == 0 ]] && echo pass || echo FAIL)"
row "stampede: database loads per region" "1" "us $s_us, eu $s_eu (non-200: $s_non)" "$STAMPEDE requests" "$stampede_ok"
fi

# ------------------------------------------------------------------------------------------------ 3b. hot key
if step hotkey; then
echo; echo "== 3b. hot key: $HOT_READERS readers per region on one price for $HOT_SECONDS s (its L2 TTL: 60 s ± 15 %)"
"${PROBE[@]}" dev.cdccache.probe.HotKeyBench "$HOT_READERS" "$HOT_SECONDS" 4242 2>/dev/null \
  | tee "$OUT/hotkey" | sed 's/^/  /'
{ IFS='|' read -r hk_loads hk_loads_ok; IFS='|' read -r hk_p99 hk_p99_ok; } < <(hotkey_rows "$OUT/hotkey")
row "hot key expiry: database loads per expiry, cliffs" "<= 1, 0" "$hk_loads" "$HOT_READERS readers/region" "$hk_loads_ok"
row "hot key expiry: read p99 within ±1 s of an expiry vs outside" "no spike (<= 2x)" "$hk_p99" "-" "$hk_p99_ok"
fi

# ------------------------------------------------------------------------------------------------ 4. CDC lag
if step cdc; then
echo; echo "== 4. CDC lag: $CDC_WRITES paced plain-SQL writes (one per 20 ms)"
stage_sums >"$OUT/stages-before"
"${PROBE[@]}" dev.cdccache.probe.CdcLagBench "$CDC_WRITES" 20 2>/dev/null | tee "$OUT/cdc" | sed 's/^/  /'
stage_sums >"$OUT/stages-after"
echo "  where the time goes (mean ms per change during the run, from every invalidator's cdc_stage_lag):"
awk 'FILENAME == ARGV[1] { b[$1] = $2; c[$1] = $3; next }
     { n = $3 - c[$1]; if (n > 0) printf "    %-26s %8.1f ms  (n %d)\n", $1, ($2 - b[$1]) * 1000 / n, n }' \
  "$OUT/stages-before" "$OUT/stages-after"
us_json="$(grep -o '"us":{[^}]*}' "$OUT/cdc")"; echo "$us_json" >"$OUT/cdc-us"
for f in p50Ms:10 p99Ms:30 p999Ms:60 maxMs:100; do
  k="${f%%:*}"; goal="${f##*:}"; v="$(json_num "$OUT/cdc-us" "$k")"
  row "CDC lag us ${k%Ms}" "<= $goal ms" "$v ms" "-" "$(verdict "$v" "x <= $goal")"
done
eu_json="$(grep -o '"eu":{[^}]*}' "$OUT/cdc")"; echo "$eu_json" >"$OUT/cdc-eu"
row "CDC lag eu p99 (replica-gated, WAN link)" "-" "$(json_num "$OUT/cdc-eu" p99Ms) ms" "-" "info"
# A slow change inside a stall of the whole machine was not the pipeline (HostStallMeter: a process that only sleeps).
row "CDC lag us max: the machine stood still inside it" "-" "$(json_num "$OUT/cdc-us" maxMachineStalledMs) ms (run: $(
  json_num "$OUT/cdc" machineStalls) stalls, longest $(json_num "$OUT/cdc" machineStallMaxMs) ms)" "-" "info"
fi

# ------------------------------------------------------------------------------------------------ 5. bulk
if step bulk; then
echo; echo "== 5. bulk: one $BULK_ROWS-row repricing, $BULK_ROUNDS rounds"
"${PROBE[@]}" dev.cdccache.probe.CdcBulkBench "$BULK_ROWS" "$BULK_ROUNDS" 2>/dev/null | tee "$OUT/bulk" | sed 's/^/  /'
bulk_max="$(json_num "$OUT/bulk" maxMs)"; bulk_left="$(json_num "$OUT/bulk" keysLeft)"
row "bulk $BULK_ROWS rows: commit -> last key gone (max of $BULK_ROUNDS)" "<= 1000 ms" "$bulk_max ms" "-" "$(
  [[ "$bulk_left" == 0 ]] && verdict "$bulk_max" 'x <= 1000' || echo FAIL)"
row "bulk: the machine stood still inside the rounds" "-" "$(json_num "$OUT/bulk" machineStalledMs) ms" "-" "info"
fi

# ------------------------------------------------------------------------------------------------ 6. start, memory
if step start; then
echo; echo "== 6. start and memory"
if [[ -f "$STACK_DIR/last-up" ]]; then
  up_s="$(awk -F= '$1 == "seconds" { print $2 }' "$STACK_DIR/last-up")"
  up_before="$(awk -F= '$1 == "already-running" { print $2 }' "$STACK_DIR/last-up")"
  up_at="$(awk -F= '$1 == "at" { print $2 }' "$STACK_DIR/last-up")"
  echo "  last make up: $up_s s at $up_at ($up_before processes were already running)"
  if [[ "$up_before" == 0 ]]; then
    row "make up, every process started" "<= 20 s" "$up_s s" "-" "$(verdict "$up_s" 'x <= 20')"
  else
    row "make up, every process started" "<= 20 s" "not measured (last up restarted only some)" "-" "n/a"
  fi
fi
total_rss=0
while IFS='|' read -r name _ _ _ _; do
  pidf="$STACK_DIR/run/$name.pid"
  [[ -f "$pidf" ]] || continue
  rss=0
  for p in $(cat "$pidf" "$STACK_DIR/run/$name.children" 2>/dev/null); do
    r="$(ps -o rss= -p "$p" 2>/dev/null || true)"; rss=$((rss + ${r:-0}))
  done
  total_rss=$((total_rss + rss))
  printf '  %-18s %6d MiB\n' "$name" $((rss / 1024))
done < <(processes)
printf '  %-18s %6d MiB\n' total $((total_rss / 1024))
row "resident memory, every process" "-" "$((total_rss / 1024)) MiB" "-" "info"
fi

# ------------------------------------------------------------------------------------------------ table
echo; echo "== summary ($SIZE)"
printf '| %-52s | %-9s | %-38s | %-16s | %-4s |\n' figure goal measured baseline ok
printf '|%s|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..54})" "-----------" "$(printf -- '-%.0s' {1..40})" \
  "------------------" "------"
fails=0
for r in "${ROWS[@]}"; do
  IFS='|' read -r f g m b v <<<"$r"
  printf '| %-52s | %-9s | %-38s | %-16s | %-4s |\n' "$f" "$g" "$m" "$b" "$v"
  [[ "$v" == FAIL ]] && fails=$((fails + 1))
done
echo "$fails goal(s) not reached"
