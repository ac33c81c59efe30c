#!/usr/bin/env bash
# Builds a local stand-in for the official node:20-bookworm-slim image, for machines that cannot pull from
# an image registry: a minimal Debian bookworm root filesystem (debootstrap, from Debian's own mirror) plus
# the Node.js 20 of this machine (node, npm and a `node` user with uid 1000, as in the official image),
# imported into podman. The root filesystem tarball is cached under ~/.cache/tf-oci-registry/oci-base so
# that CI builds it once. Prints the image name on its last line; use it as the Dockerfile's BASE_IMAGE
# (docs/docker.md#building-without-access-to-an-image-registry).
#   usage: docker/build-base-image.sh            (needs root, debootstrap, podman)
set -euo pipefail

NODE_BIN="$(command -v node)"
NODE_VERSION="$("$NODE_BIN" --version)"
case "$NODE_VERSION" in
  v20.*) ;;
  *) echo "build-base-image: node $NODE_VERSION is not Node 20" >&2; exit 1 ;;
esac
SUITE=bookworm
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
KEY="node${NODE_VERSION#v}-${SUITE}-$(uname -m)"
IMAGE="localhost/tf-oci-registry-base:${KEY}"
CACHE="${TF_OCI_CACHE:-$HOME/.cache/tf-oci-registry}/oci-base"
TARBALL="$CACHE/$KEY.tar.gz"

if podman image exists "$IMAGE"; then
  echo "$IMAGE"
  exit 0
fi

if [ ! -s "$TARBALL" ]; then
  NPM_DIR="$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")"
  [ -f "$NPM_DIR/package.json" ] || { echo "build-base-image: npm not found next to node" >&2; exit 1; }
  mkdir -p "$CACHE"
  work="$(mktemp -d "$CACHE/rootfs.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  rootfs="$work/rootfs"
  echo "build-base-image: debootstrap --variant=minbase $SUITE from $MIRROR" >&2
  debootstrap --variant=minbase "$SUITE" "$rootfs" "$MIRROR" >&2
  # Node: the same binary and npm as this machine, where the official image puts them.
  install -m 0755 "$NODE_BIN" "$rootfs/usr/local/bin/node"
  mkdir -p "$rootfs/usr/local/lib/node_modules"
  cp -a "$NPM_DIR" "$rootfs/usr/local/lib/node_modules/npm"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
  # The official image's user: node, uid/gid 1000, home /home/node.
  chroot "$rootfs" groupadd --gid 1000 node
  chroot "$rootfs" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
  # Slim: no apt lists, caches, docs or man pages (as in the -slim images).
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
    "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/var/log/*.log
  tar --numeric-owner --xattrs -C "$rootfs" -czf "$TARBALL.tmp" .
  mv "$TARBALL.tmp" "$TARBALL"
  echo "build-base-image: cached $TARBALL ($(du -h "$TARBALL" | cut -f1))" >&2
fi

podman import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change "ENV NODE_VERSION=${NODE_VERSION#v}" \
  --change 'CMD ["node"]' \
  --message "debootstrap $SUITE minbase + node $NODE_VERSION (docker/build-base-image.sh)" \
  "$TARBALL" "$IMAGE" >&2
echo "$IMAGE"
