package matchers

import (
	"github.com/leakfunnel/leakfunnel/funnel"
	"github.com/onsi/gomega/types"
)

// HaveLeakedSince succeeds when goroutines that were not in baseline are
// alive in the actual value and survive the filters: it is meant for the
// negated form,
//
//	base := funnel.Capture()
//	// ... code under test ...
//	Expect(funnel.Capture()).NotTo(HaveLeakedSince(base))
//	Eventually(funnel.Capture).ShouldNot(HaveLeakedSince(base, IgnoringTopFunction("example.com/pkg.worker")))
//
// The actual value may be
//   - a *funnel.Snapshot, compared with baseline by goroutine ID;
//   - a func() *funnel.Snapshot (such as funnel.Capture) or a
//     func() (*funnel.Snapshot, error): Eventually calls it on every poll, and
//     Expect calls it once;
//   - [Live](), which captures a snapshot on every Match and lets Eventually
//     stop early when the remaining leaks can never end (see [Live]);
//   - a *funnel.Result from [funnel.Check]. If baseline is the result's own
//     baseline (or nil), the result's leaks are used, with the class and
//     proof the check found; otherwise the result's final snapshot is
//     compared with baseline.
//
// The standard filters ([funnel.StandardFilters]) apply unless
// WithStandardFilters(false) is given; [Option] lists the rest. Leaked
// goroutines are classified and clustered; a failure message shows clusters,
// not copies. A nil baseline, a baseline taken after the actual snapshot, or
// an actual value of another type is an error naming what was expected and
// what was given.
//
// HaveLeakedSince does not wait for goroutines to end: poll it with
// Eventually, or use [funnel.Check] and [HaveLeaked]. A matcher instance
// keeps the result of its last Match and must not be shared between
// goroutines.
func HaveLeakedSince(baseline *funnel.Snapshot, opts ...Option) types.GomegaMatcher {
	return &haveLeakedSinceMatcher{baseline: baseline, cfg: newConfig(opts)}
}

type haveLeakedSinceMatcher struct {
	baseline *funnel.Snapshot
	cfg      *config

	// Saved by Match.
	v    verdict
	live bool
}

var _ types.GomegaMatcher = (*haveLeakedSinceMatcher)(nil)

const haveLeakedSinceName = "HaveLeakedSince"

// Match reports whether goroutines leaked since the baseline.
func (m *haveLeakedSinceMatcher) Match(actual any) (bool, error) {
	m.v, m.live = verdict{}, false
	in, err := snapshotInput(haveLeakedSinceName, actual)
	if err != nil {
		return false, err
	}
	m.live = in.live
	if in.result != nil {
		if m.baseline == nil && in.result.Baseline == nil {
			return false, checkBaseline(haveLeakedSinceName, nil, nil)
		}
		m.v, err = leaksOfResult(haveLeakedSinceName, m.cfg, in.result, m.baseline)
	} else {
		m.v, err = leaksSince(haveLeakedSinceName, m.cfg, m.baseline, in.snap)
	}
	if err != nil {
		return false, err
	}
	return len(m.v.leaks) > 0, nil
}

// FailureMessage explains why no leak was found.
func (m *haveLeakedSinceMatcher) FailureMessage(any) string { return m.message(false) }

// NegatedFailureMessage lists the leaks, clustered.
func (m *haveLeakedSinceMatcher) NegatedFailureMessage(any) string { return m.message(true) }

func (m *haveLeakedSinceMatcher) message(negated bool) string {
	return leakMessage(&m.v, m.cfg, true, negated)
}

// MatchMayChangeInTheFuture tells Eventually whether polling a value can
// change the verdict. A snapshot or result never changes, so the answer is
// no; for [Live] it is no once every remaining leak is permanent or proven.
func (m *haveLeakedSinceMatcher) MatchMayChangeInTheFuture(any) bool {
	return m.live && !m.v.final()
}
