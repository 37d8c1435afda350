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

# bench-harness runs the side-by-side benchmark of the Go (sio) and Node
# (socket.io 4.8) bench servers and rewrites the results section of
# BENCHMARKS.md and bench/ratios.png (about 6 minutes; JSON per run lands in
# bench/results/). BENCH_FLAGS passes options to bench/cmd/run, e.g.
# BENCH_FLAGS="-reps 1 -scenarios ack-50,bcast-1k". It also installs the
# optional native ws helpers (bufferutil) for the Node server; without them
# Node's ws falls back to JavaScript. bench-micro runs the hot-path
# micro-benchmarks.
.PHONY: bench-harness bench-micro
bench-harness: interop-deps interop/bench/node_modules/.installed
	$(GO) run ./bench/cmd/run $(BENCH_FLAGS)

interop/bench/node_modules/.installed: interop/bench/package.json interop/bench/package-lock.json
	cd interop/bench && ($(NPM) ci --no-audit --no-fund --loglevel=error || echo "bench: bufferutil/utf-8-validate did not install; the Node server runs without them")
	mkdir -p interop/bench/node_modules && touch $@

bench-micro:
	$(GO) test -run '^$$' -bench 'Broadcast|Batching|RoomLookup' -benchmem ./bench/micro ./runtime/server
