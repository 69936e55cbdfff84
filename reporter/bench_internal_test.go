package reporter

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/leakfunnel/leakfunnel/funnel"
)

// BenchmarkCleanSpec measures what the reporter adds to a clean spec: the
// baseline of its BeforeEach (a new snapshot, or with AroundNode's labels
// the previous spec's final snapshot) and the sampler start, and the settle,
// confirming snapshot, report and JSON check of its DeferCleanup, with
// other goroutines parked in the process (they are in the baseline). Ginkgo's
// own node bookkeeping is not included. The baseline=dump-floor runs are
// one runtime.Stack(buf, true) into a reused buffer with the same
// goroutines: the cost a check cannot go below.
func BenchmarkCleanSpec(b *testing.B) {
	for _, parked := range []int{10, 1000, 10000} {
		for _, variant := range []string{"snapshot", "snapshot-nosampler", "reuse", "dump-floor"} {
			b.Run(fmt.Sprintf("goroutines=%d/baseline=%s", parked, variant), func(b *testing.B) {
				release := make(chan struct{})
				b.Cleanup(func() { close(release) })
				for range parked {
					go func() { <-release }()
				}
				if variant == "dump-floor" {
					buf := make([]byte, 64<<10)
					for runtime.Stack(buf, true) == len(buf) {
						buf = make([]byte, 2*len(buf))
					}
					b.ReportAllocs()
					for b.Loop() {
						runtime.Stack(buf, true)
					}
					return
				}
				cfg := Config{}
				if variant == "snapshot-nosampler" {
					cfg.SampleInterval = -1
				}
				r := &Reporter{cfg: cfg, containers: map[string]*pendingScope{}}
				ctx := context.Background()
				b.ReportAllocs()
				var last *funnel.Snapshot
				var settle time.Duration
				snapshots, polls := 0, 0
				for b.Loop() {
					sc := &specCheck{key: "bench", name: "bench spec", mode: ModeFail, cfg: cfg}
					if variant == "reuse" && last != nil {
						sc.base = rebase(last)
					} else {
						sc.base = funnel.Capture()
					}
					if iv := cfg.sampleInterval(); iv > 0 {
						sc.sampler = funnel.StartSampler(iv)
					}
					lr, res := r.evaluate(ctx, sc, cfg, ModeFail, types.SpecStatePassed)
					last = res.Final
					settle += res.Settle
					snapshots += res.Snapshots
					polls += res.Polls
					if err := jsonSafe(lr); err != nil {
						b.Fatal(err)
					}
					if lr.Leaked != 0 {
						b.Fatalf("clean spec leaked %d goroutines", lr.Leaked)
					}
				}
				b.ReportMetric(float64(settle.Nanoseconds())/float64(b.N), "settle-ns/op")
				b.ReportMetric(float64(snapshots)/float64(b.N), "snapshots/op")
				b.ReportMetric(float64(polls)/float64(b.N), "polls/op")
			})
		}
	}
}
