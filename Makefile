# Thin targets; `make ci` runs exactly what .ci/run runs.
SHELL := /bin/bash
V8_SEED := $(wildcard ../shared/v8/seed.sh)
HANDLER ?= examples/hello/handler.js
PORT ?= 8787
PREFIX ?= /usr/local

.PHONY: run test fmt lint conformance bench ci v8 examples sdk tools protoc release install
EXAMPLES_WITH_PACKAGES := $(patsubst %/package.json,%,$(wildcard examples/*/package.json)) gateway/tests/fixtures/npm-apps

# Offline machines get the V8 static library from ../shared/v8; elsewhere cargo downloads it.
v8:
ifneq ($(V8_SEED),)
	@$(V8_SEED)
endif

run: v8
	cargo run --locked -p isogate-gateway --bin isogate -- dev $(HANDLER) --port $(PORT)

# The optimised binary, target/release/isogate (one file; the V8 snapshot is inside).
release: v8
	cargo build --release --locked -p isogate-gateway --bin isogate

# Installs it, without its symbol table, as $(PREFIX)/bin/isogate (and the README the
# systemd unit points to).
install: release
	install -D -s -m 0755 target/release/isogate $(DESTDIR)$(PREFIX)/bin/isogate
	install -D -m 0644 README.md $(DESTDIR)$(PREFIX)/share/doc/isogate/README.md

# npm packages the examples and the npm-apps tests import from node_modules, from their
# committed lockfiles.
examples:
	@for example in $(EXAMPLES_WITH_PACKAGES); do \
	  npm ci --prefix "$$example" --no-audit --no-fund --loglevel=error || exit 1; \
	done

# sdk-js: build, its own tests (node's runner), and tsc over every TypeScript example.
sdk: examples
	npm ci --prefix sdk-js --no-audit --no-fund --loglevel=error
	npm --prefix sdk-js test
	npm --prefix sdk-js run typecheck

# need COMMAND,PACKAGE: COMMAND, installed from Debian's PACKAGE when missing (as root).
define need
@command -v $(1) >/dev/null 2>&1 || { \
  command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] || { \
    echo "$(1) is missing: install Debian's $(2) package (apt-get install --no-install-recommends $(2))" >&2; exit 1; }; \
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(2) >/dev/null; }
endef

# What the tests run: promtool over a /metrics scrape, and etcd servers for the store's
# cluster backend.
tools:
	$(call need,promtool,prometheus)
	$(call need,etcd,etcd-server)

# protoc and its well-known .proto files, which the etcd client's build script compiles.
protoc:
	$(call need,protoc,protobuf-compiler)
	@test -f /usr/include/google/protobuf/descriptor.proto || { \
	  command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] || { \
	    echo "google/protobuf/descriptor.proto is missing: install Debian's libprotobuf-dev package" >&2; exit 1; }; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libprotobuf-dev >/dev/null; }

test: v8 protoc examples sdk tools
	cargo test --workspace --locked

fmt:
	cargo fmt --all

lint: v8 protoc
	cargo fmt --all --check
	cargo clippy --workspace --all-targets --locked -- -D warnings

conformance: v8
	cargo test --locked -p isogate-runtime --test conformance -- --nocapture

bench: v8
	tests/load/bench.sh

ci: v8 lint test
	@test -z "$$(git status --porcelain)" || { git status --porcelain; echo "the build left the tree dirty" >&2; exit 1; }
