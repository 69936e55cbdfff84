package matchers_test

import (
	"time"

	"github.com/leakfunnel/leakfunnel/funnel"
	"github.com/leakfunnel/leakfunnel/internal/leaktest"
	"github.com/leakfunnel/leakfunnel/matchers"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// timeline builds a synthetic timeline of n samples with summary s.
func timeline(n int, s funnel.TimelineSummary) *funnel.Timeline {
	tl := &funnel.Timeline{Start: t0, Interval: 10 * time.Millisecond, Summary: s}
	for i := range n {
		tl.Samples = append(tl.Samples, funnel.Sample{Offset: time.Duration(i) * tl.Interval})
	}
	return tl
}

var _ = Describe("HaveGoroutineDeltaSince", func() {
	It("hands the change in the goroutine count to a numeric matcher", func() {
		base := snapshotOf(t0, 1, 14)
		cur := snapshotOf(t0.Add(time.Second), 1, 17)
		Expect(cur).To(matchers.HaveGoroutineDeltaSince(base, Equal(3)))
		m := matchers.HaveGoroutineDeltaSince(base, BeNumerically("<=", 2))
		Expect(m.Match(cur)).To(BeFalse())
		golden("have_goroutine_delta_since_positive", m.FailureMessage(cur))
		m = matchers.HaveGoroutineDeltaSince(base, BeNumerically(">", 2))
		Expect(m.Match(cur)).To(BeTrue())
		golden("have_goroutine_delta_since_negated", m.NegatedFailureMessage(cur))
		Expect(mayChange(m, cur)).To(BeFalse())
		Expect(mayChange(m, matchers.Live())).To(BeTrue())
	})

	It("counts real goroutines and uses a result's final snapshot", func(ctx SpecContext) {
		base := funnel.Capture()
		leaktest.MustStart(GinkgoT(), leaktest.RWMutexRLock, 2)
		Expect(funnel.Capture()).To(matchers.HaveGoroutineDeltaSince(base, BeNumerically(">=", 2)))
		Expect(matchers.Live()).To(matchers.HaveGoroutineDeltaSince(base, BeNumerically(">=", 2)))
		res, err := funnel.Check(ctx, base, funnel.WithTimeout(50*time.Millisecond))
		Expect(err).NotTo(HaveOccurred())
		Expect(res).To(matchers.HaveGoroutineDeltaSince(base, BeNumerically(">=", 2)))
	})

	It("refuses a nil numeric matcher and a numeric matcher's error", func() {
		base := snapshotOf(t0, 1, 1)
		_, err := matchers.HaveGoroutineDeltaSince(base, nil).Match(base)
		Expect(err).To(MatchError(HavePrefix("HaveGoroutineDeltaSince matcher expects a numeric Gomega matcher")))
		_, err = matchers.HaveGoroutineDeltaSince(base, HaveLen(1)).Match(base)
		Expect(err).To(MatchError(HavePrefix("HaveGoroutineDeltaSince matcher: HaveLen matcher expects")))
	})
})

var _ = Describe("HaveTimelineFigure", func() {
	tl := timeline(12, funnel.TimelineSummary{GoroutineDelta: 3, PeakGoroutines: 40, BlockedRatio: 0.82, Created: 55,
		HeapGrowth: 1 << 20, StackGrowth: 8192, FinalizerBacklog: 1, CleanupBacklog: 2})

	DescribeTable("reads each figure",
		func(f matchers.Figure, want any) {
			Expect(tl).To(matchers.HaveTimelineFigure(f, Equal(want)))
		},
		Entry(nil, matchers.GoroutineDelta, int64(3)),
		Entry(nil, matchers.PeakGoroutines, uint64(40)),
		Entry(nil, matchers.BlockedRatio, 0.82),
		Entry(nil, matchers.GoroutinesCreated, uint64(55)),
		Entry(nil, matchers.HeapGrowth, int64(1<<20)),
		Entry(nil, matchers.StackGrowth, int64(8192)),
		Entry(nil, matchers.FinalizerBacklog, int64(1)),
		Entry(nil, matchers.CleanupBacklog, int64(2)),
	)

	It("renders both forms", func() {
		m := matchers.HaveTimelineFigure(matchers.BlockedRatio, BeNumerically("<", 0.5))
		Expect(m.Match(tl)).To(BeFalse())
		golden("have_timeline_figure_positive", m.FailureMessage(tl))
		m = matchers.HaveTimelineFigure(matchers.PeakGoroutines, BeNumerically(">", 30))
		Expect(m.Match(tl)).To(BeTrue())
		golden("have_timeline_figure_negated", m.NegatedFailureMessage(tl))
		Expect(mayChange(m, tl)).To(BeFalse())
	})

	It("reads the timeline of a real check", func(ctx SpecContext) {
		base := funnel.Capture()
		f := leaktest.MustStart(GinkgoT(), leaktest.ChanRecv, 4)
		during := funnel.ReadMetrics().Goroutines
		// The sampler takes its first reading before StartSampler returns,
		// while the fixture is still blocked.
		s := funnel.StartSampler(5 * time.Millisecond)
		f.Release()
		res, err := funnel.Check(ctx, base, funnel.WithSampler(s))
		Expect(err).NotTo(HaveOccurred())
		Expect(res).NotTo(matchers.HaveLeaked())
		Expect(res).To(matchers.HaveTimelineFigure(matchers.PeakGoroutines, BeNumerically(">=", during)))
		Expect(res).To(matchers.HaveTimelineFigure(matchers.BlockedRatio, And(BeNumerically(">=", 0), BeNumerically("<=", 1))))
	})

	It("explains what is missing", func() {
		_, err := matchers.HaveTimelineFigure(matchers.BlockedRatio, BeNumerically("<", 1)).Match(&funnel.Result{})
		Expect(err).To(MatchError("HaveTimelineFigure matcher: the funnel.Result has no timeline; run the check with funnel.WithSampler(funnel.StartSampler(interval))"))
		_, err = matchers.HaveTimelineFigure(matchers.BlockedRatio, BeNumerically("<", 1)).Match(&funnel.Timeline{})
		Expect(err).To(MatchError("HaveTimelineFigure matcher: the timeline has no samples; let the sampler run for at least one interval"))
		_, err = matchers.HaveTimelineFigure("blockedness", BeNumerically("<", 1)).Match(tl)
		Expect(err).To(MatchError(`HaveTimelineFigure matcher: unknown figure "blockedness"; use one of the Figure constants such as matchers.BlockedRatio`))
		_, err = matchers.HaveTimelineFigure(matchers.BlockedRatio, nil).Match(tl)
		Expect(err).To(MatchError(HavePrefix("HaveTimelineFigure matcher expects a numeric Gomega matcher")))
	})
})

var _ = Describe("cluster and attribution matchers", func() {
	clusters := []funnel.Cluster{poolLeak(), nilChanLeak(), retryLeak()}
	r := result(true, clusters...)

	It("counts clusters", func() {
		Expect(r).To(matchers.HaveLeakClusters(Equal(3)))
		Expect(clusters[:1]).To(matchers.HaveLeakClusters(Equal(1)))
		m := matchers.HaveLeakClusters(BeNumerically("<=", 1))
		Expect(m.Match(r)).To(BeFalse())
		golden("have_leak_clusters_positive", m.FailureMessage(r))
		Expect(result(false)).To(matchers.HaveLeakClusters(BeZero()))
	})

	It("finds a cluster of a class", func() {
		Expect(r).To(matchers.HaveClusterOfClass(funnel.ClassPermanent))
		Expect(r).NotTo(matchers.HaveClusterOfClass(funnel.ClassIO))
		m := matchers.HaveClusterOfClass(funnel.ClassPermanent)
		Expect(m.Match(r)).To(BeTrue())
		golden("have_cluster_of_class_negated", m.NegatedFailureMessage(r))
		m = matchers.HaveClusterOfClass(funnel.ClassIO)
		Expect(m.Match(clusters[1:2])).To(BeFalse())
		golden("have_cluster_of_class_positive", m.FailureMessage(clusters[1:2]))
		Expect(m.Match(result(false))).To(BeFalse())
		Expect(m.FailureMessage(result(false))).To(HavePrefix(`Expected a leak cluster of class "io", but there are no leaks at all.`))
	})

	It("finds a cluster by creator", func() {
		Expect(r).To(matchers.HaveLeakStartedBy("example.com/shop/cache.New"))
		Expect(r).NotTo(matchers.HaveLeakStartedBy("example.com/shop/cache"))
		m := matchers.HaveLeakStartedBy("example.com/shop/client.Dial")
		Expect(m.Match(r)).To(BeTrue())
		golden("have_leak_started_by_negated", m.NegatedFailureMessage(r))
	})

	It("finds a cluster by label", func() {
		Expect(r).To(matchers.HaveLeakLabelled("spec", "scales up"))
		Expect(r).NotTo(matchers.HaveLeakLabelled("spec", "scales down"))
		m := matchers.HaveLeakLabelled("spec", "scales down")
		Expect(m.Match(r)).To(BeFalse())
		Expect(m.FailureMessage(r)).To(HavePrefix(`Expected a leak cluster labelled spec="scales down", but none of 3 clusters matched:` + "\n    leakfunnel: 40 goroutines leaked in 3 clusters (4 proven)\n"))
		Expect(mayChange(m, r)).To(BeFalse())
	})

	It("attributes real leaks to their creator and labels", func(ctx SpecContext) {
		base := funnel.Capture()
		f := leaktest.MustStart(GinkgoT(), leaktest.ChanRecv, 3, "spec", "attributes real leaks")
		leaktest.MustStart(GinkgoT(), leaktest.Sleep, 1)
		res, err := funnel.Check(ctx, base, funnel.WithTimeout(100*time.Millisecond))
		Expect(err).NotTo(HaveOccurred())
		Expect(res).To(matchers.HaveLeakClusters(Equal(2)))
		Expect(res).To(matchers.HaveClusterOfClass(funnel.ClassBlocked))
		Expect(res).To(matchers.HaveClusterOfClass(funnel.ClassSleeping))
		Expect(res).NotTo(matchers.HaveClusterOfClass(funnel.ClassPermanent))
		Expect(res).To(matchers.HaveLeakLabelled("spec", "attributes real leaks"))
		creator := res.Clusters[0].Representative.CreatedBy.Func
		Expect(creator).To(HavePrefix("github.com/leakfunnel/leakfunnel/internal/leaktest."))
		Expect(res).To(matchers.HaveLeakStartedBy(creator))
		Expect(f.IDs).To(HaveLen(3))
	})
})
