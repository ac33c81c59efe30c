# Production image: compiled JavaScript on Node 20, production dependencies only, non-root user (uid 1000),
# HEALTHCHECK on /healthz; runs with a read-only root filesystem given a volume (or tmpfs) for
# /var/lib/tf-oci-registry and a tmpfs for /tmp (docs/docker.md).
# Configure with TF_OCI_REGISTRY_* environment variables and/or a mounted TOML file named by
# TF_OCI_REGISTRY_CONFIG (secrets: TF_OCI_REGISTRY_SERVER_SECRETS_FILE, ..._PASSWORD_FILE).
# BASE_IMAGE: any Debian bookworm image with Node 20 at /usr/local/bin/node and a `node` user; without
# access to an image registry, docker/build-base-image.sh builds one locally (docs/docker.md).
ARG BASE_IMAGE=node:20-bookworm-slim

# build_ca: an optional build secret, the CA bundle of a TLS-intercepting proxy between the build and the
# npm registry (`--secret id=build_ca,src=/etc/ssl/certs/ca-certificates.crt`); without it, Node's own CAs.

# Production dependencies only, in a stage of their own: cached until package-lock.json changes.
FROM ${BASE_IMAGE} AS deps
WORKDIR /src
COPY package.json package-lock.json ./
# The image runs dist/: tsx (the runner of the TypeScript sources, bin/tf-oci-registry.js) and its esbuild stay out.
RUN --mount=type=secret,id=build_ca,required=false --mount=type=cache,target=/root/.npm \
    NODE_EXTRA_CA_CERTS=/run/secrets/build_ca npm ci --omit=dev --no-audit --no-fund \
    && rm -rf node_modules/tsx node_modules/esbuild node_modules/@esbuild

# TypeScript -> dist/.
FROM ${BASE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN --mount=type=secret,id=build_ca,required=false --mount=type=cache,target=/root/.npm \
    NODE_EXTRA_CA_CERTS=/run/secrets/build_ca npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM ${BASE_IMAGE}
ENV NODE_ENV=production \
    TF_OCI_REGISTRY_SERVER_LISTEN=0.0.0.0:8080 \
    TF_OCI_REGISTRY_STORAGE_PATH=/var/lib/tf-oci-registry
WORKDIR /app
COPY --from=deps /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json config.example.toml ./
COPY bin ./bin
COPY docker/healthcheck.mjs ./docker/healthcheck.mjs
RUN mkdir -p /var/lib/tf-oci-registry /etc/tf-oci-registry && chown node:node /var/lib/tf-oci-registry
USER node
VOLUME ["/var/lib/tf-oci-registry"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 CMD ["node", "/app/docker/healthcheck.mjs"]
ENTRYPOINT ["node", "--no-memory-reducer", "--initial-old-space-size=96", "/app/bin/tf-oci-registry.js"]
CMD ["serve"]
