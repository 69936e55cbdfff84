package matchers

import (
	"fmt"

	"github.com/leakfunnel/leakfunnel/funnel"
	"github.com/onsi/gomega/types"
)

// HaveLeakStartedBy succeeds when at least one leak cluster was started by a
// go statement in the function fn, spelled as the runtime prints it
// ("example.com/pool.NewPool", "example.com/pool.(*Pool).Grow"):
//
//	Expect(res).NotTo(HaveLeakStartedBy("example.com/pool.NewPool"))
//
// The creator is the cluster's attribution ([funnel.Attribute]), or the
// representative goroutine's CreatedBy when the attribution is empty. The
// comparison is exact. The actual value is a *funnel.Result or a
// []funnel.Cluster; anything else is an error. A matcher instance keeps the
// result of its last Match and must not be shared between goroutines.
func HaveLeakStartedBy(fn string) types.GomegaMatcher {
	return &haveLeakStartedByMatcher{fn: fn}
}

type haveLeakStartedByMatcher struct {
	fn string

	// Saved by Match.
	search clusterSearch
}

var _ types.GomegaMatcher = (*haveLeakStartedByMatcher)(nil)

// Match looks for a cluster started by the function.
func (m *haveLeakStartedByMatcher) Match(actual any) (bool, error) {
	return m.search.run("HaveLeakStartedBy", actual, func(c *funnel.Cluster) bool {
		return clusterCreator(c) == m.fn
	})
}

// FailureMessage lists the clusters, none of which was started by the
// function.
func (m *haveLeakStartedByMatcher) FailureMessage(any) string { return m.message(false) }

// NegatedFailureMessage lists the clusters started by the function.
func (m *haveLeakStartedByMatcher) NegatedFailureMessage(any) string { return m.message(true) }

func (m *haveLeakStartedByMatcher) message(negated bool) string {
	return m.search.message(fmt.Sprintf("started by %q", m.fn), negated)
}

// MatchMayChangeInTheFuture reports false: clusters of a result are fixed.
func (m *haveLeakStartedByMatcher) MatchMayChangeInTheFuture(any) bool { return false }
