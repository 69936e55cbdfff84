package matchers

import (
	"fmt"

	"github.com/leakfunnel/leakfunnel/funnel"
	"github.com/onsi/gomega/types"
)

// HaveClusterOfClass succeeds when at least one leak cluster has the
// blocking class class:
//
//	Expect(res).NotTo(HaveClusterOfClass(funnel.ClassPermanent))
//
// The actual value is a *funnel.Result or a []funnel.Cluster; anything else
// is an error. The failure message lists the clusters looked at (positive
// form) or those that matched (negated form). A matcher instance keeps the
// result of its last Match and must not be shared between goroutines.
func HaveClusterOfClass(class funnel.Class) types.GomegaMatcher {
	return &haveClusterOfClassMatcher{class: class}
}

type haveClusterOfClassMatcher struct {
	class funnel.Class

	// Saved by Match.
	search clusterSearch
}

var _ types.GomegaMatcher = (*haveClusterOfClassMatcher)(nil)

// Match looks for a cluster of the class.
func (m *haveClusterOfClassMatcher) Match(actual any) (bool, error) {
	return m.search.run("HaveClusterOfClass", actual, func(c *funnel.Cluster) bool {
		return clusterClass(c) == m.class
	})
}

// FailureMessage lists the clusters, none of which has the class.
func (m *haveClusterOfClassMatcher) FailureMessage(any) string { return m.message(false) }

// NegatedFailureMessage lists the clusters that have the class.
func (m *haveClusterOfClassMatcher) NegatedFailureMessage(any) string { return m.message(true) }

func (m *haveClusterOfClassMatcher) message(negated bool) string {
	return m.search.message(fmt.Sprintf("of class %q", string(m.class)), negated)
}

// MatchMayChangeInTheFuture reports false: clusters of a result are fixed.
func (m *haveClusterOfClassMatcher) MatchMayChangeInTheFuture(any) bool { return false }
