package funnel

import (
	"errors"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/leakfunnel/leakfunnel/internal/leaktest"
)

// proofBuilt reports whether this test binary was built with the
// goroutineleak profile: Go 1.27 and later always, Go 1.26 only with
// GOEXPERIMENT=goroutineleakprofile. It reads the build settings, not the
// profile registry, so it checks ProofAvailable independently.
func proofBuilt(t *testing.T) bool {
	t.Helper()
	if v := runtime.Version(); v == "go1.26" || strings.HasPrefix(v, "go1.26.") || strings.HasPrefix(v, "go1.26rc") {
		info, ok := debug.ReadBuildInfo()
		if !ok {
			t.Fatal("no build info in the test binary")
		}
		for _, s := range info.Settings {
			if s.Key == "GOEXPERIMENT" {
				for _, e := range strings.Split(s.Value, ",") {
					if e == "goroutineleakprofile" {
						return true
					}
				}
			}
		}
		return false
	}
	return true
}

func TestProofAvailable(t *testing.T) {
	if got, want := ProofAvailable(), proofBuilt(t); got != want {
		t.Fatalf("ProofAvailable() = %v, want %v (Go %s)", got, want, runtime.Version())
	}
}

// unreachableLeak starts a goroutine that receives on a channel nothing else
// references, waits until it blocks, and returns its ID. The goroutine can
// never be released: it is the leak the goroutineleak profile proves.
func unreachableLeak(t *testing.T) uint64 {
	t.Helper()
	started := make(chan uint64)
	go func() {
		ch := make(chan int)
		started <- leaktest.CurrentID()
		<-ch
	}()
	id := <-started
	if err := leaktest.WaitForState(t.Context(), leaktest.ChanRecv, []uint64{id}); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestProve(t *testing.T) {
	reachable := startFixture(t, leaktest.ChanRecv, 1)
	sleeping := startFixture(t, leaktest.Sleep, 1)
	snap := Capture()
	var leaks []Goroutine
	for _, id := range []uint64{reachable.ID(), sleeping.ID()} {
		g, ok := snap.Find(id)
		if !ok {
			t.Fatalf("fixture goroutine %d not in snapshot", id)
		}
		g.Class = Classify(&g)
		leaks = append(leaks, g)
	}

	if !ProofAvailable() {
		err := Prove(leaks)
		if !errors.Is(err, ErrProofUnavailable) {
			t.Errorf("Prove without the profile = %v, want %v", err, ErrProofUnavailable)
		}
		for _, g := range leaks {
			if g.Proven {
				t.Errorf("goroutine %d proven without a profile", g.ID)
			}
		}
		return
	}

	unreachable := unreachableLeak(t)
	g, ok := Capture().Find(unreachable)
	if !ok {
		t.Fatalf("unreachable goroutine %d not in snapshot", unreachable)
	}
	leaks = append(leaks, g)

	before := ReadMetrics().GCCycles
	if err := Prove(leaks); err != nil {
		t.Fatalf("Prove: %v", err)
	}
	cycles := ReadMetrics().GCCycles - before
	want := map[uint64]bool{reachable.ID(): false, sleeping.ID(): false, unreachable: true}
	for _, g := range leaks {
		if g.Proven != want[g.ID] {
			t.Errorf("goroutine %d (%s, %s): Proven = %v, want %v", g.ID, g.State, g.Class, g.Proven, want[g.ID])
		}
	}
	// A blocked goroutine stayed unproven after the first request, so
	// Prove must have asked a second time: one GC cycle per request.
	if cycles < 2 {
		t.Errorf("Prove ran %d GC cycles, want at least 2 (two profile requests)", cycles)
	}

	// Without candidates Prove requests nothing.
	before = ReadMetrics().GCCycles
	onlySleeping := []Goroutine{leaks[1]}
	if err := Prove(onlySleeping); err != nil {
		t.Fatalf("Prove: %v", err)
	}
	if cycles := ReadMetrics().GCCycles - before; cycles != 0 {
		t.Errorf("Prove of a sleeping goroutine ran %d GC cycles, want 0", cycles)
	}
}

func TestProveEmpty(t *testing.T) {
	err := Prove(nil)
	if ProofAvailable() && err != nil {
		t.Errorf("Prove(nil) = %v, want nil", err)
	}
	if !ProofAvailable() && !errors.Is(err, ErrProofUnavailable) {
		t.Errorf("Prove(nil) = %v, want %v", err, ErrProofUnavailable)
	}
}
