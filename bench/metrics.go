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

// HeapSampler records the highest [HeapObjectBytes] seen between Begin and
// End. It reads at a fixed interval from its own goroutine and so can miss a
// peak shorter than the interval or one inside a stop-the-world pause; it
// cannot miss memory still held at End, which reads once more.
//
// The goroutine is started once, by [NewHeapSampler], and parks between
// measurements, so that Begin and End create no goroutine: a check that
// reuses a baseline while no goroutine was created is not disturbed.
//
// The zero HeapSampler is not usable. A HeapSampler is not safe for
// concurrent use. Close releases the goroutine.
type HeapSampler struct {
	begin chan uint64 // the base, sent by Begin
	end   chan struct{}
	peak  chan uint64 // the peak, sent back after end
	done  sync.WaitGroup
	base  uint64
}

// NewHeapSampler starts the sampler goroutine, which reads every interval
// while a measurement is open.
func NewHeapSampler(interval time.Duration) *HeapSampler {
	h := &HeapSampler{begin: make(chan uint64), end: make(chan struct{}), peak: make(chan uint64)}
	h.done.Add(1)
	go h.loop(interval)
	return h
}

func (h *HeapSampler) loop(interval time.Duration) {
	defer h.done.Done()
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	t := time.NewTicker(interval)
	t.Stop()
	for base := range h.begin {
		peak := base
		t.Reset(interval)
	sampling:
		for {
			select {
			case <-h.end:
				break sampling
			case <-t.C:
				metrics.Read(s)
				peak = max(peak, s[0].Value.Uint64())
			}
		}
		t.Stop()
		h.peak <- peak
	}
}

// Begin opens a measurement.
func (h *HeapSampler) Begin() {
	h.base = HeapObjectBytes()
	h.begin <- h.base
}

// End closes the measurement and returns the peak growth over the heap at
// Begin, in bytes.
func (h *HeapSampler) End() uint64 {
	h.end <- struct{}{}
	peak := max(<-h.peak, HeapObjectBytes())
	return peak - min(peak, h.base)
}

// Close stops the sampler goroutine and waits for it to exit.
func (h *HeapSampler) Close() {
	close(h.begin)
	h.done.Wait()
}
