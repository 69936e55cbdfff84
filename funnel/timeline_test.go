package funnel

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/leakfunnel/leakfunnel/internal/leaktest"
)

func TestSampler(t *testing.T) {
	s := StartSampler(time.Millisecond)
	f := startFixture(t, leaktest.ChanRecv, 20)
	// Let the sampler read a few times with the fixtures alive.
	reads := s.readsSoFar()
	for s.readsSoFar() < reads+3 {
		if err := pause(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	tl := s.Stop()
	f.Release()

	if len(tl.Samples) < 4 {
		t.Fatalf("got %d samples, want at least 4", len(tl.Samples))
	}
	if tl.Interval != time.Millisecond {
		t.Errorf("Interval = %v, want 1ms", tl.Interval)
	}
	if tl.Samples[0].Offset != 0 {
		t.Errorf("first sample offset = %v, want 0", tl.Samples[0].Offset)
	}
	for i := 1; i < len(tl.Samples); i++ {
		if tl.Samples[i].Offset <= tl.Samples[i-1].Offset {
			t.Errorf("sample %d offset %v not after sample %d offset %v", i, tl.Samples[i].Offset, i-1, tl.Samples[i-1].Offset)
		}
	}
	sum := tl.Summary
	last := tl.Samples[len(tl.Samples)-1].Metrics
	first := tl.Samples[0].Metrics
	for _, smp := range tl.Samples {
		if smp.Metrics.Goroutines > sum.PeakGoroutines {
			t.Errorf("sample at %v has %d goroutines, more than PeakGoroutines %d", smp.Offset, smp.Metrics.Goroutines, sum.PeakGoroutines)
		}
	}
	if sum.PeakGoroutines < 21 {
		t.Errorf("PeakGoroutines = %d with 20 fixtures and the sampler alive, want at least 21", sum.PeakGoroutines)
	}
	if sum.Created < 20 {
		t.Errorf("Created = %d, want at least 20", sum.Created)
	}
	if want := int64(last.Goroutines) - int64(first.Goroutines); sum.GoroutineDelta != want {
		t.Errorf("GoroutineDelta = %d, want %d", sum.GoroutineDelta, want)
	}
	if want := float64(last.Waiting) / float64(last.Goroutines); sum.BlockedRatio != want || want <= 0 || want > 1 {
		t.Errorf("BlockedRatio = %v, want %v in (0, 1]", sum.BlockedRatio, want)
	}
	if want := int64(last.StackBytes) - int64(first.StackBytes); sum.StackGrowth != want {
		t.Errorf("StackGrowth = %d, want %d", sum.StackGrowth, want)
	}
	if sum.Reads < len(tl.Samples) || sum.Duration != tl.Samples[len(tl.Samples)-1].Offset {
		t.Errorf("Reads = %d, Duration = %v; samples %d, last offset %v", sum.Reads, sum.Duration, len(tl.Samples), tl.Samples[len(tl.Samples)-1].Offset)
	}

	// Stop again: same timeline, and the sampler goroutine is gone.
	if diff := cmp.Diff(tl, s.Stop()); diff != "" {
		t.Errorf("second Stop differs (-first +second):\n%s", diff)
	}
	if s.running() {
		t.Error("sampler still running after Stop")
	}

	data, err := json.Marshal(tl)
	if err != nil {
		t.Fatalf("json.Marshal: %v", err)
	}
	var back Timeline
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatalf("json.Unmarshal: %v", err)
	}
	if diff := cmp.Diff(tl, &back); diff != "" {
		t.Errorf("timeline changed in a JSON round trip (-want +got):\n%s", diff)
	}
}

// readsSoFar returns how many readings the running sampler has taken.
func (s *Sampler) readsSoFar() int { return int(s.progress.Load()) }

func TestSamplerExcludedFromSnapshots(t *testing.T) {
	base := Capture()
	s := StartSampler(0)
	defer s.Stop()
	if s.interval != DefaultSampleInterval {
		t.Errorf("interval = %v, want the default %v", s.interval, DefaultSampleInterval)
	}
	leaks, err := Leaked(base, Capture(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range leaks {
		for _, f := range g.Frames {
			if strings.Contains(f.Func, "(*Sampler)") {
				t.Errorf("sampler goroutine %d in snapshot: %v", g.ID, g.Frames)
			}
		}
	}
}

// TestSamplerBounded feeds a sampler an hour of 10ms readings (360,000)
// without its goroutine and checks that memory stays bounded, samples stay
// evenly spread over the whole hour, and the peak is exact.
func TestSamplerBounded(t *testing.T) {
	s := &Sampler{interval: DefaultSampleInterval, stride: 1}
	const reads = 360_000
	for i := range reads {
		m := Metrics{Goroutines: 10, Created: uint64(i)}
		if i == 123_457 {
			m.Goroutines = 999 // a spike between kept samples
		}
		s.record(time.Duration(i)*DefaultSampleInterval, m)
		if len(s.samples) > MaxSamples {
			t.Fatalf("after %d reads: %d samples, more than %d", i+1, len(s.samples), MaxSamples)
		}
	}
	tl := s.build()
	if n := len(tl.Samples); n < MaxSamples/2 || n > MaxSamples+1 {
		t.Errorf("kept %d samples, want between %d and %d", n, MaxSamples/2, MaxSamples+1)
	}
	if got := tl.Samples[0].Offset; got != 0 {
		t.Errorf("first kept offset = %v, want 0", got)
	}
	if got, want := tl.Samples[len(tl.Samples)-1].Offset, time.Duration(reads-1)*DefaultSampleInterval; got != want {
		t.Errorf("last kept offset = %v, want %v", got, want)
	}
	for i := 1; i < len(tl.Samples)-1; i++ {
		if gap := tl.Samples[i].Offset - tl.Samples[i-1].Offset; gap != tl.Interval {
			t.Fatalf("gap between samples %d and %d = %v, want Interval %v", i-1, i, gap, tl.Interval)
		}
	}
	if tl.Summary.PeakGoroutines != 999 {
		t.Errorf("PeakGoroutines = %d, want 999", tl.Summary.PeakGoroutines)
	}
	if tl.Summary.Reads != reads || tl.Summary.Created != reads-1 {
		t.Errorf("Reads, Created = %d, %d, want %d, %d", tl.Summary.Reads, tl.Summary.Created, reads, reads-1)
	}
}

func TestZeroSampler(t *testing.T) {
	var s Sampler
	tl := s.Stop()
	if diff := cmp.Diff(&Timeline{}, tl); diff != "" {
		t.Errorf("zero Sampler Stop mismatch (-want +got):\n%s", diff)
	}
}

func TestTimelineSummaryString(t *testing.T) {
	s := TimelineSummary{
		GoroutineDelta: 3, PeakGoroutines: 20, Created: 40, BlockedRatio: 0.82,
		HeapGrowth: 1258291, StackGrowth: -65536, GCCycles: 2, Duration: 1200 * time.Millisecond,
		CleanupBacklog: 4,
	}
	want := "goroutines +3 (peak 20, 40 created), blocked ratio 0.82, heap +1.2MiB, stacks -64.0KiB, 2 GC cycles over 1.2s, 4 cleanups queued"
	if got := s.String(); got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}
