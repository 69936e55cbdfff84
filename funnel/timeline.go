package funnel

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultSampleInterval is the interval [StartSampler] uses when given zero
// or a negative interval.
const DefaultSampleInterval = 10 * time.Millisecond

// MaxSamples bounds the samples a [Sampler] keeps. When the buffer is full
// the sampler drops every other sample and from then on keeps one reading in
// twice as many, so a timeline of any length holds at most MaxSamples
// samples spread evenly over the whole run, plus the last reading: about
// 120 KiB.
const MaxSamples = 1024

// Sample is one reading of the stage-1 metrics in a [Timeline].
type Sample struct {
	// Offset is the time of the reading since [Timeline.Start].
	Offset time.Duration `json:"offset"`
	// Metrics is what [ReadMetrics] returned.
	Metrics Metrics `json:"metrics"`
}

// TimelineSummary holds the figures derived from a whole sampler run. They
// are computed from every reading the sampler took, not only from the
// samples kept after downsampling, so peaks are exact. The differences
// ("growth", "delta") are last reading minus first reading, and may be
// negative. The zero TimelineSummary is the summary of an empty run.
type TimelineSummary struct {
	// GoroutineDelta is the change in the goroutine count.
	GoroutineDelta int64 `json:"goroutineDelta"`
	// PeakGoroutines is the largest goroutine count read.
	PeakGoroutines uint64 `json:"peakGoroutines"`
	// BlockedRatio is the share of goroutines waiting (blocked or sleeping)
	// at the last reading: Waiting / Goroutines, between 0 and 1.
	BlockedRatio float64 `json:"blockedRatio"`
	// Created is the number of goroutines created during the run.
	Created uint64 `json:"created"`
	// HeapGrowth is the change in heap object bytes.
	HeapGrowth int64 `json:"heapGrowth"`
	// StackGrowth is the change in goroutine stack bytes.
	StackGrowth int64 `json:"stackGrowth"`
	// FinalizerBacklog is the number of finalizers queued but not yet run
	// at the last reading.
	FinalizerBacklog int64 `json:"finalizerBacklog"`
	// CleanupBacklog is the number of cleanups (runtime.AddCleanup) queued
	// but not yet run at the last reading.
	CleanupBacklog int64 `json:"cleanupBacklog"`
	// GCCycles is the number of garbage collection cycles completed during
	// the run.
	GCCycles uint64 `json:"gcCycles"`
	// Duration is the time from the first reading to the last.
	Duration time.Duration `json:"duration"`
	// Reads is the number of readings taken, kept or not.
	Reads int `json:"reads"`
}

// String returns the figures on one line, like "goroutines +3 (peak 20,
// 40 created), blocked ratio 0.82, heap +1.2MiB, stacks +64KiB, 2 GC
// cycles over 1.2s"; backlogs are added when not zero.
func (s TimelineSummary) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "goroutines %+d (peak %d, %d created), blocked ratio %.2f, heap %s, stacks %s, %d GC cycles over %s",
		s.GoroutineDelta, s.PeakGoroutines, s.Created, s.BlockedRatio,
		signedBytes(s.HeapGrowth), signedBytes(s.StackGrowth), s.GCCycles, s.Duration)
	if s.FinalizerBacklog != 0 {
		fmt.Fprintf(&b, ", %d finalizers queued", s.FinalizerBacklog)
	}
	if s.CleanupBacklog != 0 {
		fmt.Fprintf(&b, ", %d cleanups queued", s.CleanupBacklog)
	}
	return b.String()
}

// signedBytes renders a byte difference with a sign and a binary unit.
func signedBytes(n int64) string {
	sign := "+"
	if n < 0 {
		sign, n = "-", -n
	}
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%s%.1fGiB", sign, float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%s%.1fMiB", sign, float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%s%.1fKiB", sign, float64(n)/(1<<10))
	}
	return fmt.Sprintf("%s%dB", sign, n)
}

// Timeline is the stage-2 record of a [Sampler] run: a bounded series of
// metric readings and the figures derived from them. A timeline explains a
// leak (how the goroutine count grew, how much was blocked); it never decides
// one.
//
// A Timeline is plain data and survives json.Marshal and json.Unmarshal
// unchanged. The zero Timeline is an empty timeline.
type Timeline struct {
	// Start is the wall-clock time of the first reading.
	Start time.Time `json:"start"`
	// Interval is the spacing of the kept samples: the sampler's interval,
	// doubled once for each downsampling.
	Interval time.Duration `json:"interval"`
	// Samples are the kept readings in time order: at most [MaxSamples]
	// about Interval apart from the first reading on, then the last reading
	// of the run (closer to its predecessor than Interval).
	Samples []Sample `json:"samples"`
	// Summary holds the derived figures.
	Summary TimelineSummary `json:"summary"`
}

// Sampler reads [ReadMetrics] at an interval into a bounded buffer until
// stopped (stage 2). Start one with [StartSampler] and always call
// [Sampler.Stop]: the sampler runs a goroutine of its own, which Stop ends.
// The goroutine runs a method of *Sampler, and [Capture] leaves it out of
// snapshots, so a sampler is never reported as a leak.
//
// A Sampler is safe for concurrent use. The zero Sampler is not running;
// its Stop returns an empty timeline.
type Sampler struct {
	interval time.Duration
	start    time.Time // wall clock of the first reading; monotonic clock kept
	stop     chan struct{}
	done     chan struct{}

	mu       sync.Mutex
	stopped  bool
	timeline *Timeline

	// Owned by the sampler goroutine until done is closed.
	samples []Sample
	stride  int // keep one reading in stride
	reads   int
	first   Metrics
	last    Metrics
	lastOff time.Duration
	peak    uint64

	// progress mirrors reads for other goroutines.
	progress atomic.Int64
}

// StartSampler starts a sampler that reads the metrics every interval (zero
// or negative means [DefaultSampleInterval]). It takes the first reading
// before it returns. The caller must call [Sampler.Stop].
func StartSampler(interval time.Duration) *Sampler {
	if interval <= 0 {
		interval = DefaultSampleInterval
	}
	s := &Sampler{
		interval: interval,
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
		stride:   1,
		samples:  make([]Sample, 0, 64),
	}
	s.start = time.Now()
	s.record(0, ReadMetrics())
	go s.run()
	return s
}

// Started returns the time of the sampler's first reading; the zero time
// for the zero Sampler.
func (s *Sampler) Started() time.Time { return s.start }

// running reports whether the sampler goroutine is running.
func (s *Sampler) running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stop != nil && !s.stopped
}

// run is the sampler goroutine. It must stay a method of *Sampler: Capture
// recognises the sampler by this frame.
func (s *Sampler) run() {
	defer close(s.done)
	t := time.NewTicker(s.interval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			m := ReadMetrics()
			s.record(time.Since(s.start), m)
		}
	}
}

// record adds one reading. The first reading is always kept; later ones
// only on every stride-th read. The latest reading is remembered apart, so
// Stop can append it as the last sample.
func (s *Sampler) record(off time.Duration, m Metrics) {
	if s.reads == 0 {
		s.first = m
	}
	s.reads++
	s.progress.Store(int64(s.reads))
	s.last, s.lastOff = m, off
	s.peak = max(s.peak, m.Goroutines)
	if (s.reads-1)%s.stride != 0 {
		return
	}
	if len(s.samples) == MaxSamples {
		// Keep samples 0, 2, 4, ...: they are the readings that fall on
		// the doubled stride.
		n := 0
		for i := 0; i < len(s.samples); i += 2 {
			s.samples[n] = s.samples[i]
			n++
		}
		clear(s.samples[n:])
		s.samples = s.samples[:n]
		s.stride *= 2
		if (s.reads-1)%s.stride != 0 {
			return
		}
	}
	s.samples = append(s.samples, Sample{Offset: off, Metrics: m})
}

// Stop ends the sampler, waits for its goroutine to exit, takes a last
// reading and returns the timeline. Later calls return the same timeline
// (a fresh copy each time). Stop on the zero Sampler returns an empty
// timeline.
func (s *Sampler) Stop() *Timeline {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stop == nil {
		return &Timeline{}
	}
	if !s.stopped {
		s.stopped = true
		close(s.stop)
		<-s.done
		s.record(time.Since(s.start), ReadMetrics())
		s.timeline = s.build()
	}
	return cloneTimeline(s.timeline)
}

// build assembles the timeline after the sampler goroutine has exited.
func (s *Sampler) build() *Timeline {
	samples := make([]Sample, len(s.samples), len(s.samples)+1)
	copy(samples, s.samples)
	if n := len(samples); n == 0 || samples[n-1].Offset != s.lastOff {
		samples = append(samples, Sample{Offset: s.lastOff, Metrics: s.last})
	}
	f, l := s.first, s.last
	sum := TimelineSummary{
		GoroutineDelta:   int64(l.Goroutines) - int64(f.Goroutines),
		PeakGoroutines:   s.peak,
		Created:          l.Created - f.Created,
		HeapGrowth:       int64(l.HeapObjectBytes) - int64(f.HeapObjectBytes),
		StackGrowth:      int64(l.StackBytes) - int64(f.StackBytes),
		FinalizerBacklog: int64(l.FinalizersQueued) - int64(l.FinalizersExecuted),
		CleanupBacklog:   int64(l.CleanupsQueued) - int64(l.CleanupsExecuted),
		GCCycles:         l.GCCycles - f.GCCycles,
		Duration:         s.lastOff,
		Reads:            s.reads,
	}
	if l.Goroutines > 0 {
		// The two counts come from one read; min guards the ratio
		// against a future metric that counts differently.
		sum.BlockedRatio = min(1, float64(l.Waiting)/float64(l.Goroutines))
	}
	return &Timeline{
		Start:    s.start.Round(0),
		Interval: s.interval * time.Duration(s.stride),
		Samples:  samples,
		Summary:  sum,
	}
}

func cloneTimeline(t *Timeline) *Timeline {
	c := *t
	c.Samples = append([]Sample(nil), t.Samples...)
	return &c
}
