#!/usr/bin/env bash
# Builds GoReleaser, which test/cli/goreleaser.test.ts runs with the `.goreleaser.yml` and CI examples of
# docs/publishing.md, with the local Go toolchain through the Go module proxy, and prints the binary's
# path on stdout; everything else goes to stderr. Cached under
# ${TF_OCI_TOOLS_DIR:-$HOME/.cache/tf-oci-registry/bin} and reused when `goreleaser --version` reports
# the expected version (the first build takes about 6 minutes on 2 cores). Usage:
#   export TF_OCI_GORELEASER="$(.ci/build-goreleaser.sh)"
set -euo pipefail

tools_dir="${TF_OCI_TOOLS_DIR:-$HOME/.cache/tf-oci-registry/bin}"
version="${TF_OCI_GORELEASER_VERSION:-2.17.0}"
gobin="$tools_dir/goreleaser-v$version"
bin="$gobin/goreleaser"

log() { echo "build-goreleaser: $*" >&2; }

reports_version() { [ -x "$bin" ] && "$bin" --version 2>/dev/null | grep -qE "GitVersion: +v$version\$"; }

if reports_version; then
  log "reusing $bin"
else
  command -v go >/dev/null || { log "go is not on PATH"; exit 1; }
  mkdir -p "$gobin"
  log "go install github.com/goreleaser/goreleaser/v2@v$version"
  started=$SECONDS
  GOBIN="$gobin" CGO_ENABLED=0 GOFLAGS=-buildvcs=false \
    go install -trimpath "github.com/goreleaser/goreleaser/v2@v$version" >&2
  reports_version || { log "$bin does not report v$version"; exit 1; }
  log "built v$version in $((SECONDS - started))s"
fi
echo "$bin"
