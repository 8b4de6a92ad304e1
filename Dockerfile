# syntax=docker/dockerfile:1
# Multi-stage build: compile TypeScript with dev dependencies, then ship only runtime dependencies, the build,
# queries/, templates/ and schemas/ on Debian's Node 20 with Debian's Chromium (the report's fonts come from npm; DejaVu is only the last resort for characters none of them has).

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
# `prepare` compiles the sources, which are not copied yet: skip scripts here, build explicitly below.
# `npm install` rather than `npm ci`: see .ci/run (the lockfile lacks other platforms' optional packages).
RUN npm install --ignore-scripts --no-audit --no-fund
COPY src ./src
COPY bench ./bench
COPY queries ./queries
RUN npx tsc -p tsconfig.json

FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# chdb ships its engine as a registry package (@chdb/lib-linux-x64-gnu), so no install script must download anything.
RUN npm install --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:20-bookworm-slim AS runtime
# tini reaps Chromium's child processes and forwards SIGTERM; Debian's chromium replaces the npm-shipped one.
RUN apt-get update \
 && apt-get install -y --no-install-recommends chromium fonts-dejavu-core tini ca-certificates \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    PUPPETEER_EXECUTABLE_PATH=/usr/bin/chromium \
    ATTACK_REPORT_DATA_DIR=/data/clickhouse
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY queries ./queries
COPY templates ./templates
COPY schemas ./schemas
COPY examples ./examples
RUN groupadd --system reporter && useradd --system --gid reporter --home /app reporter \
 && mkdir -p /data /reports /state && chown reporter:reporter /data /reports /state
USER reporter
VOLUME ["/data", "/reports", "/state"]
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/bin/attack-report.js"]
CMD ["--help"]
