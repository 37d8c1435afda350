# make test: every test in the repository, including the interop tests that
# drive the official npm packages. It installs its own npm dependencies.

GO ?= go
NPM ?= npm

.PHONY: test interop-deps vet unit bench gen-check

test: interop-deps vet gen-check
	$(GO) test -race -count=1 -timeout 12m ./...

interop-deps: interop/node_modules/.installed

interop/node_modules/.installed: interop/package.json interop/package-lock.json
	cd interop && $(NPM) ci --no-audit --no-fund --loglevel=error
	touch $@

vet:
	$(GO) vet ./...

# unit runs the Go tests without the race detector (quicker while editing).
unit: interop-deps
	$(GO) test -count=1 ./...

# bench runs the codec micro-benchmarks and the npm parsers on the same packets.
bench: interop-deps
	$(GO) test -run '^$$' -bench . -benchmem ./codec/...
	node interop/codec/bench.mjs

# gen-check regenerates generated/ in memory and fails when the checked-in
# files differ (go generate ./examples/... writes them).
gen-check:
	$(GO) run ./cmd/sio-gen -schema ./examples/chat/chatschema -out generated/chat -verify
	$(GO) run ./cmd/sio-gen -schema ./examples/bench/benchschema -out generated/bench -verify
