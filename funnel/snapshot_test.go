package funnel_test

import (
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

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
		if s.Len() != 0 || s.Partial() {
			t.Errorf("%v.Len() = %d, Partial() = %v; want 0, false", s, s.Len(), s.Partial())
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

// TestCaptureSincePartial checks the partial snapshot's IDs: every
// goroutine alive at the dump, sorted, without the caller, and every one
// new to the baseline parsed.
func TestCaptureSincePartial(t *testing.T) {
	old := leaktest.MustStart(t, leaktest.ChanRecv, 4)
	base := funnel.Capture()
	fresh := leaktest.MustStart(t, leaktest.Select, 3)
	// A sampler started since base is left out of IDs as of Goroutines.
	sampler := funnel.StartSampler(time.Hour)
	defer sampler.Stop()
	var r funnel.Recorder
	since := r.CaptureSince(base)
	if since.Err != "" {
		t.Fatalf("Err = %q", since.Err)
	}
	if !since.Partial() {
		t.Errorf("Partial() = false; Goroutines %d, IDs %d", len(since.Goroutines), len(since.IDs))
	}
	if !slices.IsSorted(since.IDs) {
		t.Errorf("IDs are not sorted: %v", since.IDs)
	}
	if since.Len() != len(since.IDs) {
		t.Errorf("Len() = %d, want len(IDs) = %d", since.Len(), len(since.IDs))
	}
	for _, id := range slices.Concat(old.IDs, fresh.IDs) {
		if !since.Contains(id) {
			t.Errorf("Contains(%d) = false, want true", id)
		}
	}
	for _, id := range old.IDs {
		if _, ok := since.Find(id); ok {
			t.Errorf("baseline goroutine %d was parsed", id)
		}
	}
	if self := leaktest.CurrentID(); since.Contains(self) {
		t.Errorf("Contains(caller %d) = true", self)
	}
	for _, id := range since.IDs {
		if _, parsed := since.Find(id); !parsed && !base.Contains(id) {
			t.Errorf("goroutine %d is new to the baseline but not parsed", id)
		}
	}
	for _, g := range since.Goroutines {
		if _, ok := slices.BinarySearch(since.IDs, g.ID); !ok {
			t.Errorf("parsed goroutine %d is not in IDs", g.ID)
		}
	}

	filled := since.Fill(base)
	if filled.Partial() || len(since.Goroutines) >= len(filled.Goroutines) {
		t.Errorf("Fill(base): Partial() = %v, %d records from %d; want whole", filled.Partial(), len(filled.Goroutines), len(since.Goroutines))
	}
	if !slices.IsSorted(ids(filled.Goroutines)) {
		t.Error("Fill(base) is not sorted by ID")
	}
	for _, id := range slices.Concat(old.IDs, fresh.IDs) {
		if g, ok := filled.Find(id); !ok || len(g.Frames) == 0 {
			t.Errorf("Fill(base).Find(%d) = %v, %v; want the parsed record", id, g, ok)
		}
	}
	if since.Fill(nil) != since || base.Fill(since) != base {
		t.Error("Fill of a full snapshot, or from nil, is not a no-op")
	}
}

// TestCaptureLeavesOutNewSampler takes snapshots right after StartSampler,
// when the sampler goroutine may not have run yet (its only frame is then
// the go statement's wrapper).
func TestCaptureLeavesOutNewSampler(t *testing.T) {
	for i := range 200 {
		base := funnel.Capture()
		s := funnel.StartSampler(time.Hour)
		var full, since *funnel.Snapshot
		if i%2 == 0 {
			full, since = funnel.Capture(), funnel.CaptureSince(base)
		} else {
			since, full = funnel.CaptureSince(base), funnel.Capture()
		}
		s.Stop()
		for _, snap := range []*funnel.Snapshot{full, since} {
			for _, g := range snap.Goroutines {
				if g.CreatedBy.Func == "github.com/leakfunnel/leakfunnel/funnel.StartSampler" {
					t.Fatalf("snapshot holds the sampler goroutine %d: %+v", g.ID, g.Frames)
				}
			}
		}
	}
}

// TestCaptureSinceChain uses a partial snapshot as the baseline of the
// next one, as a check after every test does: Leaked stays exact.
func TestCaptureSinceChain(t *testing.T) {
	leaktest.MustStart(t, leaktest.ChanRecv, 3)
	first := funnel.CaptureSince(funnel.Capture())
	between := leaktest.MustStart(t, leaktest.Select, 2)
	second := funnel.CaptureSince(first)
	fresh := leaktest.MustStart(t, leaktest.Mutex, 2)
	for _, id := range fresh.IDs {
		if second.Contains(id) {
			t.Errorf("goroutine %d started after the snapshot is in it", id)
		}
	}
	third := funnel.CaptureSince(second)
	full := funnel.Capture()
	for _, tc := range []struct {
		name      string
		base, cur *funnel.Snapshot
		want      []uint64
	}{
		{"partial base, partial cur", first, second, between.IDs},
		{"partial base since partial base", second, third, fresh.IDs},
		{"partial base, full cur", second, full, fresh.IDs},
		{"two steps", first, funnel.CaptureSince(first), slices.Concat(between.IDs, fresh.IDs)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := funnel.Leaked(tc.base, tc.cur, funnel.StandardFilters())
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(slices.Sorted(slices.Values(tc.want)), ids(got)); diff != "" {
				t.Errorf("Leaked (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPartialSnapshotJSONRoundTrip(t *testing.T) {
	old := leaktest.MustStart(t, leaktest.ChanRecv, 2)
	base := funnel.Capture()
	leaktest.MustStart(t, leaktest.Select, 2, "spec", "round trip")
	s := funnel.CaptureSince(base)
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
	for _, id := range old.IDs {
		if !got.Contains(id) {
			t.Errorf("round-tripped partial snapshot lacks baseline goroutine %d", id)
		}
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
