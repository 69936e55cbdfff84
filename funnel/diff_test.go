package funnel_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/leakfunnel/leakfunnel/funnel"
	"github.com/leakfunnel/leakfunnel/internal/leaktest"
)

func snap(ids ...uint64) *funnel.Snapshot {
	s := &funnel.Snapshot{}
	for _, id := range ids {
		s.Goroutines = append(s.Goroutines, funnel.Goroutine{ID: id, State: "select"})
	}
	return s
}

// partial returns a partial snapshot of the goroutines all, of which only
// parsed have records.
func partial(all []uint64, parsed ...uint64) *funnel.Snapshot {
	s := snap(parsed...)
	s.IDs = all
	return s
}

// withParsed adds records for ids to s's Goroutines only.
func withParsed(s *funnel.Snapshot, ids ...uint64) *funnel.Snapshot {
	s.Goroutines = append(s.Goroutines, snap(ids...).Goroutines...)
	return s
}

func ids(gs []funnel.Goroutine) []uint64 {
	out := []uint64{}
	for _, g := range gs {
		out = append(out, g.ID)
	}
	return out
}

func TestLeakedTable(t *testing.T) {
	odd := funnel.FilterFunc("odd", func(g funnel.Goroutine) bool { return g.ID%2 == 1 })
	tests := []struct {
		name      string
		base, cur *funnel.Snapshot
		filters   []funnel.Filter
		want      []uint64
	}{
		{"nothing new", snap(1, 2, 3), snap(1, 2, 3), nil, []uint64{}},
		{"some exited", snap(1, 2, 3), snap(2), nil, []uint64{}},
		{"new ones", snap(1, 3), snap(1, 2, 3, 4, 9), nil, []uint64{2, 4, 9}},
		{"baseline exited, new one started", snap(1, 2), snap(1, 5), nil, []uint64{5}},
		{"empty baseline", snap(), snap(4, 5), nil, []uint64{4, 5}},
		{"empty current", snap(1), snap(), nil, []uint64{}},
		{"filtered", snap(1), snap(1, 2, 3, 4, 5), []funnel.Filter{odd}, []uint64{2, 4}},
		{"in snapshot", snap(1), snap(1, 2, 3), []funnel.Filter{funnel.InSnapshot(snap(3))}, []uint64{2}},
		{"partial base", partial([]uint64{1, 2, 3, 7}, 7), snap(1, 2, 3, 4, 7), nil, []uint64{4}},
		{"partial base, parsed goroutine added", withParsed(partial([]uint64{1, 3}), 5), snap(1, 3, 5, 6), nil, []uint64{6}},
		{"partial cur", snap(1, 2), partial([]uint64{1, 2, 4, 5}, 4, 5), nil, []uint64{4, 5}},
		{"partial base and cur", partial([]uint64{1, 2, 3}, 3), partial([]uint64{2, 3, 8}, 8), nil, []uint64{8}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := funnel.Leaked(tt.base, tt.cur, tt.filters)
			if err != nil {
				t.Fatalf("Leaked() error = %v", err)
			}
			if diff := cmp.Diff(tt.want, ids(got)); diff != "" {
				t.Errorf("Leaked() IDs (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLeakedNil(t *testing.T) {
	tests := []struct {
		name      string
		base, cur *funnel.Snapshot
		want      error
		msg       string
	}{
		{"nil baseline", nil, snap(1), funnel.ErrNilBaseline, "leaked: nil baseline"},
		{"nil current", snap(1), nil, funnel.ErrNilSnapshot, "leaked: current: nil snapshot"},
		{"both nil", nil, nil, funnel.ErrNilBaseline, "leaked: nil baseline"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := funnel.Leaked(tt.base, tt.cur, nil)
			if !errors.Is(err, tt.want) || err.Error() != tt.msg {
				t.Errorf("Leaked() = %v, %q; want error %q wrapping %v", got, err, tt.msg, tt.want)
			}
		})
	}
}

func TestLeakedRealGoroutines(t *testing.T) {
	before := leaktest.MustStart(t, leaktest.ChanRecv, 2)
	base := funnel.Capture()
	exits := leaktest.MustStart(t, leaktest.Select, 1)
	mutex := leaktest.MustStart(t, leaktest.Mutex, 3)
	leaktest.MustStart(t, leaktest.Sleep, 1)
	exits.Release()
	before.Release()
	cur := funnel.Capture()
	got, err := funnel.Leaked(base, cur, append(funnel.StandardFilters(), funnel.InState("sleep")))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(slices.Sorted(slices.Values(mutex.IDs)), ids(got)); diff != "" {
		t.Errorf("Leaked() IDs (-want +got):\n%s", diff)
	}
	for _, g := range got {
		if g.State != "sync.Mutex.Lock" {
			t.Errorf("leaked goroutine %d State = %q, want sync.Mutex.Lock", g.ID, g.State)
		}
	}
}
