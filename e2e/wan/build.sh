#!/usr/bin/env bash
# Builds the harness's delay line (e2e/wan, see main.go) from the Go module proxy, with the module
# versions go.mod and go.sum pin, into e2e/wan/.bin/wan. Go's caches live under
# ${XDG_CACHE_HOME:-~/.cache}/stretched-kafka/go (shared with e2e/k8s/build.sh), so a second
# build costs about a second; the first one downloads golang.org/x/sys.
#   usage: e2e/wan/build.sh    (prints the binary's path)
set -euo pipefail
dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/stretched-kafka/go"
export GOMODCACHE="$cache/mod" GOCACHE="$cache/build" GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=readonly
command -v go >/dev/null || { echo "e2e/wan/build.sh: no go on PATH (the delay line is a Go program)" >&2; exit 2; }
mkdir -p "$dir/.bin" "$GOMODCACHE" "$GOCACHE"
cd "$dir"
go build -trimpath -buildvcs=false -ldflags="-s -w" -o .bin/wan.tmp .
mv .bin/wan.tmp .bin/wan
echo "$dir/.bin/wan"
