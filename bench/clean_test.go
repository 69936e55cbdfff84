package bench

import (
	"fmt"
	"testing"
)

// BenchmarkClean is the common path: a spec that leaks nothing. One op is the
// baseline at spec start plus the verdict at spec end, among n idle
// background goroutines (a third each on a channel, in select, in
// time.Sleep). The floor is one runtime.Stack(buf, true) into a reused buffer.
//
// Before the timed loop, one untimed check is counted: stw/op (stop-the-world
// dumps), snapshots/op (full snapshots of the verdict) and peak-MiB (peak
// heap growth of the check). The peers skip it at 100,000 goroutines, where
// one gleak check takes about a minute.
func BenchmarkClean(b *testing.B) {
	for _, n := range sizes {
		b.Run(fmt.Sprintf("size=%d", n), func(b *testing.B) {
			for _, c := range Checkers() {
				b.Run("checker="+c.Name(), func(b *testing.B) {
					background(b, n)
					if !isPeer(c) {
						check(b, c) // warm up: grow the reused buffers once
					}
					var cnt *counts
					if !isPeer(c) || n < 100_000 {
						x := countOnce(b, c)
						cnt = &x
					}
					b.ReportAllocs()
					for b.Loop() {
						if v := check(b, c); v.Leaked {
							b.Fatalf("%s reported a leak on a clean spec:\n%s", c.Name(), v.Message)
						}
					}
					if cnt != nil {
						cnt.report(b)
					}
				})
			}
		})
	}
}
