#!/usr/bin/env bash
# The local stack without Docker: PostgreSQL, Kafka, Redis us/eu and every service process on 127.0.0.1.
# Usage: infra/stack.sh up|down|status|logs <name>|clean|build|stop <name>|pid <name>
# (`up` also restarts any single process that was stopped.)
# Processes are tracked by pid files under $STACK_DIR/run; `down` stops exactly those, never by name.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=infra/stack.env
source "$ROOT/infra/stack.env"
STACK_DIR="$(mkdir -p "$STACK_DIR" && cd "$STACK_DIR" && pwd)"
RUN="$STACK_DIR/run"
LOGS="$STACK_DIR/logs"
DATA="$STACK_DIR/data"
SECRETS="$STACK_DIR/secrets.properties"
TOKEN_FILE="$STACK_DIR/admin-token"
mkdir -p "$RUN" "$LOGS" "$DATA"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
# shellcheck source=infra/jvm.sh
source "$ROOT/infra/jvm.sh"

# name|kind|region|port|url, from infra/processes (the one declaration of the stack's processes)
# shellcheck source=infra/topology.sh
source "$ROOT/infra/topology.sh"
url_of() { # name port
  case "$1" in
    postgres) echo "jdbc:postgresql://127.0.0.1:$2/$PG_DATABASE (primary)" ;;
    postgres-eu) echo "jdbc:postgresql://127.0.0.1:$2/$PG_DATABASE (hot standby)" ;;
    wan-eu) echo "127.0.0.1:$2 → primary, ${WAN_LATENCY_MS} ms one way (control :$WAN_EU_CONTROL_PORT)" ;;
    redis-us-proxy) echo "redis://127.0.0.1:$2 (control http://127.0.0.1:$REDIS_US_PROXY_CONTROL_PORT)" ;;
    redis-*) echo "redis://127.0.0.1:$2" ;;
    kafka) echo "127.0.0.1:$2" ;;
    *) echo "http://127.0.0.1:$2" ;;
  esac
}
COMPONENTS=()
while IFS='|' read -r name kind region port roles; do
  COMPONENTS+=("$name|$kind|$region|$port|$(url_of "$name" "$port")")
done < <(processes)
((${#COMPONENTS[@]})) || { echo "infra/processes declares no process" >&2; exit 1; }

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
# Without a pipe or a program: `make up` calls these a few hundred times while the JVMs it started want the CPU.
field() { local IFS='|' f; read -ra f <<<"$1"; echo "${f[$2-1]}"; }
pid_of() { [[ -f "$RUN/$1.pid" ]] && cat "$RUN/$1.pid" || true; }
# Alive and not a zombie: a process killed with -9 whose parent has gone may linger unreaped (state Z).
alive() {
  local p state
  p="$(pid_of "$1")"
  [[ -n "$p" ]] && kill -0 "$p" 2>/dev/null || return 1
  state="$(sed -E 's/^.*\) ([A-Za-z]).*$/\1/' "/proc/$p/stat" 2>/dev/null || true)"
  [[ -n "$state" && "$state" != Z && "$state" != X ]]
}
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

require_built() {
  local missing=()
  [[ -d infra/kafka-dist/target/kafka-libs ]] || missing+=(kafka-dist)
  [[ -d infra/local-stack/target/lib ]] || missing+=(local-stack)
  for m in catalog-service pricing-service invalidation-consumer console; do
    [[ -f "$m/target/quarkus-app/quarkus-run.jar" ]] || missing+=("$m")
  done
  if ((${#missing[@]})); then
    log "building (${missing[*]} not built yet): ./mvnw -q -B -DskipTests install"
    ./mvnw -q -B -DskipTests install
  fi
}

node_cp() { echo "$(ls infra/local-stack/target/local-stack-*.jar | head -1):infra/local-stack/target/lib/*"; }

start_node() { # name args...
  local name="$1" cache; shift
  local -a extra=()
  [[ "$name" == kafka ]] && mapfile -t extra < <(kafka_jvm_env)
  cache="$(node_jvm_flags "$name")"
  STACK_DATA_DIR="$DATA" CDCCACHE_KAFKA_LIBS="$ROOT/infra/kafka-dist/target/kafka-libs" \
  PG_PORT="$PG_PORT" PG_EU_PORT="$PG_EU_PORT" WAN_EU_PORT="$WAN_EU_PORT" WAN_EU_CONTROL_PORT="$WAN_EU_CONTROL_PORT" \
  WAN_LATENCY_MS="$WAN_LATENCY_MS" PG_DATABASE="$PG_DATABASE" PG_USER="$PG_USER" PG_PASSWORD="$PG_PASSWORD" \
  REDIS_US_PORT="$REDIS_US_PORT" REDIS_EU_PORT="$REDIS_EU_PORT" \
  KAFKA_PORT="$KAFKA_PORT" KAFKA_CONTROLLER_PORT="$KAFKA_CONTROLLER_PORT" STACK_RUN_DIR="$RUN" STACK_NODE_NAME="$name" \
  PROXY_LISTEN_PORT="$REDIS_US_PROXY_PORT" PROXY_TARGET_PORT="$REDIS_US_PORT" PROXY_CONTROL_PORT="$REDIS_US_PROXY_CONTROL_PORT" \
    setsid nohup env "${extra[@]}" "$NODE_JAVA" -Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 $cache -cp "$(node_cp)" \
      dev.cdccache.stack.NodeMain "$@" >>"$LOGS/$name.log" 2>&1 < /dev/null &
  echo $! >"$RUN/$name.pid"
}

app_props() { # name region port
  local name="$1" region="$2" port="$3"
  local redis_port="$REDIS_US_PORT"; [[ "$region" == eu ]] && redis_port="$REDIS_EU_PORT"
  echo "-Dquarkus.http.port=$port -Dquarkus.http.host=127.0.0.1"
  # Region us reads and writes the primary. Region eu writes to the primary across the WAN link and reads its own
  # hot standby (cache loads), falling back to the primary when the replica is down.
  local primary_port="$PG_PORT"
  [[ "$region" == eu ]] && primary_port="$WAN_EU_PORT"
  echo "-Dquarkus.datasource.jdbc.url=jdbc:postgresql://127.0.0.1:$primary_port/$PG_DATABASE"
  echo "-Dquarkus.datasource.replica.jdbc.url=jdbc:postgresql://127.0.0.1:$PG_EU_PORT/$PG_DATABASE"
  [[ "$region" == eu ]] && echo "-Dcache.read-replica=true -Dcache.remote-markers=true"
  # Secrets (database password, admin token) come from a 0600 file, never from the command line (ps shows it).
  echo "-Dquarkus.datasource.username=$PG_USER -Dquarkus.datasource.replica.username=$PG_USER"
  echo "-Dquarkus.config.locations=file:$SECRETS"
  echo "-Dcache.instance-id=$name -Dkafka.bootstrap.servers=127.0.0.1:$KAFKA_PORT"
  echo "-Dcache.consistency.sample-rate=$CONSISTENCY_SAMPLE_RATE"
  # catalog-us-2 reaches its Redis through the fault proxy, so network chaos can target one instance.
  [[ "$name" == catalog-us-2 ]] && redis_port="$REDIS_US_PROXY_PORT"
  [[ "$region" != "-" ]] && echo "-Dcache.region=${region%%+*} -Dquarkus.redis.hosts=redis://127.0.0.1:$redis_port"
  echo "-Dquarkus.redis.us.hosts=redis://127.0.0.1:$REDIS_US_PORT -Dquarkus.redis.eu.hosts=redis://127.0.0.1:$REDIS_EU_PORT"
  case "$name" in
    cdc-relay*) echo "-Dcdc.relay.enabled=true -Dcdc.relay.db-port=$PG_PORT -Dcdc.relay.db-name=$PG_DATABASE" \
                    "-Dcdc.relay.db-user=$PG_USER" \
                    "-Dcdc.relay.offset-file=$DATA/relay/offsets.dat"
                # Both relays share the offset file; a reset (make cdc-reset) applies to the primary one only.
                [[ "$name" == cdc-relay ]] && echo "${CDC_RELAY_EXTRA:-}" ;;
    console) echo "-Dconsole.readers=$(console_list reader) -Dconsole.invalidators=$(console_list invalidator)" \
                  "-Dconsole.admin-token-file=$TOKEN_FILE -Dconsole.stack-script=$ROOT/infra/stack.sh" \
                  "-Dconsole.stack-dir=$STACK_DIR" \
                  "-Dconsole.replica.jdbc-url=jdbc:postgresql://127.0.0.1:$PG_EU_PORT/$PG_DATABASE" ;;
    invalidator-*) echo "-Dcdc.invalidator.regions=${region/+/,} -Dcdc.invalidator.max-poll-interval=$INVALIDATOR_MAX_POLL_INTERVAL" \
                        "-Dcdc.invalidator.session-timeout=$INVALIDATOR_SESSION_TIMEOUT" \
                        "-Dcdc.invalidator.replica.eu.jdbc-url=jdbc:postgresql://127.0.0.1:$PG_EU_PORT/$PG_DATABASE" \
                        "-Dcdc.invalidator.replica.eu.user=$PG_USER -Dcache.region-gate=$REGION_GATE" ;;
  esac
}

# The console's view of the stack: "name|region|service|url" per reader, "name|regions|url" per invalidator.
console_list() { # role
  local name kind region port roles out=()
  while IFS='|' read -r name kind region port roles; do
    if [[ "$1" == reader ]]; then out+=("$name|$region|${name%%-*}|http://127.0.0.1:$port")
    else out+=("$name|$region|http://127.0.0.1:$port"); fi
  done < <(with_role "$1")
  (IFS=,; echo "${out[*]}")
}

# A start-up cache per kind of process (and JIT), written by one of them (the trainer) when it exits normally (`make
# down`) and mapped by every later start of that kind instead of loading, verifying and linking those classes again.
# A kind is a module, except that the relays have their own: an invalidator never loads Debezium's or Flyway's
# classes, so with one cache for the module a relay loaded 1,645 classes from its jars at every start (now 101).
# On JDK 25+ it is the AOT cache; it also carries the trainer's method profiles, which tell the JIT what to compile
# at once, so it is recorded and used under one JIT (APP_JIT): a cache recorded under C1 pins the hot methods to C1
# even in a full-JIT process (catalog L1 hits at 0.6x; docs/measurements.md, session 11). On older JDKs it is a
# dynamic class-data sharing archive (catalog: 4.0 s -> 2.0 s).
# The trainer is the kind's last-declared process (invalidator-2, catalog-eu, pricing-eu, console), which no fault
# of the nemesis or the chaos scripts kills, except for the relays: their trainer is cdc-relay, the one that streams
# after a `make up` (the standby only rehearses), so the cache carries the streaming path's method profiles (the
# first 10,000-row bulk after a start: 4.0 s against 4.9-6.3 s with the standby's). The nemesis' kill-relay kills
# it; a killed trainer writes nothing and would otherwise restart into another training. A training that never
# finished is not started again until the next full `up`. A rebuilt jar makes the cache stale: it is dropped and
# written again at the trainer's next exit. CDS=0 turns caches off.
module_of() { # name
  case "$1" in
    catalog-*) echo catalog-service ;;
    pricing-*) echo pricing-service ;;
    console) echo console ;;
    *) echo invalidation-consumer ;;
  esac
}
cache_kind_of() { # name
  case "$1" in
    cdc-relay*) echo cdc-relay ;;
    *) module_of "$1" ;;
  esac
}
# Each kind's trainer, found once.
declare -A TRAINER=()
for c in "${COMPONENTS[@]}"; do
  IFS='|' read -r n k _ <<<"$c"
  [[ "$k" == app ]] && TRAINER[$(cache_kind_of "$n")]="$n"
done
TRAINER[cdc-relay]=cdc-relay
unset c n k
CACHE_DIR="$DATA/startup-cache"
# shellcheck source=infra/startup-cache.sh
source "$ROOT/infra/startup-cache.sh"

# Every application keeps a log of its collections and safepoints beside its own (rotated, 2 x 8 MB): a process
# whose threads all stop at once (a collection, a safepoint, the host not running it) and one whose thread waits
# on something look the same in a thread's log; this one tells them apart after the fact. Written by the JVM's log
# thread (-Xlog:async), not inside the pause: a synchronous write to a busy disk would lengthen the very pauses it
# records.
gc_log_flag() { # name
  echo "-Xlog:async -Xlog:gc,safepoint:file=$LOGS/$1.gc.log:time,uptime:filecount=2,filesize=8m"
}

app_jvm_flags() { # name module -> APP_JVM_OPTS, the JIT, the start-up cache, the collection log
  local cache kind may=no
  kind="$(cache_kind_of "$1")"
  [[ "$1" == "${TRAINER[$kind]:-}" ]] && may=yes
  cache="$(cache_flags "$kind.$APP_JIT" "$2/target/quarkus-app" "$may")"
  [[ "$cache" == none ]] && cache=""
  echo "$APP_JVM_OPTS $CODE_CACHE_FLAG $JIT_FLAGS ${cache#* } $(gc_log_flag "$1")"
}

# The Kafka broker (C1 only, as local-stack starts it) runs on the applications' JDK when that has the AOT cache,
# with a cache of its own: it records at its first start and writes the cache when it stops (its start-up wave went
# from ~5 to ~3.5 s), and without the code cache's threshold collection (infra/jvm.sh).
kafka_jvm_env() {
  local cache
  ((APP_JAVA_MAJOR >= 25)) || return 0
  cache="$(cache_flags kafka.g1 infra/kafka-dist/target/kafka-libs yes)"
  echo "CDCCACHE_KAFKA_JAVA=$APP_JAVA"
  [[ "$cache" == none ]] && cache=""
  echo "CDCCACHE_KAFKA_JVM_OPTS=$CODE_CACHE_FLAG ${cache#* } ${KAFKA_JVM_EXTRA:-}"
}

# A node's launcher (it prepares, starts and watches PostgreSQL, Redis or the Kafka broker; the proxies are JVMs of
# their own) runs on the applications' JDK when that has the AOT cache, with a cache per node: its own start, a few
# hundred classes (JDBC, the Kafka admin client) loaded and linked, took 0.3-0.9 CPU-seconds on JDK 17, all of it in
# `make up`'s first wave (docs/measurements.md, session 18).
NODE_JAVA="$JAVA"
((APP_JAVA_MAJOR >= 25)) && NODE_JAVA="$APP_JAVA"
node_jvm_flags() { # name
  local cache
  ((APP_JAVA_MAJOR >= 25)) || return 0
  cache="$(cache_flags "node-$1" infra/local-stack/target yes)"
  [[ "$cache" == none ]] || echo "${cache#* }"
}

start_app() { # name region port
  local name="$1" region="$2" port="$3" module
  module="$(module_of "$name")"
  # shellcheck disable=SC2046
  setsid nohup "$APP_JAVA" $(app_jvm_flags "$name" "$module") $(app_props "$name" "$region" "$port") \
    -jar "$module/target/quarkus-app/quarkus-run.jar" >>"$LOGS/$name.log" 2>&1 < /dev/null &
  echo $! >"$RUN/$name.pid"
}

await_ready() { # name kind port deadline-seconds [ready|serving]
  local name="$1" kind="$2" port="$3" deadline=$((SECONDS + $4)) check="${5:-ready}"
  while ((SECONDS < deadline)); do
    alive "$name" || die "$name exited during start; see $LOGS/$name.log (make logs SVC=$name)"
    if [[ "$kind" == node ]]; then
      grep -q '^READY ' "$LOGS/$name.log" 2>/dev/null && port_open "$port" && return 0
    else
      # serving: Quarkus opens its HTTP socket only after every start-up action, Flyway's migrations included.
      [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/q/health/${check/serving/live}")" == 200 ]] \
        && return 0
    fi
    sleep 0.2
  done
  die "$name not $check within $4 s; see $LOGS/$name.log"
}

check_port_free() { # name port
  if port_open "$2"; then
    die "port $2 (for $1) is already in use by another process; free it or override it (see infra/stack.env)"
  fi
}

launch() { # component-line ; starts it unless running, no wait
  local c="$1" name kind region port
  name="$(field "$c" 1)"; kind="$(field "$c" 2)"; region="$(field "$c" 3)"; port="$(field "$c" 4)"
  if alive "$name"; then log "$name already running (pid $(pid_of "$name"))"; return 0; fi
  check_port_free "$name" "$port"
  # The previous run's log is kept beside it: after a kill -9 it is the evidence of what the process was doing.
  [[ -s "$LOGS/$name.log" ]] && mv -f "$LOGS/$name.log" "$LOGS/$name.prev.log"
  : >"$LOGS/$name.log"
  if [[ "$kind" == node ]]; then
    case "$name" in
      postgres) start_node "$name" postgres ;;
      postgres-eu) start_node "$name" replica ;;
      wan-eu) start_node "$name" wan ;;
      redis-us-proxy) start_node "$name" proxy ;;
      redis-*) start_node "$name" redis "$region" ;;
      kafka) start_node "$name" kafka ;;
    esac
  else
    start_app "$name" "$region" "$port"
  fi
  log "started $name (pid $(pid_of "$name"))"
}

wait_for() { local c; for c in "$@"; do await_ready "$(field "$c" 1)" "$(field "$c" 2)" "$(field "$c" 4)" 180; done; }
# A gate: names that must be ready, or serving (name@serving: its HTTP socket is open, its start-up done).
wait_gate() {
  local g
  for g in "$@"; do
    local c; c="$(component "${g%@*}")"
    [[ "$g" == *@* ]] || g="$g@ready"
    await_ready "$(field "$c" 1)" "$(field "$c" 2)" "$(field "$c" 4)" 180 "${g#*@}"
  done
}

component() { # name -> component line
  local c
  for c in "${COMPONENTS[@]}"; do [[ "$(field "$c" 1)" == "$1" ]] && { echo "$c"; return 0; }; done
  die "unknown process '$1'"
}

by_name() { local n; for n in "$@"; do component "$n"; done; }

# The admin token is random per stack (kept across restarts) unless ADMIN_TOKEN is set; the chaos scripts read
# it from $TOKEN_FILE. Both files are readable by their owner only.
ensure_secrets() {
  local token="${ADMIN_TOKEN:-}"
  if [[ -z "$token" ]]; then
    [[ -s "$TOKEN_FILE" ]] || (umask 077; head -c 24 /dev/urandom | base64 | tr -d '/+=\n' >"$TOKEN_FILE")
    token="$(cat "$TOKEN_FILE")"
  else
    (umask 077; printf '%s' "$token" >"$TOKEN_FILE")
  fi
  (umask 077; {
    echo "# Written by make up; owner-only. Local stack secrets, passed to the apps by file, not by command line."
    echo "quarkus.datasource.password=$PG_PASSWORD"
    echo "cdc.relay.db-password=$PG_PASSWORD"
    echo "quarkus.datasource.replica.password=$PG_PASSWORD"
    echo "cdc.invalidator.replica.eu.password=$PG_PASSWORD"
    [[ "${CHAOS:-1}" == 0 ]] || echo "admin.token=$token"
  } >"$SECRETS")
  chmod 600 "$SECRETS" "$TOKEN_FILE"
}

# An application kind's trainer that started recording its start-up cache in this `up` records what it runs until
# it stops: drive every hot path now (infra/warm.sh), so that the cache carries those paths' profiles and compiled
# methods rather than an idle process's (a relay's first 10,000-row bulk after a start: 3.9 s against 11.3 s;
# docs/measurements.md, session 18). TRAIN=smoke drives them briefly, TRAIN=0 not at all (an idle process's cache).
# A later `up` that restarts one process never trains: after a full `up` each trainer has a cache or a marker.
train_caches() {
  local trainees
  trainees="$(find "$CACHE_DIR" -maxdepth 1 -name '*.training' ! -name 'node-*' ! -name 'kafka.*' \
    -newer "$RUN/up.started" -printf '%f ' 2>/dev/null || true)"
  trainees="${trainees% }"
  [[ -n "$trainees" && "${TRAIN:-full}" != 0 ]] || return 0
  log "recording start-up caches (${trainees//.training/}): driving every hot path first; TRAIN=0 skips this"
  infra/warm.sh "${TRAIN:-full}" || die "the warm-up for the start-up caches failed; the stack is up"
  log "start-up caches: they are written when the stack stops (make down)"
}

cmd_up() {
  require_built
  ensure_secrets
  local t0=$SECONDS c before=0
  for c in "${COMPONENTS[@]}"; do alive "$(field "$c" 1)" && before=$((before + 1)); done
  # A full start may train again where an earlier training was cut short; the pre-AOT location goes.
  if ((before == 0)); then rm -f "$CACHE_DIR"/*.training; rm -rf "$DATA/cds"; fi
  : >"$RUN/up.started"
  # Backing nodes and proxies in parallel, then the relay and eu's replica, then every other application at once.
  # Waves of three or four used to keep eight C1 JVMs from each taking 4x longer on 2 cores; with the start-up cache
  # the starts are cheap enough that the waits between waves (each for its slowest member) cost more than the
  # contention (docs/measurements.md, session 11). Each wave is "launch | gate": the next wave is launched once the
  # gate's processes are ready, or serving (name@serving). The applications need the relay's Flyway migrations (the
  # schema, the 10,000 seeded products), done before its HTTP socket opens, not its stream: its engine's first batch
  # comes a second or more later, while the cores were mostly idle (docs/measurements.md, session 18). The
  # invalidators read from the earliest offset, and see a topic the relay creates later within 5 s.
  local -a waves=(
    "postgres redis-us redis-eu kafka redis-us-proxy wan-eu | postgres redis-us redis-eu kafka redis-us-proxy wan-eu"
    "postgres-eu cdc-relay | postgres-eu cdc-relay@serving"
    "catalog-eu pricing-eu catalog-us-1 pricing-us invalidator-us catalog-us-2 invalidator-eu cdc-relay-standby invalidator-2 console | "
  )
  # A wave's processes are launched at once (launching them one by one took 1-2 s of the last wave under its own
  # load), eu's services first: their starts also wait on the WAN link.
  local wave p
  local -a pids
  for wave in "${waves[@]}"; do
    # shellcheck disable=SC2086
    mapfile -t lines < <(by_name ${wave%|*})
    pids=()
    for c in "${lines[@]}"; do launch "$c" & pids+=("$!"); done
    for p in "${pids[@]}"; do wait "$p" || die "a launch failed (see above)"; done
    # shellcheck disable=SC2086
    wait_gate ${wave#*|}
  done
  wait_for "${COMPONENTS[@]}"
  log "stack up in $((SECONDS - t0)) s"
  train_caches
  # For `make bench`: how long the last `up` took, and whether it started everything (not a single restart).
  printf 'seconds=%d\nprocesses=%d\nalready-running=%d\nat=%s\njvm-opts=%s\n' "$((SECONDS - t0))" \
    "${#COMPONENTS[@]}" "$before" "$(date -u +%FT%TZ)" "JDK $APP_JAVA_MAJOR, APP_JIT=$APP_JIT, $APP_JVM_OPTS" >"$STACK_DIR/last-up"
  cmd_status
}

stop_pid() { # pid label
  local p="$1" i
  kill -0 "$p" 2>/dev/null || return 0
  kill -TERM "$p" 2>/dev/null || true
  for i in $(seq 1 150); do kill -0 "$p" 2>/dev/null || return 0; sleep 0.2; done
  log "$2 (pid $p) ignored SIGTERM for 30 s; killing it"
  kill -KILL "$p" 2>/dev/null || true
}

stop_component() { # component-line
  local name p
  name="$(field "$1" 1)"
  p="$(pid_of "$name")"
  if [[ -n "$p" ]]; then
    stop_pid "$p" "$name"; rm -f "$RUN/$name.pid"; log "stopped $name"
  fi
  # Processes a node started itself (redis-server, the Kafka broker JVM, the postmaster), recorded at start.
  if [[ -f "$RUN/$name.children" ]]; then
    while read -r p; do [[ -n "$p" ]] && stop_pid "$p" "$name child"; done <"$RUN/$name.children"
    rm -f "$RUN/$name.children"
  fi
  # A PostgreSQL data directory is free only when its postmaster has gone: a postmaster still shutting down (or
  # not recorded as a child) makes the next start fail with "another server might be running" (seen once in the
  # nemesis' restart-postgres). Its pid is the first line of postmaster.pid; SIGINT is a fast shutdown.
  local pidfile="$DATA/$name/postmaster.pid"
  if [[ -f "$pidfile" ]]; then
    p="$(head -1 "$pidfile" 2>/dev/null || true)"
    if [[ "$p" =~ ^[0-9]+$ ]] && [[ "$(ps -o comm= -p "$p" 2>/dev/null)" == postgres* ]]; then
      kill -INT "$p" 2>/dev/null || true
      stop_pid "$p" "$name postmaster"
    fi
  fi
}

cmd_down() {
  local c i
  # Applications first, all at once (each drains on SIGTERM); then the backing nodes they depended on.
  for c in "${COMPONENTS[@]}"; do [[ "$(field "$c" 2)" == app ]] && stop_component "$c" & done
  wait
  for ((i=${#COMPONENTS[@]}-1; i>=0; i--)); do
    c="${COMPONENTS[$i]}"; [[ "$(field "$c" 2)" == node ]] && stop_component "$c" &
  done
  wait
}

cmd_status() {
  printf '%-16s %-6s %-58s %-8s %s\n' SERVICE REGION URL PID STATE
  local c name region url p state code
  for c in "${COMPONENTS[@]}"; do
    name="$(field "$c" 1)"; region="$(field "$c" 3)"; url="$(field "$c" 5)"; p="$(pid_of "$name")"
    if alive "$name"; then
      state=running
      if [[ "$(field "$c" 2)" == app ]]; then
        code="$(curl -s -o /dev/null -w '%{http_code}' "$url/q/health/ready" || true)"
        [[ "$code" == 200 ]] && state=ready || state="not-ready($code)"
      fi
    else
      state=stopped; p="-"
    fi
    printf '%-16s %-6s %-58s %-8s %s\n' "$name" "$region" "$url" "${p:--}" "$state"
  done
}

cmd_logs() {
  local name="${1:-}"
  [[ -n "$name" ]] || die "usage: make logs SVC=<name>; names: $(for c in "${COMPONENTS[@]}"; do printf '%s ' "$(field "$c" 1)"; done)"
  [[ -f "$LOGS/$name.log" ]] || die "no log for $name in $LOGS"
  if [[ "${FOLLOW:-0}" == 1 ]]; then tail -n 200 -F "$LOGS/$name.log"; else tail -n 200 "$LOGS/$name.log"; fi
}

cmd_clean() {
  local c
  for c in "${COMPONENTS[@]}"; do
    alive "$(field "$c" 1)" && die "$(field "$c" 1) is running: run 'make down' first"
  done
  rm -rf "$DATA" "$LOGS" "$RUN"
  log "wiped $STACK_DIR (data, logs, pid files)"
}

case "${1:-}" in
  up) cmd_up ;;
  stop) stop_component "$(component "${2:?usage: stop <name>}")" ;;
  pid) component "${2:?usage: pid <name>}" >/dev/null; alive "$2" && pid_of "$2" || die "$2 is not running" ;;
  down) cmd_down ;;
  status) cmd_status ;;
  logs) cmd_logs "${2:-}" ;;
  clean) cmd_clean ;;
  build) ./mvnw -q -B -DskipTests install ;;
  *) echo "usage: $0 up|down|status|logs <name>|clean|build" >&2; exit 2 ;;
esac
