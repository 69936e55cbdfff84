// Package ginkgosuite holds a Ginkgo suite of clean specs that measures what
// a per-spec leak check adds to a real suite. It has no code of its own: the
// suite is in suite_test.go and is driven by bench/run.sh.
//
// Environment:
//
//	LEAKFUNNEL_BENCH_CHECKER     plain (no check), reporter (reporter.Install
//	                             with its defaults), leakfunnel (funnel.Capture
//	                             in a BeforeEach, funnel.Check in its
//	                             DeferCleanup), gleak or goleak (the peers'
//	                             documented per-spec checks)
//	LEAKFUNNEL_BENCH_SPECS       number of specs (default 100)
//	LEAKFUNNEL_BENCH_BACKGROUND  idle background goroutines (default 10)
//
// At the end the suite prints one line in Go benchmark format,
//
//	BenchmarkGinkgoSuite/background=B/checker=C  N  T ns/op  S spec-ns/op
//
// where T is the time from the first spec's start to the last spec's end,
// divided by the number of specs (the specs and whatever runs between them,
// not the suite's setup), and S the specs' own run time (their nodes and
// cleanups, as Ginkgo records it) per spec, so that benchstat can summarize
// repeated runs.
package ginkgosuite
