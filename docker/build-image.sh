#!/usr/bin/env bash
# Builds the tf-oci-registry image from the Dockerfile with podman (docs/docker.md#building-the-image).
# The base is BASE_IMAGE when set, else the official node:20-bookworm-slim when it can be pulled, else a
# local stand-in built by docker/build-base-image.sh (machines without access to an image registry).
# Layers are cached by podman, so a re-run after no change takes seconds. Prints the image name last.
#   usage: docker/build-image.sh [IMAGE]      (default localhost/tf-oci-registry:latest)
set -euo pipefail
cd "$(dirname "$0")/.."
IMAGE="${1:-localhost/tf-oci-registry:latest}"
OFFICIAL=docker.io/library/node:20-bookworm-slim
export CONTAINERS_CONF="${CONTAINERS_CONF:-$PWD/docker/podman-containers.conf}"

base="${BASE_IMAGE:-}"
if [ -z "$base" ]; then
  if podman image exists "$OFFICIAL" || timeout 300 podman pull -q "$OFFICIAL" >/dev/null 2>&1; then
    base="$OFFICIAL"
  else
    echo "build-image: $OFFICIAL cannot be pulled here; using a local base image (docker/build-base-image.sh)" >&2
    base="$(bash docker/build-base-image.sh | tail -n 1)"
  fi
fi

# npm ci inside the build trusts this machine's CA bundle too (a TLS-intercepting proxy's CA, if any).
secret=()
ca="${BUILD_CA_FILE:-/etc/ssl/certs/ca-certificates.crt}"
if [ -s "$ca" ]; then secret=(--secret "id=build_ca,src=$ca"); fi

echo "build-image: podman build --build-arg BASE_IMAGE=$base -t $IMAGE ." >&2
# --format docker: the OCI image format has no HEALTHCHECK.
podman build --format docker --build-arg "BASE_IMAGE=$base" "${secret[@]}" -t "$IMAGE" . >&2
echo "build-image: $IMAGE is $(podman image inspect "$IMAGE" --format '{{.Size}}') bytes" >&2
echo "$IMAGE"
