// Package bench measures leakfunnel against its peers, go.uber.org/goleak and
// gomega's gleak, on the per-spec path that a test suite pays for every spec.
//
// It is a separate module so that users of the library never download the
// peers. The benchmarks live in the _test.go files; this package holds what
// they share: a pool of idle background goroutines ([Background]), the
// checkers under comparison ([Checker]), and counters read from
// runtime/metrics ([STWPauses], [HeapSampler]).
//
// Run everything with bench/run.sh; docs/benchmarks.md holds the results.
package bench
