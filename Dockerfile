# parse-sync: one image, two processes. Default CMD runs the HTTP server; override with
# `node --max-semi-space-size=8 --heap-growing-percent=50 --import tsx src/bin/worker.ts` for the worker
# (the V8 flags: src/bin/node-flags.ts). Not used by CI: the RUN steps live in
# docker/build.sh, which test/docker/build-script.test.ts runs without Docker.
FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY docker/build.sh ./docker/
RUN docker/build.sh deps

FROM node:24-slim
WORKDIR /app
COPY docker/build.sh ./docker/
RUN docker/build.sh system
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY src ./src
COPY db ./db
COPY sql ./sql
RUN docker/build.sh check
USER node
ENV HOST=0.0.0.0 PORT=3000 NODE_ENV=production
EXPOSE 3000
CMD ["node", "--import", "tsx", "src/bin/server.ts"]
