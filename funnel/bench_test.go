package funnel_test

import (
	"fmt"
	"os"
	"runtime"
	"testing"

	"github.com/leakfunnel/leakfunnel/funnel"
	"github.com/leakfunnel/leakfunnel/internal/leaktest"
)

// background starts n parked goroutines for a benchmark and releases them
// when it ends.
func background(b *testing.B, n int) {
	b.Helper()
	f, err := leaktest.Start(leaktest.ChanRecv, n)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(f.Release)
}

var sizes = benchSizes()

// BenchmarkCapture measures one whole-process snapshot: a metrics read, one
// runtime.Stack dump into the reused buffer, and the parse. Compare with
// BenchmarkDumpFloor, the dump alone.
func BenchmarkCapture(b *testing.B) {
	for _, n := range sizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			background(b, n)
			funnel.Capture()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				funnel.Capture()
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/float64(n), "µs/goroutine")
		})
	}
}

// BenchmarkDumpFloor is one runtime.Stack(buf, true) into a reused buffer:
// the cost no snapshot can go below.
func BenchmarkDumpFloor(b *testing.B) {
	for _, n := range sizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			background(b, n)
			buf := make([]byte, 1<<20)
			for runtime.Stack(buf, true) == len(buf) {
				buf = make([]byte, 2*len(buf))
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				runtime.Stack(buf, true)
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/float64(n), "µs/goroutine")
		})
	}
}

// BenchmarkLeaked is the diff of two snapshots of n goroutines with the
// standard filters.
func BenchmarkLeaked(b *testing.B) {
	for _, n := range sizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			background(b, n)
			base := funnel.Capture()
			cur := funnel.Capture()
			filters := funnel.StandardFilters()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := funnel.Leaked(base, cur, filters); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCaptureSince is the end-of-check snapshot against a baseline
// holding all n background goroutines: the same dump, parsing only what is
// new.
func BenchmarkCaptureSince(b *testing.B) {
	for _, n := range sizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			background(b, n)
			base := funnel.Capture()
			var r funnel.Recorder
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				r.CaptureSince(base)
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/float64(n), "µs/goroutine")
		})
	}
}

// BenchmarkRecorderCapture is Capture through a Recorder, whose buffer
// survives garbage collections.
func BenchmarkRecorderCapture(b *testing.B) {
	for _, n := range sizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			background(b, n)
			var r funnel.Recorder
			r.Capture()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				r.Capture()
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/float64(n), "µs/goroutine")
		})
	}
}

// benchSizes lists the goroutine counts to benchmark: 100, 1,000 and
// 10,000, plus 100,000 when LEAKFUNNEL_BENCH_100K is set (starting that many
// goroutines takes a while).
func benchSizes() []int {
	s := []int{100, 1000, 10000}
	if os.Getenv("LEAKFUNNEL_BENCH_100K") != "" {
		s = append(s, 100000)
	}
	return s
}
