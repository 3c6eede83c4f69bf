# syntax=docker/dockerfile:1
#
# Dolibarr-Go: one image holding both static binaries, /api (the entrypoint)
# and /worker (run it with --entrypoint /worker). See docs/deployment.md.
#
#   docker build --build-arg VERSION=$(git describe --always --dirty) -t doligo .
#
# internal/testutil/portability checks this file's invariants and runs the
# binaries alone in an empty root, as this image does.

ARG GO_VERSION=1.26

FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
ENV CGO_ENABLED=0
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    go mod download
COPY . .
ARG VERSION=dev
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/ ./cmd/api ./cmd/worker
# The SQLite default needs a writable data folder; scratch has no shell to make one.
RUN mkdir -p /out/data && chown 65532:65532 /out/data && chmod 0700 /out/data

# Nothing but the binaries: CA roots (x509roots/fallback) and zoneinfo
# (time/tzdata) are compiled in, and neither binary writes temporary files.
FROM scratch
COPY --from=build /out/api /out/worker /
COPY --from=build --chown=65532:65532 /out/data /data
# The embedded SQLite default keeps its database and generated JWT key in
# /data: mount a volume there. Set DOLIGO_DB_DRIVER and DOLIGO_DB_DSN for
# PostgreSQL or MySQL/MariaDB.
ENV DOLIGO_DB_DSN=file:/data/doligo.db
VOLUME ["/data"]
USER 65532:65532
EXPOSE 8080 8081
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 CMD ["/api", "healthcheck"]
ENTRYPOINT ["/api"]
