package matchers

import (
	"fmt"

	"github.com/leakfunnel/leakfunnel/funnel"
	"github.com/onsi/gomega/types"
)

// HaveLeakLabelled succeeds when at least one leak cluster carries the pprof
// label key with the given value:
//
//	Expect(res).NotTo(HaveLeakLabelled("spec", "scales up"))
//
// Labels set with pprof.Do are inherited by every goroutine started under
// them, so a label names the test or request that caused a leak. The
// runtime prints labels in stack dumps only with GODEBUG=tracebacklabels=1
// (see [funnel.EnableTraceLabels]); without it no leak carries labels. The
// cluster's attribution labels are consulted first, then the
// representative goroutine's. The actual value is a *funnel.Result or a
// []funnel.Cluster; anything else is an error. A matcher instance keeps the
// result of its last Match and must not be shared between goroutines.
func HaveLeakLabelled(key, value string) types.GomegaMatcher {
	return &haveLeakLabelledMatcher{key: key, value: value}
}

type haveLeakLabelledMatcher struct {
	key, value string

	// Saved by Match.
	search clusterSearch
}

var _ types.GomegaMatcher = (*haveLeakLabelledMatcher)(nil)

// Match looks for a cluster with the label.
func (m *haveLeakLabelledMatcher) Match(actual any) (bool, error) {
	return m.search.run("HaveLeakLabelled", actual, func(c *funnel.Cluster) bool {
		v, ok := clusterLabel(c, m.key)
		return ok && v == m.value
	})
}

// FailureMessage lists the clusters, none of which has the label.
func (m *haveLeakLabelledMatcher) FailureMessage(any) string { return m.message(false) }

// NegatedFailureMessage lists the clusters that have the label.
func (m *haveLeakLabelledMatcher) NegatedFailureMessage(any) string { return m.message(true) }

func (m *haveLeakLabelledMatcher) message(negated bool) string {
	return m.search.message(fmt.Sprintf("labelled %s=%q", m.key, m.value), negated)
}

// MatchMayChangeInTheFuture reports false: clusters of a result are fixed.
func (m *haveLeakLabelledMatcher) MatchMayChangeInTheFuture(any) bool { return false }
