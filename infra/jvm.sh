# The application JVM, for stack.sh and bench.sh (sourced after infra/stack.env; needs $JAVA).
#
# APP_JAVA=auto picks a JDK 25 or newer when there is one (the default java, or one under /usr/lib/jvm): its AOT
# cache (JEPs 483, 514, 515: classes loaded and linked ahead of time, and the trainer's method profiles) makes every
# start after the first cheaper than JDK 17's class-data sharing does. Without one, the default java.
# APP_JIT=tiered (the default: C1, then C2 for what stays hot), full (the JDK's stock tiered thresholds) or c1 (C1
# only). Sets APP_JAVA, APP_JAVA_MAJOR, APP_JIT, JIT_FLAGS, CODE_CACHE_FLAG.

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
APP_JIT="${APP_JIT:-tiered}"
# tiered: C2 compiles a method after ten times the JDK's invocation and loop counts. Most of a Quarkus start's C2
# work (a third of a catalog's start-up CPU with the stock thresholds) is spent on start-up code that never runs
# again; a request path passes the raised thresholds within seconds of load. An application's start in `make up`:
# 2.4-2.9 CPU-seconds, against 4.3-5.5 with the stock thresholds and 1.9-2.2 with C1 only; until C2 has compiled a
# path it runs profiled C1 code, slower than C1 alone (docs/measurements.md, session 13). C1 itself compiles at ten
# times its stock thresholds too (2,000 calls instead of 200): half of a start's JIT work was C1 compiling start-up
# code that runs a few hundred times; a request or change path passes 2,000 calls within seconds of load. A
# catalog's start: 1.8 against 2.1-2.3 CPU-seconds (docs/measurements.md, session 15).
case "$APP_JIT" in
  c1) JIT_FLAGS="-XX:TieredStopAtLevel=1" ;;
  tiered) JIT_FLAGS="-XX:Tier3InvocationThreshold=2000 -XX:Tier3MinInvocationThreshold=1000 -XX:Tier3CompileThreshold=20000 -XX:Tier3BackEdgeThreshold=600000 -XX:Tier4InvocationThreshold=50000 -XX:Tier4MinInvocationThreshold=6000 -XX:Tier4CompileThreshold=150000 -XX:Tier4BackEdgeThreshold=400000" ;;
  full) JIT_FLAGS="" ;;
  *) echo "APP_JIT must be tiered, full or c1 (was '$APP_JIT')" >&2; exit 1 ;;
esac
# JDK 20+ collects (a full GC under SerialGC: 60-220 ms measured) whenever the compiled code has grown by
# SweeperThreshold % (15) of the code cache since the last such collection: 7 MB of C1's 48 MB, which every process
# passed once, a minute or so into its life, in the middle of whatever it was doing — the CDC path's processes
# included. 100 leaves only the collection of a nearly full code cache. On JDK 17 the flag means something else
# (its sweeper): not set there.
CODE_CACHE_FLAG=""
((APP_JAVA_MAJOR >= 20)) && CODE_CACHE_FLAG="-XX:SweeperThreshold=100"
