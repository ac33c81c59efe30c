#!/usr/bin/env bash
# Builds the two OCI registries the compatibility runs test against besides Debian's Distribution 2.8
# (docs/registries.md): CNCF Distribution v3 (`registry`) and go-containerregistry's `crane` (whose
# `crane registry serve` is a small OCI registry), with the local Go toolchain through the Go module
# proxy. Cached per version under ${TF_OCI_TOOLS_DIR:-$HOME/.cache/tf-oci-registry/bin} and reused when
# the binary reports the expected version; test/support/registry-implementations.ts looks there.
# Prints the two binaries' paths on stdout (distribution first); everything else goes to stderr.
# Usage: bash .ci/build-registries.sh
set -euo pipefail

tools_dir="${TF_OCI_TOOLS_DIR:-$HOME/.cache/tf-oci-registry/bin}"
distribution_version="3.1.2"
crane_version="0.22.1"

log() { echo "build-registries: $*" >&2; }

# build <dir> <binary name> <expected version output (grep -F)> <version command...> -- <go package@version>
build() {
  local dir="$1" name="$2" expect="$3"
  shift 3
  local cmd=()
  while [ "$1" != "--" ]; do cmd+=("$1"); shift; done
  local pkg="$2" bin="$tools_dir/$dir/$name"
  if [ -x "$bin" ] && "$bin" "${cmd[@]}" 2>&1 | grep -qF "$expect"; then
    log "reusing $bin"
  else
    mkdir -p "$tools_dir/$dir"
    log "go install $pkg"
    local started=$SECONDS
    GOBIN="$tools_dir/$dir" CGO_ENABLED=0 GOFLAGS=-buildvcs=false go install -trimpath "$pkg" >&2
    "$bin" "${cmd[@]}" 2>&1 | grep -qF "$expect" || { log "$bin does not report $expect"; exit 1; }
    log "built $pkg in $((SECONDS - started))s"
  fi
  echo "$bin"
}

command -v go >/dev/null || { log "go is not on PATH"; exit 1; }
build "distribution-v$distribution_version" registry "v$distribution_version" --version -- \
  "github.com/distribution/distribution/v3/cmd/registry@v$distribution_version"
build "crane-v$crane_version" crane "v$crane_version" version -- \
  "github.com/google/go-containerregistry/cmd/crane@v$crane_version"
