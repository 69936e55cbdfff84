package matchers

import (
	"fmt"
	"strings"

	"github.com/leakfunnel/leakfunnel/funnel"
	"github.com/onsi/gomega/format"
)

// clusterSearch is the state the cluster and attribution matchers share:
// the clusters looked at and those that matched.
type clusterSearch struct {
	all, found []funnel.Cluster
	proofUsed  bool
}

// run resolves actual and keeps the clusters for which pred holds.
func (s *clusterSearch) run(name string, actual any, pred func(*funnel.Cluster) bool) (bool, error) {
	*s = clusterSearch{}
	cs, err := clustersInput(name, actual)
	if err != nil {
		return false, err
	}
	s.all = cs
	if r, ok := actual.(*funnel.Result); ok {
		s.proofUsed = r.ProofUsed
	} else {
		for i := range cs {
			if cs[i].Proven > 0 {
				s.proofUsed = true
			}
		}
	}
	for i := range cs {
		if pred(&cs[i]) {
			s.found = append(s.found, cs[i])
		}
	}
	return len(s.found) > 0, nil
}

// message renders "Expected a leak cluster <what>, but ..." for the
// positive form and "Expected no leak cluster <what>, but ..." for the
// negated one.
func (s *clusterSearch) message(what string, negated bool) string {
	var b strings.Builder
	if negated {
		fmt.Fprintf(&b, "Expected no leak cluster %s, but %d of %s matched:\n", what, len(s.found), plural(len(s.all), "cluster"))
		b.WriteString(clustersText(s.found, s.proofUsed))
		b.WriteString("End the goroutines of these clusters before the test returns, or ignore them when checking for leaks.")
		return b.String()
	}
	if len(s.all) == 0 {
		fmt.Fprintf(&b, "Expected a leak cluster %s, but there are no leaks at all.\n", what)
	} else {
		fmt.Fprintf(&b, "Expected a leak cluster %s, but none of %s matched:\n", what, plural(len(s.all), "cluster"))
		b.WriteString(clustersText(s.all, s.proofUsed))
	}
	b.WriteString("Check the goroutine the test expects to leak: where it is started, and that the check's filters do not ignore it.")
	return b.String()
}

// clustersText renders clusters with the funnel report, indented.
func clustersText(cs []funnel.Cluster, proofUsed bool) string {
	var b strings.Builder
	// Writing to a strings.Builder cannot fail.
	_ = funnel.FormatClusters(&b, cs, funnel.FormatOptions{Indent: format.Indent, ProofUsed: proofUsed})
	return b.String()
}

// clusterCreator is the function whose go statement started c's goroutines.
func clusterCreator(c *funnel.Cluster) string {
	if c.Attribution.CreatedBy.Func != "" {
		return c.Attribution.CreatedBy.Func
	}
	return c.Representative.CreatedBy.Func
}

// clusterLabel returns the value of label key of c: from the attribution,
// or else from the representative goroutine.
func clusterLabel(c *funnel.Cluster, key string) (string, bool) {
	if v, ok := c.Attribution.Labels[key]; ok {
		return v, true
	}
	v, ok := c.Representative.Labels[key]
	return v, ok
}

// clusterClass is c's blocking class.
func clusterClass(c *funnel.Cluster) funnel.Class {
	switch {
	case c.Class != "":
		return c.Class
	case c.Key.Class != "":
		return c.Key.Class
	}
	return c.Representative.Class
}

// plural renders "1 cluster" or "3 clusters".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
