#!/usr/bin/env bash
# Builds the terraform CLI the end-to-end tests run against with the local Go toolchain and prints
# the binary's path on stdout; everything else goes to stderr. Without an argument it builds v1.8.5,
# falling back to v1.5.7; with a version argument (or TF_OCI_TERRAFORM_VERSION) exactly that version.
# Binaries are cached per version under ${TF_OCI_TOOLS_DIR:-$HOME/.cache/tf-oci-registry/bin} and
# reused when `terraform version` reports the expected version. Usage:
#   export TF_OCI_TERRAFORM="$(.ci/build-terraform.sh)"
#   export TF_OCI_TERRAFORM_EXTRA="$(.ci/build-terraform.sh 1.5.7)"
set -euo pipefail

tools_dir="${TF_OCI_TOOLS_DIR:-$HOME/.cache/tf-oci-registry/bin}"
requested="${1:-${TF_OCI_TERRAFORM_VERSION:-}}"
if [ -n "$requested" ]; then
  versions=("${requested#v}")
else
  versions=("1.8.5" "1.5.7")
fi

log() { echo "build-terraform: $*" >&2; }

# True when $1 is a terraform binary whose `terraform version` reports exactly version $2.
is_version() {
  [ -x "$1" ] || return 1
  local out first
  out="$(CHECKPOINT_DISABLE=1 TF_CLI_CONFIG_FILE=/dev/null "$1" version 2>/dev/null)" || return 1
  first="${out%%$'\n'*}"
  [ "$first" = "Terraform v$2" ] || [ "$first" = "Terraform v$2-dev" ]
}

# Builds terraform v$1 into $tools_dir/terraform-v$1/ (first plainly, then with the linker's
# linkname check disabled, which newer Go releases need for some older dependencies).
build() {
  local version="$1" gobin="$tools_dir/terraform-v$1"
  local marker="$gobin/.failed-$(go env GOVERSION)"
  if is_version "$gobin/terraform" "$version"; then
    log "reusing $gobin/terraform"
    return 0
  fi
  # A failure is remembered for a day, so a fallback run does not retry the broken build each time
  # while a transient failure (e.g. a module download) does not stick forever.
  if [ -n "$(find "$marker" -mmin -1440 2>/dev/null)" ]; then
    log "v$version failed to build with $(go env GOVERSION) in the last day (remove $marker to retry)"
    return 1
  fi
  mkdir -p "$gobin"
  # dev=no (>= 1.6) / Prerelease= (1.5) drop the "-dev" suffix so the CLI reports a release version.
  local stamp="-X github.com/hashicorp/terraform/version.dev=no -X github.com/hashicorp/terraform/version.Prerelease="
  local flags
  for flags in "$stamp" "-checklinkname=0 $stamp"; do
    log "go install github.com/hashicorp/terraform@v$version (ldflags: $flags)"
    local started=$SECONDS
    if GOBIN="$gobin" CGO_ENABLED=0 GOFLAGS=-buildvcs=false \
        go install -trimpath -ldflags="$flags" "github.com/hashicorp/terraform@v$version" >&2; then
      if is_version "$gobin/terraform" "$version"; then
        log "built v$version in $((SECONDS - started))s"
        return 0
      fi
      log "built binary does not report v$version"
    fi
  done
  touch "$marker"
  return 1
}

command -v go >/dev/null || { log "go is not on PATH"; exit 1; }
for version in "${versions[@]}"; do
  if build "$version"; then
    echo "$tools_dir/terraform-v$version/terraform"
    exit 0
  fi
  log "could not build terraform v$version"
done
exit 1
