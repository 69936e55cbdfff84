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
// each is not counted). It is a count, not an identity check: a baseline
// goroutine that ended can hide a new one that leaked; use
// [HaveLeakedSince] for that.
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
	m.before, m.after = len(m.baseline.Goroutines), len(cur.Goroutines)
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
	return fmt.Sprintf("Expected the goroutine delta since the baseline (%d -> %d goroutines, delta %+d) to satisfy the numeric matcher, but it did not:\n%s\n%s",
		m.before, m.after, m.delta, format.IndentString(inner, 1),
		"Find the goroutines behind the change with HaveLeakedSince(baseline), which lists them by cluster.")
}

// MatchMayChangeInTheFuture reports false for a snapshot or result, which
// never change, and true for [Live], whose count moves.
func (m *haveGoroutineDeltaSinceMatcher) MatchMayChangeInTheFuture(actual any) bool {
	_, live := actual.(LiveSnapshot)
	return live
}
