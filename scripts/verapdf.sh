#!/usr/bin/env bash
# veraPDF, the reference PDF/A validator, from Maven Central (no installer needed).
#
#   scripts/verapdf.sh fetch                  fetch the jars once into .cache/verapdf/libs
#   scripts/verapdf.sh classpath              fetch if needed, print the Java class path
#   scripts/verapdf.sh validate [ARGS] FILE…  fetch if needed, run the veraPDF command line
#                                             (e.g. validate --flavour 2u --format text x.pdf)
#
# Environment: VERAPDF_CACHE_DIR (.cache/verapdf), VERAPDF_JAVA_OPTS (JVM options).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${VERAPDF_CACHE_DIR:-$root/.cache/verapdf}"
libs="$cache/libs"
main_class=org.verapdf.apps.GreenfieldCliWrapper

log() { echo "verapdf: $*" >&2; }

fetch() {
  [ -f "$libs/.complete" ] && return 0
  command -v mvn >/dev/null || { log "Maven (mvn) is needed to fetch veraPDF"; exit 1; }
  command -v java >/dev/null || { log "Java (17+) is needed to run veraPDF"; exit 1; }
  log "fetching veraPDF jars from Maven Central into $libs"
  mkdir -p "$libs"
  mvn -q -B -f "$root/scripts/verapdf/pom.xml" dependency:copy-dependencies \
    -DoutputDirectory="$libs" -DincludeScope=runtime
  touch "$libs/.complete"
}

# C1-only JIT and serial GC: a short validation run then needs less than half the CPU time.
run() {
  local opts
  read -r -a opts <<<"${VERAPDF_JAVA_OPTS:--XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xmx1g}"
  exec java "${opts[@]}" -cp "$libs/*" "$main_class" "$@"
}

case "${1:-}" in
  fetch) fetch ;;
  classpath) fetch; echo "$libs/*" ;;
  validate) shift; fetch; run "$@" ;;
  *) echo "usage: $0 fetch|classpath|validate [veraPDF args] FILE..." >&2; exit 64 ;;
esac
