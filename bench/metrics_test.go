package bench

import (
	"runtime"
	"testing"
	"time"
)

func TestSTWPausesCountsDumps(t *testing.T) {
	buf := make([]byte, 1<<20)
	before := STWPauses()
	for range 3 {
		runtime.Stack(buf, true)
	}
	// Other pauses (none expected here) could only add to the count.
	if got := STWPauses() - before; got < 3 {
		t.Errorf("3 dumps counted as %d stop-the-world pauses", got)
	}
}

var sink [][]byte

func TestHeapSamplerSeesAllocation(t *testing.T) {
	h := NewHeapSampler(50 * time.Microsecond)
	defer h.Close()
	// As the benchmarks do: collect first, so that a GC the allocation
	// triggers does not free earlier tests' garbage inside the window.
	runtime.GC()
	h.Begin()
	sink = append(sink, make([]byte, 8<<20))
	peak := h.End()
	sink = nil
	// The peak is growth over the heap at Begin: anything the GC frees
	// meanwhile lowers it a little, so the bound leaves 1 MiB of slack; a
	// sampler that missed the allocation reads about zero.
	if peak < 7<<20 {
		t.Errorf("peak growth %d B after allocating 8 MiB, want at least 7 MiB", peak)
	}
}
