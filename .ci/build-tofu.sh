#!/usr/bin/env bash
# Builds the OpenTofu CLI the end-to-end tests run against (by default v1.10.10: the first line with OCI
# registry support, oci_mirror and oci:// module sources; another version as the first argument or
# TF_OCI_TOFU_VERSION, e.g. 1.6.3 for CI's extra run) with the local Go toolchain, and prints the binary's
# path on stdout; everything else goes to stderr. `go install module@version` refuses OpenTofu (its
# go.mod has a replace directive), so the module source is downloaded through the Go module proxy and
# built as the main module. Cached under ${TF_OCI_TOOLS_DIR:-$HOME/.cache/tf-oci-registry/bin}.
# Usage: export TF_OCI_TOFU="$(.ci/build-tofu.sh)"; export TF_OCI_TOFU_EXTRA="$(.ci/build-tofu.sh 1.6.3)"
set -euo pipefail

tools_dir="${TF_OCI_TOOLS_DIR:-$HOME/.cache/tf-oci-registry/bin}"
version="${1:-${TF_OCI_TOFU_VERSION:-1.10.10}}"
version="${version#v}"
module="github.com/opentofu/opentofu"
out="$tools_dir/tofu-v$version/tofu"

log() { echo "build-tofu: $*" >&2; }

is_version() {
  [ -x "$1" ] || return 1
  local out first
  # No `| head` here: with pipefail, tofu killed by SIGPIPE would fail the check.
  out="$(TF_CLI_CONFIG_FILE=/dev/null "$1" version 2>/dev/null)" || return 1
  first="${out%%$'\n'*}"
  [ "$first" = "OpenTofu v$version" ]
}

command -v go >/dev/null || { log "go is not on PATH"; exit 1; }
if is_version "$out" ; then
  log "reusing $out"
  echo "$out"
  exit 0
fi

started=$SECONDS
log "go mod download $module@v$version"
dir="$(go mod download -json "$module@v$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
[ -n "$dir" ] && [ -d "$dir" ] || { log "module source not found after go mod download"; exit 1; }
src="$(mktemp -d)"
trap 'chmod -R u+w "$src" 2>/dev/null; rm -rf "$src"' EXIT
cp -r "$dir/." "$src/"
chmod -R u+w "$src"
mkdir -p "$(dirname "$out")"
log "go build ./cmd/tofu (in a copy of $dir)"
# dev=no drops the "-dev" suffix, so the CLI reports the release version.
(cd "$src" && CGO_ENABLED=0 GOFLAGS=-buildvcs=false go build -trimpath \
  -ldflags "-X $module/version.dev=no" -o "$out" ./cmd/tofu >&2)
is_version "$out" || { log "built binary does not report v$version"; exit 1; }
log "built v$version in $((SECONDS - started))s"
echo "$out"
