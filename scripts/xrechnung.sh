#!/usr/bin/env bash
# Official EN 16931 / XRechnung validation artefacts (compiled Schematron as XSLT, UBL 2.1 and
# CII D16B XML Schemas), fetched from Maven Central with the versions pinned in
# scripts/xrechnung/pom.xml and unpacked into a git-ignored cache.
#
#   scripts/xrechnung.sh fetch    fetch and unpack (once; again when the pom changed), print the dir
#   scripts/xrechnung.sh path     print the rules directory (exit 1 when not fetched yet)
#   scripts/xrechnung.sh clean    delete the cache
#
# Layout of the rules directory (what hub.formats.xrechnung reads):
#   schematron/en16931/<version>/{ubl,cii}/EN16931-{UBL,CII}-validation.xslt
#   schematron/xrechnung/<version>/XRechnung-{UBL,CII}-validation.xslt
#   xsd/ubl21/maindoc/UBL-{Invoice,CreditNote}-2.1.xsd, xsd/d16b/data/standard/CrossIndustryInvoice_100pD16B.xsd
#   xsd/common/{CCTS_CCT_SchemaModule,xmldsig-core-schema,XAdES01903v132-201601,XAdES01903v141-201601}.xsd
#     (UBL imports these by namespace only; the hub names their locations when it loads UBL)
#
# Environment: HUB_XRECHNUNG_RULES_DIR (.cache/xrechnung), the same variable the hub reads.
# To update the rules: change the versions in scripts/xrechnung/pom.xml and rerun `fetch`.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
pom="$root/scripts/xrechnung/pom.xml"
dir="${HUB_XRECHNUNG_RULES_DIR:-$root/.cache/xrechnung}"
marker="$dir/.complete"

log() { echo "xrechnung: $*" >&2; }

pom_digest() { sha256sum "$pom" | cut -d' ' -f1; }

fetched() { [ -f "$marker" ] && [ "$(cat "$marker")" = "$(pom_digest)" ]; }

fetch() {
  if fetched; then echo "$dir"; return 0; fi
  command -v mvn >/dev/null || { log "Maven (mvn) is needed to fetch the rules"; exit 1; }
  local python
  python="$(command -v python3 || command -v python3.11)" || { log "python3 is needed to unpack the jars"; exit 1; }
  local work="$dir.partial"
  rm -rf "$work"
  mkdir -p "$work/jars"
  log "fetching the rule and schema jars from Maven Central into $work/jars"
  mvn -q -B -f "$pom" dependency:copy-dependencies -DoutputDirectory="$work/jars" -DexcludeTransitive=true >&2
  "$python" - "$work" <<'PY'
import sys
import zipfile
from pathlib import Path

work = Path(sys.argv[1])
# jar name prefix -> (folder inside the jar, folder in the cache)
layout = {
    "phive-rules-en16931-": ("external/schematron/", "schematron/en16931/"),
    "phive-rules-xrechnung-": ("external/schematron/", "schematron/xrechnung/"),
    "ph-ubl21-": ("external/schemas/ubl21/", "xsd/ubl21/"),
    "ph-cii-d16b-": ("external/schemas/d16b/", "xsd/d16b/"),
    "ph-xsds-ccts-cct-schemamodule-": ("schemas/", "xsd/common/"),
    "ph-xsds-xmldsig-": ("schemas/", "xsd/common/"),
    "ph-xsds-xades132-": ("schemas/", "xsd/common/"),
    "ph-xsds-xades141-": ("schemas/", "xsd/common/"),
}
for prefix, (inside, target) in layout.items():
    jars = sorted(work.glob(f"jars/{prefix}*.jar"))
    if len(jars) != 1:
        sys.exit(f"xrechnung: expected one {prefix}*.jar, found {len(jars)}")
    count = 0
    with zipfile.ZipFile(jars[0]) as jar:
        for name in jar.namelist():
            if name.startswith(inside) and name.endswith((".xslt", ".xsl", ".xsd")):
                out = work / target / name[len(inside):]
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(jar.read(name))
                count += 1
    if count == 0:
        sys.exit(f"xrechnung: {jars[0].name} has no files under {inside}")
    print(f"xrechnung: {jars[0].name}: {count} files -> {target}", file=sys.stderr)
PY
  pom_digest >"$work/.complete"
  rm -rf "$dir"
  mv "$work" "$dir"
  log "rules ready"
  echo "$dir"
}

case "${1:-}" in
  fetch) fetch ;;
  path) fetched || { log "not fetched yet: run '$0 fetch'"; exit 1; }; echo "$dir" ;;
  clean) rm -rf "$dir" "$dir.partial"; log "deleted $dir" ;;
  *) echo "usage: $0 fetch|path|clean" >&2; exit 64 ;;
esac
