#!/usr/bin/env bash
# Runs every fuzz target in the module for a few seconds each.
set -euo pipefail
secs=${FUZZTIME:-5s}
go list -f '{{.ImportPath}} {{.Dir}}' ./... | while read -r pkg dir; do
  for f in $(grep -hoE '^func (Fuzz[A-Za-z0-9_]+)\(f \*testing\.F\)' "$dir"/*_test.go 2>/dev/null | sed -E 's/^func (Fuzz[A-Za-z0-9_]+).*/\1/'); do
    echo "== $pkg $f ($secs)"
    go test -run '^$' -fuzz "^$f\$" -fuzztime "$secs" -fuzzminimizetime 0 "$pkg"
  done
done
