package matchers_test

import (
	"slices"

	"github.com/leakfunnel/leakfunnel/funnel"
	"github.com/leakfunnel/leakfunnel/internal/leaktest"
	"github.com/leakfunnel/leakfunnel/matchers"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("HaveLeaked", func() {
	Context("on a synthetic result", func() {
		It("lists leaks by cluster, capped, and says what to do next", func() {
			r := result(true, poolLeak(), nilChanLeak(), retryLeak(), smallLeak(1), smallLeak(2), smallLeak(3), smallLeak(4))
			m := matchers.HaveLeaked()
			Expect(m.Match(r)).To(BeTrue())
			golden("have_leaked_negated", m.NegatedFailureMessage(r))
		})

		It("says why it expected a leak and found none", func() {
			r := result(false)
			m := matchers.HaveLeaked()
			Expect(m.Match(r)).To(BeFalse())
			golden("have_leaked_positive", m.FailureMessage(r))
		})

		It("marks leaks not proven when the check ran without proof", func() {
			r := result(false, retryLeak())
			m := matchers.HaveLeaked()
			Expect(m.Match(r)).To(BeTrue())
			golden("have_leaked_unproven", m.NegatedFailureMessage(r))
		})

		It("restricts the verdict to classes, the last OnlyClasses winning", func() {
			r := result(true, poolLeak(), retryLeak())
			m := matchers.HaveLeaked(matchers.OnlyClasses(funnel.ClassPermanent))
			Expect(m.Match(r)).To(BeFalse())
			Expect(m.FailureMessage(r)).To(ContainSubstring(`38 left out by OnlyClasses("permanent")`))

			m = matchers.HaveLeaked(matchers.OnlyClasses(funnel.ClassPermanent), matchers.OnlyClasses(funnel.ClassSleeping))
			Expect(m.Match(r)).To(BeTrue())
			Expect(m.NegatedFailureMessage(r)).To(ContainSubstring("leakfunnel: 1 goroutine leaked in 1 cluster (0 proven)"))

			m = matchers.HaveLeaked(matchers.OnlyClasses(funnel.ClassPermanent), matchers.OnlyClasses())
			Expect(m.Match(r)).To(BeTrue())
			Expect(m.NegatedFailureMessage(r)).To(ContainSubstring("38 goroutines leaked in 2 clusters (2 proven)"))
		})

		It("restricts the verdict to proven leaks", func() {
			r := result(true, poolLeak(), retryLeak())
			m := matchers.HaveLeaked(matchers.OnlyProven(true))
			Expect(m.Match(r)).To(BeTrue())
			Expect(m.NegatedFailureMessage(r)).To(ContainSubstring("leakfunnel: 2 goroutines leaked in 1 cluster (2 proven)"))
			Expect(m.NegatedFailureMessage(r)).To(ContainSubstring("36 left out by OnlyProven(true)"))

			Expect(matchers.HaveLeaked(matchers.OnlyProven(true), matchers.OnlyProven(false)).Match(result(true, retryLeak()))).To(BeTrue())
		})

		It("refuses OnlyProven on a result checked without proof", func() {
			_, err := matchers.HaveLeaked(matchers.OnlyProven(true)).Match(result(false, poolLeak()))
			Expect(err).To(MatchError(ContainSubstring("HaveLeaked matcher: OnlyProven(true) needs a result checked with the goroutineleak profile")))
		})

		It("applies filters on top of the check's", func() {
			r := result(true, poolLeak(), retryLeak())
			m := matchers.HaveLeaked(matchers.IgnoringTopFunction("example.com/shop/worker.(*Pool).loop"))
			Expect(m.Match(r)).To(BeTrue())
			msg := m.NegatedFailureMessage(r)
			Expect(msg).To(ContainSubstring("leakfunnel: 1 goroutine leaked in 1 cluster (0 proven)"))
			Expect(msg).To(ContainSubstring(`filters: the check's, IgnoringTopFunction("example.com/shop/worker.(*Pool).loop")`))
			Expect(msg).NotTo(ContainSubstring("Pool).loop at"))
		})

		It("never changes its verdict on a settled result", func() {
			Expect(matchers.HaveLeaked().(interface{ MatchMayChangeInTheFuture(any) bool }).MatchMayChangeInTheFuture(result(false))).To(BeFalse())
		})
	})

	Context("on a real check", func() {
		It("passes when the goroutines of the spec ended", func(ctx SpecContext) {
			base := funnel.Capture()
			f := leaktest.MustStart(GinkgoT(), leaktest.ChanRecv, 3)
			f.Release()
			Expect(funnel.Check(ctx, base)).NotTo(matchers.HaveLeaked())
		})

		It("fails with the clustered message while they are still blocked", func(ctx SpecContext) {
			base := funnel.Capture()
			f := leaktest.MustStart(GinkgoT(), leaktest.ChanRecv, 3)
			res, err := funnel.Check(ctx, base, funnel.WithTimeout(100*millisecond))
			Expect(err).NotTo(HaveOccurred())
			m := matchers.HaveLeaked()
			Expect(m.Match(res)).To(BeTrue())
			msg := m.NegatedFailureMessage(res)
			Expect(msg).To(HavePrefix("Expected no goroutines to have leaked, but 3 did ("))
			Expect(msg).To(MatchRegexp(`(?m)^    leakfunnel: 3 goroutines leaked in 1 cluster \((\d+ proven|proof not used)\)$`))
			Expect(msg).To(MatchRegexp(`(?m)^    \[1\] 3 goroutines, blocked \(chan receive\)`))
			Expect(msg).To(ContainSubstring("waits in:   " + f.Func + " at leaktest/leaktest.go:"))
			ids := slices.Sorted(slices.Values(f.IDs))
			Expect(msg).To(MatchRegexp(`(?m)^        goroutines: %d, %d, %d$`, ids[0], ids[1], ids[2]))
			Expect(msg).To(HaveSuffix(`ignore them with an option such as matchers.IgnoringTopFunction("` + f.Func + `").`))
		})

		It("ignores what the options ignore", func(ctx SpecContext) {
			base := funnel.Capture()
			f := leaktest.MustStart(GinkgoT(), leaktest.Select, 2)
			res, err := funnel.Check(ctx, base, funnel.WithTimeout(100*millisecond))
			Expect(err).NotTo(HaveOccurred())
			Expect(res).To(matchers.HaveLeaked())
			Expect(res).NotTo(matchers.HaveLeaked(matchers.IgnoringTopFunction(f.Func)))
			Expect(res).NotTo(matchers.HaveLeaked(matchers.IgnoringState("select")))
			Expect(res).NotTo(matchers.HaveLeaked(matchers.OnlyClasses(funnel.ClassSleeping)))
		})
	})

	It("rejects anything but a *funnel.Result", func() {
		for _, actual := range []any{nil, "leaks", (*funnel.Result)(nil), funnel.Capture()} {
			_, err := matchers.HaveLeaked().Match(actual)
			Expect(err).To(MatchError(HavePrefix("HaveLeaked matcher expects a *funnel.Result.  Got:\n")), "actual %#v", actual)
		}
	})
})
