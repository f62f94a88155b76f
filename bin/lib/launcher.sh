# Shared by bin/jntpd and bin/jntpc: find a JDK >= 25, build the jar when missing or stale, run a main class.
# The caller may set the array jntpd_jvm_flags (JVM flags of that program, before JNTPD_JAVA_OPTS).
# Environment: JAVA_HOME (used when new enough), JNTPD_JAVA_OPTS (extra JVM flags),
# JNTPD_CLASSPATH (run these classes as they are, no build: tests use target/classes),
# JNTPD_VIRTUAL_CLOCK=OFFSET_S,FREQ_PPM (run against the libc virtual-clock test double, built on demand: the host
# clock is never touched; see native/vclock/README.md), JNTPD_NATIVE_SHIM (any other test double library).

jntpd_top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

jntpd_jdk_major() { # $1 = JDK home; prints the feature version from its release file
  local v
  v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release" 2>/dev/null)
  echo "${v:-0}"
}

jntpd_find_jdk() {
  local c cands=()
  [ -n "${JAVA_HOME:-}" ] && cands+=("$JAVA_HOME")
  if command -v java >/dev/null 2>&1; then
    cands+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
  fi
  for c in /usr/lib/jvm/* /opt/java/* /opt/jdk* /usr/local/lib/jvm/*; do [ -d "$c" ] && cands+=("$c"); done
  for c in "${cands[@]}"; do
    if [ -x "$c/bin/java" ] && [ "$(jntpd_jdk_major "$c")" -ge 25 ]; then echo "$c"; return 0; fi
  done
  return 1
}

jntpd_run() { # $1 = main class, rest = its arguments
  local main=$1; shift
  local jdk
  if ! jdk=$(jntpd_find_jdk); then
    echo "jntpd needs a JDK 25 or newer: none found in \$JAVA_HOME, on the PATH or under /usr/lib/jvm (install one, or set JAVA_HOME)." >&2
    exit 1
  fi
  local cp=${JNTPD_CLASSPATH:-}
  if [ -z "$cp" ]; then
    local jar="$jntpd_top/target/jntpd.jar"
    if [ ! -f "$jar" ] || [ -n "$(find "$jntpd_top/src/main" "$jntpd_top/pom.xml" -newer "$jar" -print -quit 2>/dev/null)" ]; then
      mkdir -p "$jntpd_top/target"
      # One build at a time when several launchers start together.
      (
        flock 9
        if [ ! -f "$jar" ] || [ -n "$(find "$jntpd_top/src/main" "$jntpd_top/pom.xml" -newer "$jar" -print -quit 2>/dev/null)" ]; then
          echo "jntpd: building $jar ..." >&2
          # Maven's own guice still uses sun.misc.Unsafe: allowed quietly on the JDK 25 the build runs on.
          (cd "$jntpd_top" && JAVA_HOME="$jdk" MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow" \
            ./mvnw -q -B -DskipTests package >&2) || { echo "jntpd: the build failed (see above)." >&2; exit 1; }
        fi
      ) 9>"$jntpd_top/target/.build.lock" || exit 1
    fi
    cp=$jar
  fi
  local shim=${JNTPD_NATIVE_SHIM:-}
  if [ -z "$shim" ] && [ -n "${JNTPD_VIRTUAL_CLOCK:-}" ]; then
    shim="$jntpd_top/target/native/libjntpd_vclock.so"
    mkdir -p "$jntpd_top/target/native"
    (
      flock 9
      if [ ! -f "$shim" ] || [ "$jntpd_top/native/vclock/vclock.c" -nt "$shim" ]; then
        sh "$jntpd_top/native/vclock/build.sh" "$jntpd_top/target/native" >&2 || { echo "jntpd: cannot build the virtual-clock shim (gcc?)." >&2; exit 1; }
      fi
    ) 9>"$jntpd_top/target/native/.build.lock" || exit 1
  fi
  local extra=()
  [ -n "$shim" ] && extra+=("-Djntpd.native.shim=$shim")
  # shellcheck disable=SC2086
  exec "$jdk/bin/java" --enable-native-access=ALL-UNNAMED -XX:+UseSerialGC -Xss1m \
    ${jntpd_jvm_flags[@]+"${jntpd_jvm_flags[@]}"} ${extra[@]+"${extra[@]}"} ${JNTPD_JAVA_OPTS:-} \
    -cp "$cp" "$main" "$@"
}
