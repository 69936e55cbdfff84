package funnel

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"

	"github.com/google/pprof/profile"
)

// ProfileOption configures [WriteProfile]. The zero ProfileOption changes
// nothing. Build one with [ProfileClusters].
type ProfileOption struct {
	clusters []Cluster
	set      bool
}

// ProfileClusters labels each goroutine that belongs to one of clusters
// (by ID) with that cluster's key ("cluster") and class ("class"). Later
// options replace earlier ones.
func ProfileClusters(clusters []Cluster) ProfileOption {
	return ProfileOption{clusters: clusters, set: true}
}

// The label keys WriteProfile sets on each sample, besides the goroutine's
// own pprof labels.
const (
	// LabelState is the sample label holding the goroutine's wait state.
	LabelState = "state"
	// LabelClass is the sample label holding the goroutine's blocking class.
	LabelClass = "class"
	// LabelCluster is the sample label holding the cluster key, for
	// goroutines of a cluster given with [ProfileClusters].
	LabelCluster = "cluster"
	// LabelCreatedBy is the sample label holding the creating function.
	LabelCreatedBy = "created_by"
	// LabelGoroutine is the numeric sample label holding the goroutine ID.
	LabelGoroutine = "goroutine"
)

// WriteProfile writes s as a gzipped pprof protobuf profile, built with
// github.com/google/pprof/profile, that `go tool pprof` reads. There is one
// sample per goroutine, of value 1 and sample type goroutine/count; its
// stack is the goroutine's frames (each frame a location with one line of a
// function that carries the file name). Each sample has string labels
// [LabelState] (the wait state), [LabelClass] (the goroutine's Class, else
// its cluster's, else [Classify]'s), [LabelCreatedBy] and, with
// [ProfileClusters], [LabelCluster]; a numeric label [LabelGoroutine] holds
// the ID. The goroutine's own pprof labels are added as they are, except
// keys that clash with these, which are prefixed with "label:".
//
// `go tool pprof -top -base baseline.pb.gz current.pb.gz` then lists the
// functions of goroutines that are new or gone, by count, and
// `-tagfocus state=...` selects goroutines by state.
//
// A partial snapshot ([CaptureSince], a check's [Result.Final]) gives a
// profile of its parsed goroutines only: those new to its baseline.
//
// The profile's time is s.Time. A nil s is an error wrapping
// [ErrNilSnapshot]; errors from w are returned wrapped.
func WriteProfile(w io.Writer, s *Snapshot, opts ...ProfileOption) error {
	if s == nil {
		return fmt.Errorf("write profile: %w", ErrNilSnapshot)
	}
	if w == nil {
		return errors.New("write profile: nil writer")
	}
	var opt ProfileOption
	for _, o := range opts {
		if o.set {
			opt = o
		}
	}
	p := buildProfile(s, opt)
	if err := p.CheckValid(); err != nil {
		return fmt.Errorf("write profile: %w", err)
	}
	if err := p.Write(w); err != nil {
		return fmt.Errorf("write profile: %w", err)
	}
	return nil
}

type funcKey struct{ name, file string }

type locKey struct {
	name, file string
	line       int
}

// buildProfile converts s into a pprof profile.
func buildProfile(s *Snapshot, opt ProfileOption) *profile.Profile {
	count := &profile.ValueType{Type: "goroutine", Unit: "count"}
	p := &profile.Profile{
		SampleType:        []*profile.ValueType{count},
		PeriodType:        count,
		Period:            1,
		TimeNanos:         s.Time.UnixNano(),
		DefaultSampleType: "goroutine",
	}
	if s.Time.IsZero() {
		p.TimeNanos = 0
	}
	type clusterInfo struct {
		key   string
		class Class
	}
	inCluster := make(map[uint64]clusterInfo)
	for _, c := range opt.clusters {
		info := clusterInfo{key: c.Key.String(), class: c.Class}
		for _, id := range c.IDs {
			inCluster[id] = info
		}
	}
	funcs := make(map[funcKey]*profile.Function)
	locs := make(map[locKey]*profile.Location)
	location := func(f Frame) *profile.Location {
		lk := locKey{f.Func, f.File, f.Line}
		if l, ok := locs[lk]; ok {
			return l
		}
		fk := funcKey{f.Func, f.File}
		fn, ok := funcs[fk]
		if !ok {
			fn = &profile.Function{ID: uint64(len(p.Function) + 1), Name: f.Func, SystemName: f.Func, Filename: f.File}
			funcs[fk] = fn
			p.Function = append(p.Function, fn)
		}
		l := &profile.Location{ID: uint64(len(p.Location) + 1), Line: []profile.Line{{Function: fn, Line: int64(f.Line)}}}
		locs[lk] = l
		p.Location = append(p.Location, l)
		return l
	}
	p.Sample = make([]*profile.Sample, 0, len(s.Goroutines))
	for i := range s.Goroutines {
		g := &s.Goroutines[i]
		sample := &profile.Sample{
			Value:    []int64{1},
			Location: make([]*profile.Location, 0, len(g.Frames)),
			Label:    make(map[string][]string, 4+len(g.Labels)),
			NumLabel: map[string][]int64{LabelGoroutine: {int64(g.ID)}},
		}
		for _, f := range g.Frames {
			sample.Location = append(sample.Location, location(f))
		}
		info, clustered := inCluster[g.ID]
		class := g.Class
		switch {
		case class != "":
		case clustered && info.class != "":
			class = info.class
		default:
			class = Classify(g)
		}
		sample.Label[LabelState] = []string{g.State}
		sample.Label[LabelClass] = []string{string(class)}
		if g.CreatedBy.Func != "" {
			sample.Label[LabelCreatedBy] = []string{g.CreatedBy.Func}
		}
		if clustered {
			sample.Label[LabelCluster] = []string{info.key}
		}
		for _, k := range slices.Sorted(maps.Keys(g.Labels)) {
			key := k
			if _, clash := sample.Label[k]; clash || k == LabelGoroutine {
				key = "label:" + k
			}
			sample.Label[key] = []string{g.Labels[k]}
		}
		p.Sample = append(p.Sample, sample)
	}
	return p
}
