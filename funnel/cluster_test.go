package funnel

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/leakfunnel/leakfunnel/internal/leaktest"
)

// leaksOf captures a snapshot and returns the goroutines of the fixtures,
// in ID order, as Leaked would return them.
func leaksOf(t *testing.T, fixtures ...*leaktest.Fixture) []Goroutine {
	t.Helper()
	snap := Capture()
	var leaks []Goroutine
	for _, f := range fixtures {
		for _, id := range f.IDs {
			g, ok := snap.Find(id)
			if !ok {
				t.Fatalf("fixture goroutine %d (%s) not in snapshot", id, f.Kind)
			}
			leaks = append(leaks, g)
		}
	}
	slices.SortFunc(leaks, func(a, b Goroutine) int { return int(a.ID) - int(b.ID) })
	return leaks
}

func TestClusterKeyOfNormalises(t *testing.T) {
	f := startFixture(t, leaktest.Mutex, 3)
	leaks := leaksOf(t, f)
	key := ClusterKeyOf(&leaks[0])
	for _, g := range leaks[1:] {
		if got := ClusterKeyOf(&g); got != key {
			t.Errorf("ClusterKeyOf(goroutine %d) = %+v, want the key of goroutine %d, %+v", g.ID, got, leaks[0].ID, key)
		}
	}
	if key.Class != ClassBlocked || key.State != "sync.Mutex.Lock" {
		t.Errorf("key class and state = %q, %q, want %q, %q", key.Class, key.State, ClassBlocked, "sync.Mutex.Lock")
	}
	var wantFrames []string
	for _, fr := range leaks[0].Frames {
		wantFrames = append(wantFrames, fr.Func)
	}
	if diff := cmp.Diff(wantFrames, strings.Split(key.Frames, "\n")); diff != "" {
		t.Errorf("key frames mismatch (-want +got):\n%s", diff)
	}
	for _, bad := range []string{"+0x", ".go:", "(0x"} {
		if strings.Contains(key.Frames, bad) {
			t.Errorf("key frames contain %q: %q", bad, key.Frames)
		}
	}
	c := leaks[0].CreatedBy
	if want := c.Func + " at " + c.File + ":" + strconv.Itoa(c.Line); key.CreatedBy != want {
		t.Errorf("key CreatedBy = %q, want %q", key.CreatedBy, want)
	}

	// Lines do not count; a cut stack does.
	moved := leaks[0]
	moved.Frames = slices.Clone(moved.Frames)
	moved.Frames[0].Line += 7
	if got := ClusterKeyOf(&moved); got != key {
		t.Errorf("a different line changed the key: %+v", got)
	}
	moved.Elided = true
	if got := ClusterKeyOf(&moved); got == key || !strings.HasSuffix(got.Frames, "\n...") {
		t.Errorf("an elided stack kept the key or lacks the marker: %q", got.Frames)
	}
	if got := ClusterKeyOf(nil); got != (ClusterKey{}) {
		t.Errorf("ClusterKeyOf(nil) = %+v, want the zero key", got)
	}
}

func TestClusterLeaks(t *testing.T) {
	recv := startFixture(t, leaktest.ChanRecv, 3)
	mutex := startFixture(t, leaktest.Mutex, 1)
	wg := startFixture(t, leaktest.WaitGroup, 2)
	sleep := startFixture(t, leaktest.Sleep, 2)
	leaks := leaksOf(t, recv, mutex, wg, sleep)
	// A proven member, and a long wait, as a profile and the runtime would
	// report them.
	for i := range leaks {
		if leaks[i].ID == recv.IDs[1] {
			leaks[i].Proven = true
			leaks[i].Wait = 3 * time.Minute
		}
	}
	orig := slices.Clone(leaks)

	got := ClusterLeaks(leaks, nil)
	if diff := cmp.Diff(orig, leaks); diff != "" {
		t.Errorf("ClusterLeaks changed its input (-want +got):\n%s", diff)
	}

	type summary struct {
		Count  int
		Class  Class
		State  string
		IDs    []uint64
		Proven int
		Wait   time.Duration
		Rep    uint64
	}
	sorted := func(ids []uint64) []uint64 { return slices.Sorted(slices.Values(ids)) }
	want := []summary{
		{3, ClassBlocked, "chan receive", sorted(recv.IDs), 1, 3 * time.Minute, slices.Min(recv.IDs)},
		// Equal counts: ordered by key, and "blocked" < "sleeping".
		{2, ClassBlocked, "sync.WaitGroup.Wait", sorted(wg.IDs), 0, 0, slices.Min(wg.IDs)},
		{2, ClassSleeping, "sleep", sorted(sleep.IDs), 0, 0, slices.Min(sleep.IDs)},
		{1, ClassBlocked, "sync.Mutex.Lock", mutex.IDs, 0, 0, mutex.ID()},
	}
	var gotSum []summary
	for _, c := range got {
		gotSum = append(gotSum, summary{c.Count, c.Class, c.Key.State, c.IDs, c.Proven, c.LongestWait, c.Representative.ID})
		if c.Representative.Class != c.Class {
			t.Errorf("cluster %s: representative class %q", c.Key, c.Representative.Class)
		}
		if c.Attribution.CreatorID != c.Representative.CreatorID || c.Attribution.CreatedBy != c.Representative.CreatedBy {
			t.Errorf("cluster %s: attribution %+v does not match the representative", c.Key, c.Attribution)
		}
	}
	if diff := cmp.Diff(want, gotSum); diff != "" {
		t.Errorf("ClusterLeaks mismatch (-want +got):\n%s", diff)
	}

	// Same input in another order: same output.
	rev := slices.Clone(leaks)
	slices.Reverse(rev)
	if diff := cmp.Diff(got, ClusterLeaks(rev, nil)); diff != "" {
		t.Errorf("ClusterLeaks depends on input order (-first +reversed):\n%s", diff)
	}

	// Clusters are plain data.
	data, err := json.Marshal(got)
	if err != nil {
		t.Fatalf("json.Marshal(clusters): %v", err)
	}
	var back []Cluster
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatalf("json.Unmarshal(clusters): %v", err)
	}
	if diff := cmp.Diff(got, back); diff != "" {
		t.Errorf("clusters changed in a JSON round trip (-want +got):\n%s", diff)
	}

	if got := ClusterLeaks(nil, nil); got != nil {
		t.Errorf("ClusterLeaks(nil) = %v, want nil", got)
	}
}

func TestClusterKeyCompareAndString(t *testing.T) {
	keys := []ClusterKey{
		{Class: ClassSleeping, State: "sleep", Frames: "a.f"},
		{Class: ClassBlocked, State: "select", Frames: "b.f"},
		{Class: ClassBlocked, State: "select", Frames: "a.f", CreatedBy: "z.g at z.go:1"},
		{Class: ClassBlocked, State: "select", Frames: "a.f"},
		{Class: ClassBlocked, State: "chan receive", Frames: "c.f"},
	}
	slices.SortFunc(keys, ClusterKey.Compare)
	want := []ClusterKey{
		{Class: ClassBlocked, State: "chan receive", Frames: "c.f"},
		{Class: ClassBlocked, State: "select", Frames: "a.f"},
		{Class: ClassBlocked, State: "select", Frames: "a.f", CreatedBy: "z.g at z.go:1"},
		{Class: ClassBlocked, State: "select", Frames: "b.f"},
		{Class: ClassSleeping, State: "sleep", Frames: "a.f"},
	}
	if diff := cmp.Diff(want, keys); diff != "" {
		t.Errorf("sorted keys mismatch (-want +got):\n%s", diff)
	}

	k := ClusterKey{
		Class:     ClassBlocked,
		State:     "sync.Mutex.Lock",
		Frames:    "internal/sync.runtime_SemacquireMutex\nsync.(*Mutex).Lock\nexample.com/pool.(*Pool).loop",
		CreatedBy: "example.com/pool.New at /src/pool.go:42",
	}
	if got, want := k.String(), "[blocked] sync.Mutex.Lock in example.com/pool.(*Pool).loop, created by example.com/pool.New at /src/pool.go:42"; got != want {
		t.Errorf("ClusterKey.String() = %q, want %q", got, want)
	}
	if got, want := (ClusterKey{Class: ClassOther, State: "waiting"}).String(), "[other] waiting"; got != want {
		t.Errorf("ClusterKey.String() without frames = %q, want %q", got, want)
	}
	c := Cluster{Key: k, Count: 3, Proven: 2}
	if got, want := c.String(), "3 x [blocked] sync.Mutex.Lock in example.com/pool.(*Pool).loop, created by example.com/pool.New at /src/pool.go:42 (2 proven)"; got != want {
		t.Errorf("Cluster.String() = %q, want %q", got, want)
	}
}
