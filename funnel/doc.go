// Package funnel finds goroutine leaks: goroutines started by a piece of
// code (a test, a spec, a request) that are still alive after it ended. It
// is the detection pipeline behind leakfunnel's Gomega matchers and Ginkgo
// reporter, and it imports neither Ginkgo nor Gomega.
//
// The pipeline has five stages, cheapest first; each narrows what the next
// must look at, so that a clean check costs little and a leak gets the full
// treatment.
//
//  1. Count. [ReadMetrics] reads goroutine counts by state, goroutines
//     created, and memory and GC figures from runtime/metrics, without
//     stopping the world, in well under a microsecond. Settling polls it
//     while goroutines wind down. A count back at baseline is not proof of
//     no leak: a baseline goroutine may have exited while a new one leaked.
//  2. Timeline. A [Sampler] reads the same metrics at an interval while
//     code runs and summarises them ([Timeline]): it explains a leak, it
//     never decides one.
//  3. Snapshot and diff. [Capture] dumps every goroutine with
//     runtime.Stack, parses the dump once into [Goroutine] records (ID,
//     state, frames, creator, labels) and returns a [Snapshot] sorted by ID.
//     Goroutine IDs are never reused, so [Leaked] is exact: alive now, ID
//     not in the baseline, less [Filter]s. [StandardFilters] removes the
//     goroutines of the Go runtime, testing, os/signal, Ginkgo and Gomega.
//     [WriteProfile] exports a snapshot as a pprof profile, so that
//     `go tool pprof -base baseline.pb.gz current.pb.gz` shows what is new.
//  4. Classify and cluster. [Classify] gives each leak a blocking [Class]
//     (permanent, blocked, I/O, sleeping, ...); [ClusterLeaks] groups leaks
//     with one fingerprint ([ClusterKey]) so that a report lists causes,
//     not copies.
//  5. Attribute. [Attribute] ties a leak to where it came from: its
//     creation site, its creator goroutine and, with [EnableTraceLabels],
//     the pprof labels it inherited. [Prove] marks leaks that Go's
//     goroutineleak profile proves can never wake.
//
// [Check] runs the stages after a piece of code: it settles, takes one
// snapshot and returns a [Result].
//
// Cost: a dump stops the world for about a microsecond per goroutine, and
// everything else is cheap next to it. [Capture] reuses its dump buffer
// between calls and sizes it from the live goroutine count, so that one
// snapshot normally costs one dump. [Snapshot.IsCurrent] tells, from one
// metrics read, whether an earlier snapshot is still an exact baseline (no
// goroutine created since), so that a new dump can be skipped.
// [CaptureSince], which Check uses, parses only the goroutines new to a
// baseline; its partial snapshot lists every goroutine's ID
// ([Snapshot.IDs]) and so serves as the next baseline. A clean check thus
// costs one metrics read and one dump, and allocates a few kilobytes plus 8
// bytes per goroutine, whatever the number of goroutines in the baseline.
//
// All model types ([Snapshot], [Goroutine], [Metrics], [Cluster],
// [Result], ...) are plain data that survive JSON round trips; [Filter]
// holds functions and is not part of any JSON value.
package funnel
