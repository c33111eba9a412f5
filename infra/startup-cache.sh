# A JVM's start-up cache, for stack.sh (sourced; needs APP_JAVA_MAJOR from infra/jvm.sh and CACHE_DIR).
# StartupCacheTest runs it on its own.

# cache_flags cache-name jar-dir may-train -> "use <options>", "train <options>" or "none".
# A cache older than any jar under jar-dir is stale: nobody uses it, and a trainer records a new one over it when it
# exits. It is not removed first: the processes of one kind are launched at once, each asking here, and a trainer
# that removed the stale file between a sibling's existence test and its age test made that sibling's `find` fail
# ("No such file or directory" in `make up`) and start with a cache that was no longer there.
cache_flags() {
  local cache quiet use train
  if ((APP_JAVA_MAJOR >= 25)); then
    cache="$CACHE_DIR/$1.aot" quiet="-Xlog:aot=off -Xlog:cds=off" use="-XX:AOTCache=" train="-XX:AOTCacheOutput="
  else
    cache="$CACHE_DIR/$1.jsa" quiet="-Xlog:cds=off -Xlog:cds+dynamic=off"
    use="-XX:SharedArchiveFile=" train="-XX:ArchiveClassesAtExit="
  fi
  if [[ "${CDS:-1}" == 0 ]]; then
    echo none
  elif [[ -f "$cache" ]] && [[ -z "$(find "$2" -name '*.jar' -newer "$cache" -print -quit)" ]]; then
    echo "use $use$cache $quiet"
  elif [[ "$3" == yes && ! -f "$cache.training" ]]; then
    mkdir -p "$CACHE_DIR"
    : >"$cache.training"
    echo "train $train$cache $quiet"
  else
    echo none
  fi
}
