package funnel_test

import (
	"runtime"
	"testing"

	"github.com/leakfunnel/leakfunnel/funnel"
	"github.com/leakfunnel/leakfunnel/internal/leaktest"
)

func TestReadMetrics(t *testing.T) {
	runtime.GC()
	m0 := funnel.ReadMetrics()
	f := leaktest.MustStart(t, leaktest.ChanRecv, 20)
	m1 := funnel.ReadMetrics()
	checks := []struct {
		name string
		ok   bool
	}{
		{"goroutines grew by the fixture", m1.Goroutines >= m0.Goroutines+20},
		{"created grew by the fixture", m1.Created >= m0.Created+20},
		{"waiting counts the fixture", m1.Waiting >= 20},
		{"goroutines by state add up to about the total", m1.Waiting+m1.Runnable+m1.Running+m1.NotInGo >= m1.Goroutines/2},
		{"at least one goroutine running", m1.Running >= 1},
		{"heap objects", m1.HeapObjectBytes > 0},
		{"stacks", m1.StackBytes > 0},
		{"mcache", m1.MCacheInUseBytes > 0},
		{"a GC cycle ran", m1.GCCycles >= 1},
		{"finalizers executed <= queued", m1.FinalizersExecuted <= m1.FinalizersQueued},
		{"cleanups executed <= queued", m1.CleanupsExecuted <= m1.CleanupsQueued},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: before %+v, after %+v", c.name, m0, m1)
		}
	}
	f.Release()
}

func TestReadMetricsAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop items at random")
	}
	funnel.ReadMetrics()
	if n := testing.AllocsPerRun(100, func() { funnel.ReadMetrics() }); n > 0 {
		t.Errorf("ReadMetrics allocates %v times per call, want 0", n)
	}
}

func BenchmarkReadMetrics(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		funnel.ReadMetrics()
	}
}

func TestIsCurrentAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop items at random")
	}
	s := funnel.Capture()
	if n := testing.AllocsPerRun(100, func() { s.IsCurrent() }); n > 0 {
		t.Errorf("IsCurrent allocates %v times per call, want 0", n)
	}
}
