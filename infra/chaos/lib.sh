# Shared by the chaos scripts: stack settings, the probe, the services' chaos switch.
set -euo pipefail
# shellcheck source=infra/script-env.sh
source "$(dirname "${BASH_SOURCE[0]}")/../script-env.sh"
mapfile -t WRITERS < <(with_role writer | cut -d'|' -f4)
mapfile -t INVALIDATORS < <(with_role invalidator | cut -d'|' -f4)

say() { printf '\n== %s\n' "$*"; }

probe() { # LagProbe options...
  [[ -d lag-probe/target/lib ]] || ./mvnw -q -B -DskipTests install -pl lag-probe -am
  java -cp "lag-probe/target/lag-probe.jar:lag-probe/target/lib/*" dev.cdccache.probe.LagProbe "$@" 2>/dev/null
}

admin_token() { # compose: export ADMIN_TOKEN (the same value given to docker compose up); local stack: its file
  if [[ -n "${ADMIN_TOKEN:-}" ]]; then printf '%s' "$ADMIN_TOKEN"; return; fi
  [[ -r "$STACK_DIR/admin-token" ]] || { echo "no admin token in $STACK_DIR/admin-token: run 'make up' (not CHAOS=0)" >&2; return 1; }
  cat "$STACK_DIR/admin-token"
}

chaos_set() { # dropDelRate dropL1BroadcastRate ports...
  local del="$1" l1="$2" port token; shift 2
  token="$(admin_token)" || return 1
  for port in "$@"; do
    curl -sf -X PUT "http://127.0.0.1:$port/admin/chaos" -H @<(printf 'X-Admin-Token: %s\n' "$token") \
      -H 'Content-Type: application/json' -d "{\"dropDelRate\": $del, \"dropL1BroadcastRate\": $l1}" >/dev/null \
      || { echo "chaos switch on port $port failed (is the stack up? make up)" >&2; return 1; }
  done
}

chaos_off() { chaos_set 0 0 "${WRITERS[@]}" "${INVALIDATORS[@]}" || true; }

require_stack() {
  local port
  for port in "${WRITERS[@]}" "${INVALIDATORS[@]}" "$CDC_RELAY_PORT"; do
    [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/q/health/ready")" == 200 ]] \
      || { echo "process on port $port is not ready: run 'make up' first" >&2; exit 1; }
  done
}

# shellcheck source=infra/metrics.sh
source "$ROOT/infra/metrics.sh"

metric_sum() { # port metric-name-regex
  sum "$(metrics "$1")" "$2"
}
