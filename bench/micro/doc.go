// Package micro holds the harness's go test -bench micro-benchmarks of the
// hot paths the side-by-side numbers depend on, written against the public
// APIs: a broadcast encoded once for every target, the session writer that
// coalesces queued packets into one network write, and the adapter's room
// lookup. Run them with
//
//	go test -run '^$' -bench . -benchmem ./bench/micro
//
// (runtime/server's BenchmarkBroadcast measures the same encode-once path
// through a whole server.)
package micro
