package leaktest_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/leakfunnel/leakfunnel/internal/leaktest"
)

var _ leaktest.TB = (testing.TB)(nil)

// records returns the dump record of every live goroutine, keyed by ID.
func records(t *testing.T) map[uint64]string {
	t.Helper()
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	out := make(map[uint64]string)
	for rec := range strings.SplitSeq(string(buf), "\n\n") {
		var id uint64
		if _, err := fmt.Sscanf(rec, "goroutine %d ", &id); err != nil {
			t.Fatalf("dump record %q: %v", rec, err)
		}
		out[id] = rec
	}
	return out
}

func TestStartRelease(t *testing.T) {
	for _, k := range leaktest.Kinds() {
		t.Run(string(k), func(t *testing.T) {
			f, err := leaktest.Start(k, 3)
			if err != nil {
				t.Fatalf("Start(%q, 3) = %v", k, err)
			}
			if len(f.IDs) != 3 {
				t.Fatalf("Start(%q, 3) IDs = %v, want 3 of them", k, f.IDs)
			}
			recs := records(t)
			for _, id := range f.IDs {
				rec, ok := recs[id]
				if !ok {
					t.Errorf("goroutine %d is not in the dump", id)
					continue
				}
				if !strings.Contains(rec, f.Func+"(") {
					t.Errorf("goroutine %d does not run %s:\n%s", id, f.Func, rec)
				}
				if k != leaktest.Busy && !strings.HasPrefix(rec, fmt.Sprintf("goroutine %d [%s", id, k)) {
					t.Errorf("goroutine %d header is not in state %q:\n%s", id, k, rec)
				}
			}
			f.Release()
			f.Release() // idempotent
			recs = records(t)
			for _, id := range f.IDs {
				_, alive := recs[id]
				if alive != k.Permanent() {
					t.Errorf("after Release goroutine %d alive = %t, want %t", id, alive, k.Permanent())
				}
			}
		})
	}
}

func TestStartLabels(t *testing.T) {
	f := leaktest.MustStart(t, leaktest.ChanRecv, 1, "spec", "labelled one")
	// Labels are visible through the goroutine profile, which carries them
	// whatever GODEBUG says.
	var b bytes.Buffer
	if err := pprofLookup(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `"spec":"labelled one"`) {
		t.Errorf("goroutine profile has no label spec=labelled one for goroutine %d:\n%s", f.ID(), b.String())
	}
}

func TestStartErrors(t *testing.T) {
	tests := []struct {
		name   string
		kind   leaktest.Kind
		n      int
		labels []string
		want   string
	}{
		{"zero goroutines", leaktest.ChanRecv, 0, nil, "need at least one"},
		{"odd labels", leaktest.ChanRecv, 1, []string{"k"}, "need key, value pairs"},
		{"unknown kind", leaktest.Kind("dancing"), 1, nil, `unknown kind "dancing"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := leaktest.Start(tt.kind, tt.n, tt.labels...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Start() = %v, %v; want error containing %q", f, err, tt.want)
			}
		})
	}
}

func TestWaitForStateTimeout(t *testing.T) {
	f := leaktest.MustStart(t, leaktest.ChanRecv, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	err := leaktest.WaitForState(ctx, leaktest.Mutex, f.IDs)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitForState(chan receive goroutine, %q) = %v, want deadline exceeded", leaktest.Mutex, err)
	}
	want := fmt.Sprintf(`goroutine %d in "chan receive"`, f.ID())
	if !strings.Contains(err.Error(), want) {
		t.Errorf("WaitForState error = %q, want it to contain %q", err, want)
	}
}

func TestCurrentID(t *testing.T) {
	ids := make(chan uint64)
	go func() { ids <- leaktest.CurrentID() }()
	a, b := leaktest.CurrentID(), <-ids
	if a == 0 || b == 0 || a == b {
		t.Errorf("CurrentID() = %d here and %d in another goroutine, want two distinct non-zero IDs", a, b)
	}
}
