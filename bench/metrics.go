package bench

import (
	"runtime/metrics"
	"sync"
	"time"
)

// STWPauses returns how many stop-the-world pauses not caused by the garbage
// collector the process has had so far. Every runtime.Stack(buf, true) is one
// such pause, so the difference across a check counts the full dumps it took,
// including the ones a checker repeats while it grows its buffer. Reading it
// does not stop the world.
func STWPauses() uint64 {
	s := []metrics.Sample{{Name: "/sched/pauses/total/other:seconds"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindFloat64Histogram {
		return 0
	}
	var n uint64
	for _, c := range s[0].Value.Float64Histogram().Counts {
		n += c
	}
	return n
}

// HeapObjectBytes returns the bytes of heap memory occupied by objects,
// live or not yet swept: the runtime/metrics counterpart of
// runtime.MemStats.HeapAlloc, read without stopping the world.
func HeapObjectBytes() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// HeapSampler records the highest [HeapObjectBytes] seen while it runs. It
// reads at a fixed interval from its own goroutine and so can miss a peak
// shorter than the interval or one that falls inside a stop-the-world pause;
// it cannot miss memory still held when it stops, because Stop reads once more.
//
// The zero HeapSampler is not usable; call [StartHeapSampler]. Stop must be
// called exactly once.
type HeapSampler struct {
	stop chan struct{}
	done sync.WaitGroup
	base uint64
	peak uint64
}

// StartHeapSampler starts sampling every interval.
func StartHeapSampler(interval time.Duration) *HeapSampler {
	h := &HeapSampler{stop: make(chan struct{})}
	h.base = HeapObjectBytes()
	h.peak = h.base
	h.done.Add(1)
	go func() {
		defer h.done.Done()
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-h.stop:
				return
			case <-t.C:
				metrics.Read(s)
				if v := s[0].Value.Uint64(); v > h.peak {
					h.peak = v
				}
			}
		}
	}()
	return h
}

// Stop ends sampling and returns the peak growth over the heap at the start,
// in bytes.
func (h *HeapSampler) Stop() uint64 {
	close(h.stop)
	h.done.Wait()
	if v := HeapObjectBytes(); v > h.peak {
		h.peak = v
	}
	return h.peak - h.base
}
