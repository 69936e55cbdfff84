package bench

import (
	"fmt"
	"runtime/pprof"
	"testing"

	"github.com/leakfunnel/leakfunnel/funnel"
)

// leakKinds are the leaks of the verdict benchmark.
var leakKinds = []LeakKind{LeakPermanent, LeakProven, LeakUnprovable}

// BenchmarkLeakVerdict measures the time to a failing verdict on a real
// leak. The baseline is taken, then one goroutine leaks and parks; one op is
// the verdict at spec end. The proven kind runs only in a binary built with
// GOEXPERIMENT=goroutineleakprofile, where leakfunnel is asked to use the
// proof.
//
// The permanent and proven goroutines can never be released: each run of a
// sub-benchmark leaves one behind for the life of the process.
func BenchmarkLeakVerdict(b *testing.B) {
	proof := pprof.Lookup("goroutineleak") != nil
	for _, n := range sizes {
		for _, kind := range leakKinds {
			for _, c := range verdictCheckers() {
				b.Run(fmt.Sprintf("size=%d/kind=%s/checker=%s", n, kind, c.Name()), func(b *testing.B) {
					if kind == LeakProven && !proof {
						b.Skip("needs a binary built with GOEXPERIMENT=goroutineleakprofile")
					}
					if l, ok := c.(*Leakfunnel); ok && proof {
						l.Options = []funnel.Option{funnel.WithProof(true)}
					}
					background(b, n)
					if err := c.Begin(); err != nil {
						b.Fatal(err)
					}
					release, err := Leak(kind, 1)
					if err != nil {
						b.Fatal(err)
					}
					defer release()
					b.ReportAllocs()
					var snaps float64
					for b.Loop() {
						v, err := c.End()
						if err != nil {
							b.Fatal(err)
						}
						if !v.Leaked {
							b.Fatalf("%s missed a %s leak", c.Name(), kind)
						}
						snaps += v.Snapshots
					}
					b.ReportMetric(snaps/float64(b.N), "snapshots/op")
				})
			}
		}
	}
}
