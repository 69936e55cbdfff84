package bench

import (
	"fmt"
	"os"
	"runtime"
	"testing"
	"time"
)

// sizes are the numbers of idle background goroutines every case runs at.
var sizes = []int{10, 1_000, 10_000, 100_000}

// pool holds the background goroutines. Benchmarks resize it before their
// timed loop; the size stays until a benchmark asks for another, so that
// sub-benchmarks ordered size first create each size once.
var pool Background

// heap is the peak-heap sampler, started once so that measuring creates no
// goroutine.
var heap *HeapSampler

func TestMain(m *testing.M) {
	heap = NewHeapSampler(100 * time.Microsecond)
	code := m.Run()
	heap.Close()
	if err := pool.Resize(0); err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	os.Exit(code)
}

// background resizes the pool to n goroutines, outside the timer.
func background(b *testing.B, n int) {
	b.Helper()
	b.StopTimer()
	defer b.StartTimer()
	if err := pool.Resize(n); err != nil {
		b.Fatal(err)
	}
}

// counts are the figures of one untimed check.
type counts struct {
	stw, snapshots, peakMiB float64
}

// countOnce runs one untimed check with the heap collected first and
// returns its stop-the-world pauses, verdict snapshots and peak heap growth
// (sampled every 100µs). Counting outside the timed loop keeps the metrics
// reads and the sampler out of the timings, and keeps out the pauses of the
// benchmark framework's own ReadMemStats calls.
func countOnce(b *testing.B, c Checker) counts {
	b.Helper()
	runtime.GC()
	heap.Begin()
	before := STWPauses()
	v := check(b, c)
	stw := STWPauses() - before
	peak := heap.End()
	return counts{stw: float64(stw), snapshots: v.Snapshots, peakMiB: float64(peak) / (1 << 20)}
}

// report adds the counts to the benchmark's results. It must be called after
// the timed loop: resetting the timer deletes reported metrics.
func (c counts) report(b *testing.B) {
	b.ReportMetric(c.stw, "stw/op")
	b.ReportMetric(c.snapshots, "snapshots/op")
	b.ReportMetric(c.peakMiB, "peak-MiB")
}

// isPeer reports whether c is goleak or gleak, whose checks cost seconds at
// large sizes and keep nothing between checks, so need no warm-up.
func isPeer(c Checker) bool {
	switch c.(type) {
	case *Goleak, *Gleak:
		return true
	}
	return false
}

// check runs Begin and End once and fails the benchmark on an error.
func check(b *testing.B, c Checker) Verdict {
	if err := c.Begin(); err != nil {
		b.Fatal(err)
	}
	v, err := c.End()
	if err != nil {
		b.Fatal(err)
	}
	return v
}
