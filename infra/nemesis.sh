#!/usr/bin/env bash
# The nemesis suite against the running local stack (make up first): repeated faults, a checker over the recorded
# history, a convergence check after healing. Options are passed to dev.cdccache.probe.Nemesis, e.g.
#   infra/nemesis.sh --reps 20 --faults kill-relay,drop-dels --hold-ms 3000
set -euo pipefail
# shellcheck source=infra/script-env.sh
source "$(dirname "${BASH_SOURCE[0]}")/script-env.sh"
[[ -d lag-probe/target/lib ]] || ./mvnw -q -B -DskipTests install -pl lag-probe -am
exec java -Dcdccache.repo.root="$ROOT" -cp "lag-probe/target/lag-probe.jar:lag-probe/target/lib/*" \
  dev.cdccache.probe.Nemesis "$@"
