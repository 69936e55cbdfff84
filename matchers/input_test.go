package matchers_test

import (
	"errors"

	"github.com/leakfunnel/leakfunnel/funnel"
	"github.com/leakfunnel/leakfunnel/matchers"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/types"
)

var _ = Describe("wrong input", func() {
	base := snapshotOf(t0, 1, 3)
	snapshotMatchers := map[string]types.GomegaMatcher{
		"HaveLeakedSince":         matchers.HaveLeakedSince(base),
		"HaveGoroutineDeltaSince": matchers.HaveGoroutineDeltaSince(base, BeZero()),
	}
	clusterMatchers := map[string]types.GomegaMatcher{
		"HaveLeakClusters":   matchers.HaveLeakClusters(BeZero()),
		"HaveClusterOfClass": matchers.HaveClusterOfClass(funnel.ClassBlocked),
		"HaveLeakStartedBy":  matchers.HaveLeakStartedBy("f"),
		"HaveLeakLabelled":   matchers.HaveLeakLabelled("k", "v"),
	}
	wrong := map[string]any{
		"nil":                    nil,
		"a string":               "goroutines",
		"a nil snapshot":         (*funnel.Snapshot)(nil),
		"a nil result":           (*funnel.Result)(nil),
		"a func of another kind": func() int { return 1 },
		"a nil func":             (func() *funnel.Snapshot)(nil),
		"a snapshot value":       *base,
	}

	for name, m := range snapshotMatchers {
		for what, actual := range wrong {
			It(name+" rejects "+what+" with an error naming expected and given", func() {
				ok, err := m.Match(actual)
				Expect(ok).To(BeFalse())
				Expect(err).To(MatchError(HavePrefix(name + " matcher expects a *funnel.Snapshot, a func() *funnel.Snapshot, matchers.Live() or a *funnel.Result.  Got:\n    <")))
			})
		}
	}
	for name, m := range clusterMatchers {
		for what, actual := range wrong {
			It(name+" rejects "+what+" with an error naming expected and given", func() {
				ok, err := m.Match(actual)
				Expect(ok).To(BeFalse())
				Expect(err).To(MatchError(HavePrefix(name + " matcher expects a *funnel.Result or a []funnel.Cluster.  Got:\n    <")))
			})
		}
	}
	It("names the type given", func() {
		_, err := matchers.HaveLeakedSince(base).Match(func() int { return 1 })
		Expect(err).To(MatchError(MatchRegexp(`Got:\n    <func\(\) int>: 0x[0-9a-f]+$`)))
		_, err = matchers.HaveLeakedSince(base).Match("goroutines")
		Expect(err).To(MatchError(HaveSuffix("Got:\n    <string>: goroutines")))
		_, err = matchers.HaveTimelineFigure(matchers.BlockedRatio, BeZero()).Match(42)
		Expect(err).To(MatchError("HaveTimelineFigure matcher expects a *funnel.Result or a *funnel.Timeline.  Got:\n    <int>: 42"))
	})

	It("sums up a snapshot given where another value was expected", func() {
		_, err := matchers.HaveLeaked().Match(base)
		Expect(err).To(MatchError("HaveLeaked matcher expects a *funnel.Result.  Got:\n    <*funnel.Snapshot>: snapshot of 3 goroutines taken at 03:00:00.000000"))
		_, err = matchers.HaveLeakedSince(base).Match(*base)
		Expect(err).To(MatchError(HaveSuffix("Got:\n    <funnel.Snapshot>: snapshot of 3 goroutines taken at 03:00:00.000000")))
	})

	It("reports what a snapshot function returned", func() {
		_, err := matchers.HaveLeakedSince(base).Match(func() *funnel.Snapshot { return nil })
		Expect(err).To(MatchError("HaveLeakedSince matcher: the function passed as the actual value returned a nil *funnel.Snapshot"))
		boom := errors.New("boom")
		_, err = matchers.HaveLeakedSince(base).Match(func() (*funnel.Snapshot, error) { return nil, boom })
		Expect(err).To(MatchError(boom))
	})

	It("reports broken filters instead of panicking", func() {
		cur := snapshotOf(t0, 1, 4)
		_, err := matchers.HaveLeakedSince(base, matchers.IgnoringFunc("broken", nil)).Match(cur)
		Expect(err).To(MatchError(`HaveLeakedSince matcher: IgnoringFunc("broken") was given a nil function`))
		_, err = matchers.HaveLeakedSince(base, matchers.Ignoring(nil)).Match(cur)
		Expect(err).To(MatchError("HaveLeakedSince matcher: Ignoring expects a Gomega matcher.  Got:\n    <nil>: nil"))
		_, err = matchers.HaveLeakedSince(base, matchers.Ignoring(HaveLen(1))).Match(cur)
		Expect(err).To(MatchError(HavePrefix("HaveLeakedSince matcher: a filter failed: HaveLen matcher expects a string/array/map/channel/slice/iterator.  Got:\n")))
		_, err = matchers.HaveLeaked(matchers.Ignoring(HaveLen(1))).Match(result(false, retryLeak()))
		Expect(err).To(MatchError(HavePrefix("HaveLeaked matcher: a filter failed: HaveLen matcher expects")))
	})

	It("treats the zero Option as no option", func() {
		Expect(snapshotOf(t0, 1, 4)).To(matchers.HaveLeakedSince(base, matchers.Option{}, matchers.WithStandardFilters(false)))
	})
})
