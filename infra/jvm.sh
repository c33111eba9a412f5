# The application JVM, for stack.sh and bench.sh (sourced after infra/stack.env; needs $JAVA).
#
# APP_JAVA=auto picks a JDK 25 or newer when there is one (the default java, or one under /usr/lib/jvm): its AOT
# cache (JEPs 483 and 514: classes loaded and linked ahead of time) lets a full-JIT application start with less CPU
# than a C1-only one did on JDK 17 with class-data sharing. Without one, the default java.
# APP_JIT=auto: full JIT for a process whose module has its start-up cache on a JDK 25+ (stack.sh), C1 only otherwise
# (a first start after a build, or JDK 17); APP_JIT=c1|full forces one for every process.
# Sets APP_JAVA, APP_JAVA_MAJOR, APP_JIT and C1_FLAG.

java_major() { # java-binary -> feature release, e.g. 17 or 25 (0 when it does not run)
  local v
  v="$("$1" -version 2>&1 | awk -F'"' '/version/ {print $2; exit}')" || true
  v="${v#1.}"
  echo "${v%%[.+-]*}" | grep -E '^[0-9]+$' || echo 0
}

resolve_app_java() {
  local j
  for j in "$JAVA" /usr/lib/jvm/*/bin/java; do
    [[ -x "$j" || "$j" == "$JAVA" ]] || continue
    if (($(java_major "$j") >= 25)); then echo "$j"; return 0; fi
  done
  echo "$JAVA"
}

[[ "${APP_JAVA:-auto}" == auto ]] && APP_JAVA="$(resolve_app_java)"
APP_JAVA_MAJOR="$(java_major "$APP_JAVA")"
case "${APP_JIT:-auto}" in
  auto | full | c1) APP_JIT="${APP_JIT:-auto}" ;;
  *) echo "APP_JIT must be auto, full or c1 (was '$APP_JIT')" >&2; exit 1 ;;
esac
C1_FLAG="-XX:TieredStopAtLevel=1"
