package matchers

import (
	"fmt"
	"strings"

	"github.com/leakfunnel/leakfunnel/funnel"
	"github.com/onsi/gomega/format"
	"github.com/onsi/gomega/types"
)

// HaveLeakClusters succeeds when the number of leak clusters satisfies the
// numeric matcher m:
//
//	Expect(funnel.Check(ctx, base)).To(HaveLeakClusters(BeNumerically("<=", 1)))
//
// A cluster is a group of leaked goroutines with the same fingerprint (see
// [funnel.ClusterLeaks]); a pool of 37 identical workers is one cluster. The
// actual value is a *funnel.Result or a []funnel.Cluster. A nil m or an
// actual value of another type is an error. A matcher instance keeps the
// result of its last Match and must not be shared between goroutines.
func HaveLeakClusters(m types.GomegaMatcher) types.GomegaMatcher {
	return &haveLeakClustersMatcher{inner: m}
}

type haveLeakClustersMatcher struct {
	inner types.GomegaMatcher

	// Saved by Match.
	search clusterSearch
}

var _ types.GomegaMatcher = (*haveLeakClustersMatcher)(nil)

const haveLeakClustersName = "HaveLeakClusters"

// Match counts the clusters and hands the count to the numeric matcher.
func (m *haveLeakClustersMatcher) Match(actual any) (bool, error) {
	m.search = clusterSearch{}
	if m.inner == nil {
		return false, fmt.Errorf("%s matcher expects a numeric Gomega matcher such as BeNumerically(\"<=\", 1).  Got:\n%s",
			haveLeakClustersName, format.Object(nil, 1))
	}
	if _, err := m.search.run(haveLeakClustersName, actual, func(*funnel.Cluster) bool { return true }); err != nil {
		return false, err
	}
	ok, err := m.inner.Match(len(m.search.all))
	if err != nil {
		return false, fmt.Errorf("%s matcher: %w", haveLeakClustersName, err)
	}
	return ok, nil
}

// FailureMessage reports the count, the numeric matcher's message and the
// clusters.
func (m *haveLeakClustersMatcher) FailureMessage(any) string { return m.message(false) }

// NegatedFailureMessage reports the count, the numeric matcher's negated
// message and the clusters.
func (m *haveLeakClustersMatcher) NegatedFailureMessage(any) string { return m.message(true) }

func (m *haveLeakClustersMatcher) message(negated bool) string {
	n := len(m.search.all)
	inner := m.inner.FailureMessage(n)
	if negated {
		inner = m.inner.NegatedFailureMessage(n)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Leak clusters: %d\n%s\n", n, inner)
	if n > 0 {
		b.WriteString(clustersText(m.search.all, m.search.proofUsed))
	}
	b.WriteString("Each cluster is one root cause: fix them one by one, largest first.")
	return b.String()
}

// MatchMayChangeInTheFuture reports false: clusters of a result are fixed.
func (m *haveLeakClustersMatcher) MatchMayChangeInTheFuture(any) bool { return false }
