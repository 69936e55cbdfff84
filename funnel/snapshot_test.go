package funnel_test

import (
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/leakfunnel/leakfunnel/funnel"
	"github.com/leakfunnel/leakfunnel/internal/leaktest"
)

func TestCaptureFixtures(t *testing.T) {
	for _, k := range leaktest.Kinds() {
		t.Run(string(k), func(t *testing.T) {
			f := leaktest.MustStart(t, k, 2)
			s := funnel.Capture()
			if s.Err != "" {
				t.Fatalf("Capture().Err = %q", s.Err)
			}
			for _, id := range f.IDs {
				g, ok := s.Find(id)
				if !ok {
					t.Errorf("Capture() lacks fixture goroutine %d", id)
					continue
				}
				if k != leaktest.Busy && g.State != string(k) {
					t.Errorf("goroutine %d State = %q, want %q", id, g.State, k)
				}
				if !slices.ContainsFunc(g.Frames, func(fr funnel.Frame) bool { return fr.Func == f.Func }) {
					t.Errorf("goroutine %d frames lack %s: %+v", id, f.Func, g.Frames)
				}
				if !strings.HasPrefix(g.CreatedBy.Func, "github.com/leakfunnel/leakfunnel/internal/leaktest.") {
					t.Errorf("goroutine %d CreatedBy = %+v, want a leaktest function", id, g.CreatedBy)
				}
				if g.CreatorID == 0 {
					t.Errorf("goroutine %d CreatorID = 0", id)
				}
			}
		})
	}
}

func TestCaptureExcludesCaller(t *testing.T) {
	self := leaktest.CurrentID()
	s := funnel.Capture()
	if s.Contains(self) {
		t.Errorf("Capture() contains the calling goroutine %d", self)
	}
	if s.Time.IsZero() || s.Metrics.Goroutines == 0 || s.Metrics.Created == 0 {
		t.Errorf("Capture() Time = %v, Metrics = %+v; want both set", s.Time, s.Metrics)
	}
}

func TestCaptureSortedByID(t *testing.T) {
	leaktest.MustStart(t, leaktest.ChanRecv, 50)
	s := funnel.Capture()
	if !slices.IsSortedFunc(s.Goroutines, func(a, b funnel.Goroutine) int { return int(a.ID) - int(b.ID) }) {
		t.Errorf("Capture() goroutines are not sorted by ID")
	}
	for i := 1; i < len(s.Goroutines); i++ {
		if s.Goroutines[i-1].ID == s.Goroutines[i].ID {
			t.Errorf("Capture() has goroutine %d twice", s.Goroutines[i].ID)
		}
	}
}

func TestCaptureConcurrent(t *testing.T) {
	f := leaktest.MustStart(t, leaktest.ChanRecv, 10)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 5 {
				s := funnel.Capture()
				if s.Err != "" || !s.Contains(f.ID()) {
					t.Errorf("Capture() Err = %q, contains fixture = %t", s.Err, s.Contains(f.ID()))
				}
			}
		})
	}
	wg.Wait()
}

func TestSnapshotJSONRoundTrip(t *testing.T) {
	leaktest.MustStart(t, leaktest.Select, 3, "spec", "round trip")
	s := funnel.Capture()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var got funnel.Snapshot
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(s, &got); diff != "" {
		t.Errorf("JSON round trip changed the snapshot (-want +got):\n%s", diff)
	}
}

func TestSnapshotNilAndZero(t *testing.T) {
	var nilSnap *funnel.Snapshot
	var zero funnel.Snapshot
	for _, s := range []*funnel.Snapshot{nilSnap, &zero} {
		if s.Contains(1) {
			t.Errorf("%v.Contains(1) = true", s)
		}
		if g, ok := s.Find(1); ok {
			t.Errorf("%v.Find(1) = %v, true", s, g)
		}
		if s.IsCurrent() {
			t.Errorf("%v.IsCurrent() = true", s)
		}
	}
}

func TestSnapshotIsCurrent(t *testing.T) {
	s := funnel.Capture()
	// Nothing may start goroutines between the two calls, so the first
	// answer is not checked, only the one after a new goroutine.
	_ = s.IsCurrent()
	f := leaktest.MustStart(t, leaktest.ChanRecv, 1)
	f.Release()
	if s.IsCurrent() {
		t.Errorf("IsCurrent() = true after a goroutine was started")
	}
}

func TestCaptureSince(t *testing.T) {
	leaktest.MustStart(t, leaktest.ChanRecv, 5)
	base := funnel.Capture()
	var r funnel.Recorder
	for _, tc := range []struct {
		name    string
		capture func(*funnel.Snapshot) *funnel.Snapshot
	}{
		{"CaptureSince", funnel.CaptureSince},
		{"Recorder.CaptureSince", r.CaptureSince},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := leaktest.MustStart(t, leaktest.WaitGroup, 3)
			since := tc.capture(base)
			if since.Err != "" {
				t.Fatalf("Err = %q", since.Err)
			}
			for _, g := range since.Goroutines {
				if base.Contains(g.ID) {
					t.Errorf("snapshot since base holds baseline goroutine %d", g.ID)
				}
			}
			full := funnel.Capture()
			want, err := funnel.Leaked(base, full, funnel.StandardFilters())
			if err != nil {
				t.Fatal(err)
			}
			got, err := funnel.Leaked(base, since, funnel.StandardFilters())
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(ids(want), ids(got)); diff != "" {
				t.Errorf("Leaked over the snapshot since base (-full +since):\n%s", diff)
			}
			if diff := cmp.Diff(slices.Sorted(slices.Values(f.IDs)), ids(got)); diff != "" {
				t.Errorf("Leaked (-fixture +got):\n%s", diff)
			}
			if since.Metrics.Goroutines < uint64(len(base.Goroutines)) {
				t.Errorf("Metrics.Goroutines = %d, want the whole process (>= %d)", since.Metrics.Goroutines, len(base.Goroutines))
			}
		})
	}
	if got := funnel.CaptureSince(nil); !got.Contains(base.Goroutines[0].ID) {
		t.Errorf("CaptureSince(nil) is not a full capture")
	}
}

func TestRecorderCapture(t *testing.T) {
	var r funnel.Recorder
	f := leaktest.MustStart(t, leaktest.Cond, 300)
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			for range 3 {
				s := r.Capture()
				if s.Err != "" {
					t.Errorf("Recorder.Capture().Err = %q", s.Err)
				}
				for _, id := range f.IDs {
					if !s.Contains(id) {
						t.Errorf("Recorder.Capture() lacks goroutine %d", id)
						return
					}
				}
			}
		})
	}
	wg.Wait()
}

// TestRecorderSnapshotsOwnTheirStrings guards against records that point
// into the reused dump buffer: a later dump must not change an earlier
// snapshot.
func TestRecorderSnapshotsOwnTheirStrings(t *testing.T) {
	enableTraceLabels(t)
	var r funnel.Recorder
	f := leaktest.MustStart(t, leaktest.ChanRecv, 20, "spec", "first")
	first := r.Capture()
	before, err := json.Marshal(first)
	if err != nil {
		t.Fatal(err)
	}
	if g, _ := first.Find(f.ID()); g.Labels["spec"] != "first" {
		t.Fatalf("fixture goroutine labels = %v, want spec=first", g.Labels)
	}
	f.Release()
	leaktest.MustStart(t, leaktest.Mutex, 40, "spec", "second, overwriting the buffer")
	r.Capture()
	r.CaptureSince(first)
	after, err := json.Marshal(first)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(before), string(after)); diff != "" {
		t.Errorf("an earlier snapshot changed after later dumps into the same buffer (-before +after):\n%s", diff)
	}
}
