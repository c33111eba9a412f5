#!/usr/bin/env bash
# Reads infra/processes (the one declaration of the stack's processes). Source after infra/stack.env.
#   processes          → "name|kind|region|port|roles" per process, the port resolved from stack.env
#   with_role ROLE     → the same lines, only processes with that role (reader, writer, invalidator, relay, ...)
TOPOLOGY_FILE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/processes"

processes() {
  local name kind region var roles
  while IFS='|' read -r name kind region var roles; do
    name="${name//[[:space:]]/}"
    [[ -z "$name" || "$name" == \#* ]] && continue
    kind="${kind//[[:space:]]/}"; region="${region//[[:space:]]/}"; var="${var//[[:space:]]/}"; roles="${roles//[[:space:]]/}"
    [[ -n "${!var:-}" ]] || { echo "infra/processes: $var is not set (infra/stack.env)" >&2; return 1; }
    echo "$name|$kind|$region|${!var}|$roles"
  done <"$TOPOLOGY_FILE"
}

with_role() {
  processes | awk -F'|' -v role="$1" '{ n = split($5, r, ","); for (i = 1; i <= n; i++) if (r[i] == role) { print; break } }'
}
