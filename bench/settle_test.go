package bench

import (
	"fmt"
	"testing"
	"time"
)

// settleDelays are how long after the spec's end the straggler exits.
var settleDelays = []time.Duration{5 * time.Millisecond, 50 * time.Millisecond}

// verdictCheckers are the checkers that decide something (all but the floor).
func verdictCheckers() []Checker {
	return []Checker{&Leakfunnel{}, &Goleak{}, &Gleak{}}
}

// BenchmarkSettle measures settling: a goroutine started by the spec exits
// 5ms or 50ms after the spec ends. One op is baseline, spec end, verdict.
//
// Custom metrics: ms-after-exit is the time from the goroutine's exit to the
// verdict (the target is at most 3ms), snapshots/op the full snapshots the
// verdict took while waiting (target: at most 2), stw/op the stop-the-world
// dumps of the whole op.
func BenchmarkSettle(b *testing.B) {
	for _, n := range sizes {
		for _, delay := range settleDelays {
			for _, c := range verdictCheckers() {
				b.Run(fmt.Sprintf("size=%d/exit=%s/checker=%s", n, delay, c.Name()), func(b *testing.B) {
					background(b, n)
					check(b, c) // warm up
					b.ReportAllocs()
					var after time.Duration
					var snaps, stw float64
					for b.Loop() {
						before := STWPauses()
						if err := c.Begin(); err != nil {
							b.Fatal(err)
						}
						s := StartStraggler(delay)
						s.EndSpec()
						v, err := c.End()
						verdictAt := time.Now()
						if err != nil {
							b.Fatal(err)
						}
						stw += float64(STWPauses() - before)
						since, err := s.SinceExit(verdictAt)
						if err != nil || v.Leaked {
							b.Fatalf("%s: leaked=%v, %v\n%s", c.Name(), v.Leaked, err, v.Message)
						}
						after += since
						snaps += v.Snapshots
					}
					b.ReportMetric(float64(after.Microseconds())/1000/float64(b.N), "ms-after-exit")
					b.ReportMetric(snaps/float64(b.N), "snapshots/op")
					b.ReportMetric(stw/float64(b.N), "stw/op")
				})
			}
		}
	}
}
