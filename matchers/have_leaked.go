package matchers

import (
	"github.com/onsi/gomega/types"
)

// HaveLeaked succeeds when a settled [funnel.Result] holds leaks that
// survive the options. It is the settled form of [HaveLeakedSince]:
// [funnel.Check] has already waited for goroutines to end (and stopped early
// for permanent and proven leaks), so a single assertion suffices:
//
//	Expect(funnel.Check(ctx, base)).NotTo(HaveLeaked())
//
// Filters given here apply on top of those the check used; the standard
// filters were applied by the check, so WithStandardFilters has no effect.
// OnlyProven(true) needs a result checked with proof. An actual value other
// than a non-nil *funnel.Result is an error.
//
// A matcher instance keeps the result of its last Match and must not be
// shared between goroutines.
func HaveLeaked(opts ...Option) types.GomegaMatcher {
	return &haveLeakedMatcher{cfg: newConfig(opts)}
}

type haveLeakedMatcher struct {
	cfg *config

	// Saved by Match.
	v verdict
}

var _ types.GomegaMatcher = (*haveLeakedMatcher)(nil)

const haveLeakedName = "HaveLeaked"

// Match reports whether the result holds leaks.
func (m *haveLeakedMatcher) Match(actual any) (bool, error) {
	m.v = verdict{}
	r, err := resultInput(haveLeakedName, actual)
	if err != nil {
		return false, err
	}
	m.v, err = leaksOfResult(haveLeakedName, m.cfg, r, nil)
	if err != nil {
		return false, err
	}
	return len(m.v.leaks) > 0, nil
}

// FailureMessage explains why no leak was found.
func (m *haveLeakedMatcher) FailureMessage(any) string { return m.message(false) }

// NegatedFailureMessage lists the leaks, clustered.
func (m *haveLeakedMatcher) NegatedFailureMessage(any) string { return m.message(true) }

func (m *haveLeakedMatcher) message(negated bool) string {
	return leakMessage(&m.v, m.cfg, false, negated)
}

// MatchMayChangeInTheFuture reports false: a result is settled and does not
// change, so Eventually on one stops at once.
func (m *haveLeakedMatcher) MatchMayChangeInTheFuture(any) bool { return false }
