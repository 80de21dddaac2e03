#!/usr/bin/env bash
# Public and internal names stay apart: the public API is the functions declared in
# src/maskrcnn_wasm.h, all under the prefixes below, and no internal function takes one of
# those prefixes. Checks a built core library against the header:
#   scripts/check_public_names.sh LIBRARY.a HEADER
# Fails (exit 1, naming the symbol) when a public function is not defined, or when the library
# defines a function under a public prefix that the header does not declare.
set -euo pipefail
library=$1
header=$2
public_prefixes='^mrw_(model|result|stage|default)_'

declared=$(grep -oE '\bmrw_[a-z0-9_]+\(' "$header" | tr -d '(' | sort -u)
defined=$(nm -g --defined-only "$library" | awk '$2 == "T" { print $3 }' | grep '^mrw_' | sort -u)
status=0
for name in $declared; do
  grep -qx "$name" <<<"$defined" || { echo "public function $name is declared in $header but not defined"; status=1; }
  grep -qE "$public_prefixes" <<<"$name" || { echo "public function $name is outside the public prefixes"; status=1; }
done
for name in $(grep -E "$public_prefixes" <<<"$defined" || true); do
  grep -qx "$name" <<<"$declared" || { echo "internal function $name takes a public prefix (mrw_model_, mrw_result_, mrw_stage_, mrw_default_)"; status=1; }
done
[ $status -eq 0 ] && echo "public names: $(wc -w <<<"$declared") functions, all defined; no internal function under a public prefix"
exit $status
