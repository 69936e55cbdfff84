package bench

import (
	"runtime"
	"testing"
	"time"

	"github.com/leakfunnel/leakfunnel/funnel"
)

func TestBackgroundResize(t *testing.T) {
	var bg Background
	t.Cleanup(func() {
		if err := bg.Resize(0); err != nil {
			t.Error(err)
		}
	})
	before := runtime.NumGoroutine()
	for _, n := range []int{9, 30, 3, 12, 0} {
		if err := bg.Resize(n); err != nil {
			t.Fatalf("Resize(%d): %v", n, err)
		}
		if got := bg.Len(); got != n {
			t.Errorf("after Resize(%d): Len() = %d, want %d", n, got, n)
		}
		// Growing waits until the new goroutines are parked and shrinking
		// until the released ones are done; a done goroutine may still be
		// counted for a moment while it exits.
		if got, want := goroutinesSettleAt(before+n), before+n; got != want {
			t.Errorf("after Resize(%d): %d goroutines, want %d", n, got, want)
		}
	}
	if err := bg.Resize(-1); err == nil {
		t.Error("Resize(-1) = nil error, want one")
	}
}

// goroutinesSettleAt waits up to 5 seconds for runtime.NumGoroutine to
// reach want and returns the last count.
func goroutinesSettleAt(want int) int {
	deadline := time.Now().Add(5 * time.Second)
	for {
		n := runtime.NumGoroutine()
		if n == want || time.Now().After(deadline) {
			return n
		}
		runtime.Gosched()
	}
}

func TestLeakRelease(t *testing.T) {
	before := runtime.NumGoroutine()
	release, err := Leak(LeakUnprovable, 5)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := runtime.NumGoroutine(), before+5; got != want {
		t.Errorf("after Leak: %d goroutines, want %d", got, want)
	}
	release()
	if got := goroutinesSettleAt(before); got != before {
		t.Errorf("after release: %d goroutines, want %d", got, before)
	}
	if _, err := Leak("sideways", 1); err == nil {
		t.Error(`Leak("sideways") = nil error, want one`)
	}
}

func TestCheckersAgreeOnACleanSpecAndALeak(t *testing.T) {
	for _, c := range verdictCheckers() {
		t.Run(c.Name(), func(t *testing.T) {
			if err := c.Begin(); err != nil {
				t.Fatal(err)
			}
			v, err := c.End()
			if err != nil {
				t.Fatal(err)
			}
			if v.Leaked {
				t.Fatalf("clean spec: leaked, message:\n%s", v.Message)
			}
			if err := c.Begin(); err != nil {
				t.Fatal(err)
			}
			release, err := Leak(LeakUnprovable, 1)
			if err != nil {
				t.Fatal(err)
			}
			defer release()
			if l, ok := c.(*Leakfunnel); ok {
				// Don't wait out the settle timeout for a leak known to stay.
				l.Options = []funnel.Option{funnel.WithTimeout(50 * time.Millisecond)}
			}
			v, err = c.End()
			if err != nil {
				t.Fatal(err)
			}
			if !v.Leaked {
				t.Error("leaking spec: no leak found")
			}
		})
	}
}
