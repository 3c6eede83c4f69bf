# Dolibarr-Go. `make run` starts the API and the worker on the embedded SQLite
# default; `make test` runs every test against SQLite, PostgreSQL and MariaDB.
GO      ?= go
BIN     ?= bin
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)

# Development defaults for `make run` only; override on the command line.
# Loopback only: the admin password below is published in this file, so the
# development server must not be reachable from the network by default.
# `make run DOLIGO_HTTP_ADDR=:8080` opens the API to every interface.
# They are exported to `run` alone: `make test` must see the environment the
# caller gave it, not development defaults.
run: export DOLIGO_ADMIN_PASSWORD ?= doligo-admin
run: export DOLIGO_HTTP_ADDR ?= 127.0.0.1:8080
run: export DOLIGO_WORKER_HTTP_ADDR ?= 127.0.0.1:8081

.PHONY: run build test lint bench clean

# The binaries are static: CGO_ENABLED=0 always.
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN)/api ./cmd/api
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN)/worker ./cmd/worker

# API on 127.0.0.1:8080 and worker on 127.0.0.1:8081, sharing data/doligo.db. Ctrl-C stops both
# cleanly: the terminal sends SIGINT to both, each drains and exits, and the
# shell only waits (a second signal would make the worker stop at once). A
# SIGTERM sent to make alone is passed on to both.
run: build
	@echo "API http://$(DOLIGO_HTTP_ADDR)  worker http://$(DOLIGO_WORKER_HTTP_ADDR)  login: admin / $(DOLIGO_ADMIN_PASSWORD)"
	@trap 'wait $$api $$worker' INT; trap 'kill -TERM $$api $$worker 2>/dev/null; wait $$api $$worker' TERM; \
	DOLIGO_LOG_FORMAT=$${DOLIGO_LOG_FORMAT:-console} ./$(BIN)/api & api=$$!; \
	DOLIGO_LOG_FORMAT=$${DOLIGO_LOG_FORMAT:-console} ./$(BIN)/worker & worker=$$!; \
	wait $$api $$worker

# The race detector needs cgo, so tests build with it; the binaries the tests
# exercise as processes are still built with CGO_ENABLED=0.
test:
	CGO_ENABLED=1 $(GO) test -race -count=1 -timeout 30m ./...

# vet, gofmt, and the layer rules (internal/archtest: which package may
# import which, checked on the direct imports go list reports).
lint:
	$(GO) vet ./...
	$(GO) test -count=1 ./internal/archtest/
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

bench:
	CGO_ENABLED=1 $(GO) test -run '^$$' -bench . -benchmem -count=1 -timeout 60m ./...

clean:
	rm -rf $(BIN)
