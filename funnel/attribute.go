package funnel

import (
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Attribution says where a leaked goroutine came from (stage 5). Build it
// with [Attribute]. The zero Attribution knows nothing: no creation site, no
// creator, no labels.
//
// Two routes lead from a leak to its cause, and an Attribution carries both:
//
//   - Labels: goroutines inherit their creator's pprof labels, down the whole
//     tree and even after intermediate goroutines have exited. A caller that
//     runs a unit of work under runtime/pprof.Do (as the reporter does for each
//     spec node) finds its label on every goroutine that work started. Labels
//     appear in stack dumps only when GODEBUG contains tracebacklabels=1 (see
//     [EnableTraceLabels]); without it Labels is empty.
//   - Creators: CreatorID names the goroutine that ran the go statement,
//     CreatorInBaseline says whether that goroutine already existed when the
//     baseline was taken (a background worker started earlier, such as one
//     from a BeforeSuite), and Ancestors continues the chain when
//     GODEBUG=tracebackancestors=N was set at process start.
//
// Use the labels when present and fall back to the creators otherwise.
// An Attribution is plain data and survives json.Marshal and json.Unmarshal
// unchanged.
type Attribution struct {
	// CreatedBy is the creation site: the function that ran the go
	// statement, with that statement's file and line. Zero for goroutines
	// the runtime started.
	CreatedBy Frame `json:"createdBy"`
	// CreatorID is the ID of the goroutine that ran the go statement; zero
	// when the runtime did not print it.
	CreatorID uint64 `json:"creatorId,omitempty"`
	// CreatorInBaseline is set when CreatorID is a goroutine of the
	// baseline: the leak was started by a goroutine that predates the
	// baseline, not by the code that ran after it. It is false when the
	// creator is unknown, when the baseline is nil, and when the creator is
	// the goroutine that took the baseline (snapshots exclude their caller).
	CreatorInBaseline bool `json:"creatorInBaseline,omitempty"`
	// Ancestors are the IDs of the creator chain written by
	// GODEBUG=tracebackancestors=N, nearest creator first (the first is
	// CreatorID). Empty when the setting was off.
	Ancestors []uint64 `json:"ancestors,omitempty"`
	// AncestorInBaseline is the ID of the nearest goroutine of the chain
	// (CreatorID, then Ancestors) that is in the baseline, or zero. A
	// goroutine started by a short-lived goroutine that a background
	// worker started is attributed to that worker this way.
	AncestorInBaseline uint64 `json:"ancestorInBaseline,omitempty"`
	// Labels are the goroutine's pprof labels (a copy).
	Labels map[string]string `json:"labels,omitempty"`
}

// Attribute ties g to where it came from, as described on [Attribution].
// base is the snapshot the leak is measured against; it may be nil, in which
// case CreatorInBaseline and AncestorInBaseline stay unset. Attribute reads
// only g and base and is safe for concurrent use; the result shares no
// memory with g.
func Attribute(g *Goroutine, base *Snapshot) Attribution {
	if g == nil {
		return Attribution{}
	}
	a := Attribution{
		CreatedBy: g.CreatedBy,
		CreatorID: g.CreatorID,
	}
	if len(g.Labels) > 0 {
		a.Labels = maps.Clone(g.Labels)
	}
	for _, anc := range g.Ancestors {
		a.Ancestors = append(a.Ancestors, anc.ID)
	}
	if base == nil {
		return a
	}
	a.CreatorInBaseline = a.CreatorID != 0 && base.Contains(a.CreatorID)
	if a.CreatorInBaseline {
		a.AncestorInBaseline = a.CreatorID
		return a
	}
	for _, id := range a.Ancestors {
		if id != 0 && base.Contains(id) {
			a.AncestorInBaseline = id
			break
		}
	}
	return a
}

// String returns the attribution on one line, like
// "created by pkg.Start at /src/pool.go:42 in goroutine 7 (in baseline),
// labels {spec=3}".
func (a Attribution) String() string {
	var b strings.Builder
	if site := siteString(a.CreatedBy); site != "" {
		b.WriteString("created by ")
		b.WriteString(site)
	} else {
		b.WriteString("creator unknown")
	}
	if a.CreatorID != 0 {
		b.WriteString(" in goroutine ")
		b.WriteString(strconv.FormatUint(a.CreatorID, 10))
		if a.CreatorInBaseline {
			b.WriteString(" (in baseline)")
		}
	}
	if a.AncestorInBaseline != 0 && !a.CreatorInBaseline {
		b.WriteString(", descends from baseline goroutine ")
		b.WriteString(strconv.FormatUint(a.AncestorInBaseline, 10))
	}
	if len(a.Labels) > 0 {
		b.WriteString(", labels {")
		for i, k := range slices.Sorted(maps.Keys(a.Labels)) {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(k)
			b.WriteByte('=')
			b.WriteString(a.Labels[k])
		}
		b.WriteByte('}')
	}
	return b.String()
}
