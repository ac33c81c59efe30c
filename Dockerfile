# Production image: compiled JavaScript on Node 20, production dependencies only, non-root user.
# Configure with a mounted TOML file (--config /etc/tf-oci-registry/config.toml) and/or
# TF_OCI_REGISTRY_* environment variables (secrets: TF_OCI_REGISTRY_SERVER_SECRETS_FILE, ..._PASSWORD_FILE).
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    TF_OCI_REGISTRY_SERVER_LISTEN=0.0.0.0:8080 \
    TF_OCI_REGISTRY_STORAGE_PATH=/var/lib/tf-oci-registry
WORKDIR /app
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json config.example.toml ./
COPY bin ./bin
RUN mkdir -p /var/lib/tf-oci-registry && chown node:node /var/lib/tf-oci-registry
USER node
EXPOSE 8080
ENTRYPOINT ["node", "/app/bin/tf-oci-registry.js"]
CMD ["serve"]
