package matchers

import (
	"fmt"

	"github.com/leakfunnel/leakfunnel/funnel"
	"github.com/onsi/gomega/format"
	"github.com/onsi/gomega/types"
)

// HaveGoroutineDeltaSince succeeds when the change in the number of
// goroutines since baseline satisfies the numeric matcher m:
//
//	Expect(funnel.Capture()).To(HaveGoroutineDeltaSince(base, BeNumerically("<=", 2)))
//
// The delta is an int: the goroutines of the actual snapshot minus those of
// baseline, both as listed in the snapshots (so the goroutine that captured
// each is not counted) and without those the standard filters
// ([funnel.StandardFilters]) ignore, so that a test framework's own
// goroutines coming and going do not move it. It is a count, not an
// identity check: a baseline goroutine that ended can hide a new one that
// leaked; use [HaveLeakedSince] for that.
//
// The actual value may be anything [HaveLeakedSince] accepts; for a
// *funnel.Result its final snapshot is used. A nil baseline, a nil m, a
// baseline newer than the snapshot or an actual value of another type is an
// error. A matcher instance keeps the result of its last Match and must not
// be shared between goroutines.
func HaveGoroutineDeltaSince(baseline *funnel.Snapshot, m types.GomegaMatcher) types.GomegaMatcher {
	return &haveGoroutineDeltaSinceMatcher{baseline: baseline, inner: m}
}

type haveGoroutineDeltaSinceMatcher struct {
	baseline *funnel.Snapshot
	inner    types.GomegaMatcher

	// Saved by Match.
	before, after, delta int
}

var _ types.GomegaMatcher = (*haveGoroutineDeltaSinceMatcher)(nil)

const haveGoroutineDeltaSinceName = "HaveGoroutineDeltaSince"

// Match computes the delta and hands it to the numeric matcher.
func (m *haveGoroutineDeltaSinceMatcher) Match(actual any) (bool, error) {
	m.before, m.after, m.delta = 0, 0, 0
	if m.inner == nil {
		return false, fmt.Errorf("%s matcher expects a numeric Gomega matcher such as BeNumerically(\"<=\", 2).  Got:\n%s",
			haveGoroutineDeltaSinceName, format.Object(nil, 1))
	}
	in, err := snapshotInput(haveGoroutineDeltaSinceName, actual)
	if err != nil {
		return false, err
	}
	cur := in.snap
	if in.result != nil {
		cur = in.result.Final
		if cur == nil {
			return false, fmt.Errorf("%s matcher: the funnel.Result has no final snapshot", haveGoroutineDeltaSinceName)
		}
	}
	if err := checkBaseline(haveGoroutineDeltaSinceName, m.baseline, cur); err != nil {
		return false, err
	}
	std := funnel.StandardFilters()
	m.before, m.after = countUnfiltered(m.baseline, nil, std), countUnfiltered(cur, m.baseline, std)
	m.delta = m.after - m.before
	ok, err := m.inner.Match(m.delta)
	if err != nil {
		return false, fmt.Errorf("%s matcher: %w", haveGoroutineDeltaSinceName, err)
	}
	return ok, nil
}

// FailureMessage reports the delta and the numeric matcher's message.
func (m *haveGoroutineDeltaSinceMatcher) FailureMessage(any) string { return m.message(false) }

// NegatedFailureMessage reports the delta and the numeric matcher's
// negated message.
func (m *haveGoroutineDeltaSinceMatcher) NegatedFailureMessage(any) string { return m.message(true) }

func (m *haveGoroutineDeltaSinceMatcher) message(negated bool) string {
	inner := m.inner.FailureMessage(m.delta)
	if negated {
		inner = m.inner.NegatedFailureMessage(m.delta)
	}
	return fmt.Sprintf("Goroutine delta since the baseline: %+d (%d -> %d goroutines, not counting those the standard filters ignore)\n%s\n%s",
		m.delta, m.before, m.after, inner,
		"Find the goroutines behind the change with HaveLeakedSince(baseline), which lists them by cluster.")
}

// MatchMayChangeInTheFuture reports false for a snapshot or result, which
// never change, and true for [Live], whose count moves.
func (m *haveGoroutineDeltaSinceMatcher) MatchMayChangeInTheFuture(actual any) bool {
	_, live := actual.(LiveSnapshot)
	return live
}

// countUnfiltered counts the goroutines of s that no filter ignores. A
// partial s (such as a check's final snapshot, see funnel.CaptureSince)
// parsed only the goroutines new to its baseline: each of the others is
// judged by its record in base, and counted when base has none either.
func countUnfiltered(s, base *funnel.Snapshot, filters []funnel.Filter) int {
	n := 0
	if !s.Partial() {
		for i := range s.Goroutines {
			if !ignoredBy(&s.Goroutines[i], s, filters) {
				n++
			}
		}
		return n
	}
	for _, id := range s.IDs {
		g, ok := s.Find(id)
		in := s
		if !ok {
			g, ok = base.Find(id)
			in = base
		}
		if !ok || !ignoredBy(&g, in, filters) {
			n++
		}
	}
	return n
}

// ignoredBy reports whether any filter ignores g of s.
func ignoredBy(g *funnel.Goroutine, s *funnel.Snapshot, filters []funnel.Filter) bool {
	for _, f := range filters {
		if f.IgnoresIn(g, s) {
			return true
		}
	}
	return false
}
