package funnel

// TEMPORARY CONTRACT STUBS for funnel part 1 (capture, metrics, diff, filters,
// profile). The owner of part 1 replaces this file with the real snapshot.go,
// metrics.go, diff.go, filter.go, profile.go, labels.go and deletes it.

import (
	"errors"
	"io"
	"time"
)

// Metrics is one stage-1 read of runtime/metrics.
type Metrics struct {
	Goroutines         uint64 `json:"goroutines"`
	Created            uint64 `json:"created"`
	Waiting            uint64 `json:"waiting"`
	Runnable           uint64 `json:"runnable"`
	Running            uint64 `json:"running"`
	NotInGo            uint64 `json:"notInGo"`
	HeapObjectBytes    uint64 `json:"heapObjectBytes"`
	StackBytes         uint64 `json:"stackBytes"`
	MCacheInUseBytes   uint64 `json:"mcacheInUseBytes"`
	GCCycles           uint64 `json:"gcCycles"`
	FinalizersQueued   uint64 `json:"finalizersQueued"`
	FinalizersExecuted uint64 `json:"finalizersExecuted"`
	CleanupsQueued     uint64 `json:"cleanupsQueued"`
	CleanupsExecuted   uint64 `json:"cleanupsExecuted"`
}

// ReadMetrics reads stage 1 from runtime/metrics without stopping the world.
func ReadMetrics() Metrics { return Metrics{} }

// Snapshot is every goroutine of the process at one moment, sorted by ID.
type Snapshot struct {
	Time       time.Time   `json:"time"`
	Metrics    Metrics     `json:"metrics"`
	Goroutines []Goroutine `json:"goroutines"`
}

// Capture takes a whole-process snapshot.
func Capture() *Snapshot { return &Snapshot{} }

// Contains reports whether the snapshot holds goroutine id.
func (s *Snapshot) Contains(id uint64) bool { return false }

// Find returns goroutine id of the snapshot.
func (s *Snapshot) Find(id uint64) (Goroutine, bool) { return Goroutine{}, false }

// Filter selects goroutines to ignore.
type Filter struct {
	desc   string
	ignore func(*Goroutine) bool
}

// Ignores reports whether f removes g.
func (f Filter) Ignores(g *Goroutine) bool { return f.ignore != nil && f.ignore(g) }

// String describes the filter.
func (f Filter) String() string { return f.desc }

func TopFunction(fn string) Filter                               { return Filter{} }
func TopFunctionPrefix(prefix string) Filter                     { return Filter{} }
func CreatedByFunction(fn string) Filter                         { return Filter{} }
func AnyFrame(fn string) Filter                                  { return Filter{} }
func InState(state string) Filter                                { return Filter{} }
func InSnapshot(s *Snapshot) Filter                              { return Filter{} }
func FilterFunc(desc string, ignore func(Goroutine) bool) Filter { return Filter{} }
func StandardFilters() []Filter                                  { return nil }

// ErrNilBaseline is returned when a stage is given a nil baseline.
var ErrNilBaseline = errors.New("nil baseline")

// Leaked returns the goroutines of cur whose IDs are not in base, less those
// any filter ignores.
func Leaked(base, cur *Snapshot, filters []Filter) ([]Goroutine, error) { return nil, nil }

// ProfileOption configures WriteProfile.
type ProfileOption struct{}

// WriteProfile writes s as a gzipped pprof protobuf.
func WriteProfile(w io.Writer, s *Snapshot, opts ...ProfileOption) error { return nil }

// EnableTraceLabels adds tracebacklabels=1 to GODEBUG.
func EnableTraceLabels() error { return nil }
