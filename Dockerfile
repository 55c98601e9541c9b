# syntax=docker/dockerfile:1
#
# One image for every role of Synapse; the command picks the role:
#   docker build -t synapse:0.1.0 .
#   docker run synapse:0.1.0 service claude     # one agent service (gRPC 5011, JSON-RPC 5001, /health + /metrics 9011)
#   docker run -p 8000:8000 synapse:0.1.0 gateway
#   docker run -p 8000:8000 synapse:0.1.0       # `up`: every service and the gateway in one container
# Configuration is SYNAPSE_* environment variables (see the README); the image listens on all
# interfaces (SYNAPSE_HOST=0.0.0.0) and keeps its state in /data.

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- toolchain: compilers for native modules (better-sqlite3, when no prebuilt binary fits) and
# every workspace's package.json, so `npm ci` layers are cached until a manifest changes.
FROM ${NODE_IMAGE} AS toolchain
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/core/package.json packages/core/
COPY packages/providers/package.json packages/providers/
COPY packages/agents/package.json packages/agents/
COPY packages/transport/package.json packages/transport/
COPY packages/resilience/package.json packages/resilience/
COPY packages/service/package.json packages/service/
COPY packages/gateway/package.json packages/gateway/
COPY packages/cli/package.json packages/cli/
COPY packages/deploy/package.json packages/deploy/
COPY packages/testkit/package.json packages/testkit/

# ---- build: all dependencies (dev included) and the TypeScript compiled. --ignore-scripts: the
# root `prepare` script would build before the sources are here; tsc needs no native module.
FROM toolchain AS build
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.base.json tsconfig.json ./
COPY packages packages
# `npm run build` compiles the tests too; the CLI's project references reach every runtime package.
RUN npx tsc -b packages/cli \
 && for dir in packages/*/; do \
      pkg="${dir%/}"; \
      if [ -d "$pkg/dist/src" ]; then mkdir -p "/out/$pkg/dist" && cp -r "$pkg/dist/src" "/out/$pkg/dist/"; fi; \
    done \
 && cp -r packages/cli/bin /out/packages/cli/ \
 && cp -r packages/agents/prompts /out/packages/agents/ \
 && find /out -name "*.d.ts" -delete -o -name "*.map" -delete

# ---- deps: production dependencies only. --ignore-scripts again skips `prepare`; better-sqlite3
# is the one dependency whose install script matters, so it is rebuilt on its own — and when it
# compiles from source, its sources and objects (about 30 MB) are dropped: only the .node is used.
FROM toolchain AS deps
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm rebuild better-sqlite3 \
 && (cd node_modules/better-sqlite3 \
     && rm -rf deps src build/Release/obj build/Release/obj.target build/Release/.deps \
               build/Release/sqlite3.a build/Release/test_extension.node) \
 && npm cache clean --force

# ---- runtime: node, tini (reaps the processes codex runs and forwards signals), the compiled
# code, production node_modules, and a non-root user.
FROM ${NODE_IMAGE} AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    SYNAPSE_HOST=0.0.0.0 \
    SYNAPSE_DATA_DIR=/data \
    SYNAPSE_LOG_FORMAT=json
WORKDIR /app
COPY --from=deps /app/node_modules node_modules
# The workspaces' manifests and their own nested node_modules, then their compiled code on top.
COPY --from=deps /app/packages packages
COPY --from=build /out/packages packages
COPY deploy/docker/healthcheck.mjs deploy/docker/healthcheck.mjs
RUN mkdir -p /data && chown 1000:1000 /data
# The node image's "node" user, by number so Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
# gateway, then gRPC, JSON-RPC/TCP and metrics of claude, gemini and codex (replica 0).
EXPOSE 8000 5011 5012 5013 5001 5002 5003 9011 9012 9013
# Asks the role this container runs (read from PID 1's command line) for its /health.
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "/app/deploy/docker/healthcheck.mjs"]
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/packages/cli/bin/synapse.js"]
CMD ["up"]
