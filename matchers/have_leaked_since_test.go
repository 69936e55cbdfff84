package matchers_test

import (
	"context"
	"time"

	"github.com/leakfunnel/leakfunnel/funnel"
	"github.com/leakfunnel/leakfunnel/internal/leaktest"
	"github.com/leakfunnel/leakfunnel/matchers"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/types"
)

// mayChange asks m whether its verdict on actual may change, as Eventually
// does when it polls a value.
func mayChange(m types.GomegaMatcher, actual any) bool {
	o, ok := m.(interface{ MatchMayChangeInTheFuture(any) bool })
	Expect(ok).To(BeTrue(), "%T does not implement MatchMayChangeInTheFuture", m)
	return o.MatchMayChangeInTheFuture(actual)
}

// failureOf runs assert with the suite's Gomega and returns the failure
// message, or "" when the assertion passed.
func failureOf(assert func()) string {
	err := InterceptGomegaFailure(assert)
	if err == nil {
		return ""
	}
	return err.Error()
}

var _ = Describe("HaveLeakedSince", func() {
	Context("on synthetic snapshots", func() {
		var base, cur *funnel.Snapshot
		BeforeEach(func() {
			leaks := expand([]funnel.Cluster{poolLeak(), retryLeak()})
			base = snapshotOf(t0, 1, 14)
			cur = snapshotOf(t0.Add(time.Second), 1, 14, leaks...)
			// Goroutine 3 of the baseline has ended meanwhile.
			cur.Goroutines = append(cur.Goroutines[:2], cur.Goroutines[3:]...)
		})

		It("clusters the goroutines that are not in the baseline", func() {
			m := matchers.HaveLeakedSince(base, matchers.WithStandardFilters(false))
			Expect(m.Match(cur)).To(BeTrue())
			golden("have_leaked_since_negated", m.NegatedFailureMessage(cur))
		})

		It("says how many new goroutines the filters ignored", func() {
			m := matchers.HaveLeakedSince(base,
				matchers.WithStandardFilters(false),
				matchers.IgnoringCreator("example.com/shop/worker.NewPool"),
				matchers.IgnoringState("sleep"))
			Expect(m.Match(cur)).To(BeFalse())
			golden("have_leaked_since_positive", m.FailureMessage(cur))
		})

		It("passes when nothing is new", func() {
			Expect(snapshotOf(t0.Add(time.Second), 1, 14)).NotTo(matchers.HaveLeakedSince(base))
		})

		It("never changes its verdict on a snapshot", func() {
			m := matchers.HaveLeakedSince(base)
			Expect(m.Match(cur)).To(BeTrue())
			Expect(mayChange(m, cur)).To(BeFalse())
		})

		It("refuses a baseline taken after the snapshot", func() {
			_, err := matchers.HaveLeakedSince(cur).Match(base)
			Expect(err).To(MatchError("HaveLeakedSince matcher: the baseline (taken at 03:00:01.000000) is newer than the snapshot it is compared with (taken at 03:00:00.000000); pass the earlier snapshot as the baseline"))
		})

		It("refuses a nil baseline", func() {
			_, err := matchers.HaveLeakedSince(nil).Match(cur)
			Expect(err).To(MatchError(funnel.ErrNilBaseline))
			Expect(err).To(MatchError(ContainSubstring("HaveLeakedSince matcher: nil baseline: take one with funnel.Capture()")))
		})

		It("compares a result's final snapshot with another baseline", func() {
			r := result(true, poolLeak())
			older := snapshotOf(t0.Add(-time.Second), 1, 10)
			m := matchers.HaveLeakedSince(older, matchers.WithStandardFilters(false))
			Expect(m.Match(r)).To(BeTrue())
			msg := m.NegatedFailureMessage(r)
			Expect(msg).To(HavePrefix("Expected no goroutines to have leaked since the baseline, but 41 did (10 goroutines in the baseline, 51 now; 41 new, 0 ignored by filters; filters: no standard filters):\n"))
			Expect(msg).To(ContainSubstring("leakfunnel: 41 goroutines leaked in 5 clusters (2 proven)"))

			m = matchers.HaveLeakedSince(r.Baseline)
			Expect(m.Match(r)).To(BeTrue())
			Expect(m.NegatedFailureMessage(r)).To(ContainSubstring("leakfunnel: 37 goroutines leaked in 1 cluster (2 proven)"))
		})
	})

	Context("on real goroutines", func() {
		It("compares a real check's partial final snapshot with an older baseline", func(ctx SpecContext) {
			older := funnel.Capture()
			before := leaktest.MustStart(GinkgoT(), leaktest.ChanRecv, 2)
			base := funnel.Capture()
			after := leaktest.MustStart(GinkgoT(), leaktest.Select, 1)
			res, err := funnel.Check(ctx, base, funnel.WithTimeout(50*time.Millisecond))
			Expect(err).NotTo(HaveOccurred())
			Expect(res.Final.Partial()).To(BeTrue())
			m := matchers.HaveLeakedSince(older)
			Expect(m.Match(res)).To(BeTrue())
			msg := m.NegatedFailureMessage(res)
			// The goroutines started between the two baselines are not
			// parsed in the final snapshot; they are leaks all the same.
			Expect(msg).To(ContainSubstring("leakfunnel: 3 goroutines leaked in 2 clusters"))
			Expect(msg).To(MatchRegexp(`(?m)^        goroutines: %d, %d$`, min(before.IDs[0], before.IDs[1]), max(before.IDs[0], before.IDs[1])))
			Expect(msg).To(MatchRegexp(`(?m)^        goroutines: %d$`, after.IDs[0]))
		})

		It("passes under Eventually once goroutines that exit after 50ms are gone", func() {
			base := funnel.Capture()
			done := make(chan struct{})
			started := make(chan struct{})
			for range 3 {
				go func() {
					started <- struct{}{}
					select {
					case <-time.After(50 * time.Millisecond):
					case <-done:
					}
				}()
			}
			DeferCleanup(func() { close(done) })
			for range 3 {
				<-started
			}
			Expect(funnel.Capture()).To(matchers.HaveLeakedSince(base))
			Eventually(funnel.Capture).ShouldNot(matchers.HaveLeakedSince(base))
		})

		It("fails under Eventually with the clustered message while a leak stays", func() {
			base := funnel.Capture()
			f := leaktest.MustStart(GinkgoT(), leaktest.ChanSend, 2)
			msg := failureOf(func() {
				Eventually(funnel.Capture).WithTimeout(200 * time.Millisecond).ShouldNot(matchers.HaveLeakedSince(base))
			})
			Expect(msg).To(MatchRegexp(`^Timed out after 0\.\d+s\.\nExpected no goroutines to have leaked since the baseline, but 2 did \(\d+ goroutines in the baseline, \d+ now; 2 new, 0 ignored by filters; filters: standard\):\n`))
			Expect(msg).To(ContainSubstring("    leakfunnel: 2 goroutines leaked in 1 cluster (proof not used)\n"))
			Expect(msg).To(ContainSubstring("    [1] 2 goroutines, blocked (chan send)\n"))
			Expect(msg).To(ContainSubstring("        waits in:   " + f.Func + " at leaktest/leaktest.go:"))
			Expect(msg).To(MatchRegexp(`        started by: github.com/leakfunnel/leakfunnel/internal/leaktest\.StartContext\.func\d+ at leaktest/leaktest.go:\d+, in goroutine \d+\n`))
			Expect(msg).To(HaveSuffix(`matchers.IgnoringTopFunction("` + f.Func + `").`))
		})

		It("accepts funnel.Capture itself under Expect, calling it", func() {
			base := funnel.Capture()
			leaktest.MustStart(GinkgoT(), leaktest.Mutex, 1)
			Expect(funnel.Capture).To(matchers.HaveLeakedSince(base))
			Expect(func() (*funnel.Snapshot, error) { return funnel.Capture(), nil }).To(matchers.HaveLeakedSince(base))
		})

		It("stops Eventually early on Live() when the leak is permanent", func() {
			base := funnel.Capture()
			f := leaktest.MustStart(GinkgoT(), leaktest.NilChanRecv, 1)
			leavePermanent(f.IDs...)
			start := time.Now()
			msg := failureOf(func() {
				Eventually(matchers.Live()).WithTimeout(5 * time.Second).ShouldNot(matchers.HaveLeakedSince(base))
			})
			Expect(time.Since(start)).To(BeNumerically("<", 2*time.Second))
			Expect(msg).To(HavePrefix("No future change is possible.  Bailing out early after"))
			Expect(msg).To(ContainSubstring("    [1] 1 goroutine, permanent (chan receive (nil chan))\n"))
		})

		It("keeps polling Live() while a leak may still end", func() {
			base := funnel.Capture()
			f := leaktest.MustStart(GinkgoT(), leaktest.ChanRecv, 1)
			m := matchers.HaveLeakedSince(base)
			Expect(m.Match(matchers.Live())).To(BeTrue())
			Expect(mayChange(m, matchers.Live())).To(BeTrue())
			f.Release()
			Eventually(matchers.Live()).ShouldNot(matchers.HaveLeakedSince(base))
		})

		It("ignores a baseline's goroutines and what the filters match", func() {
			before := leaktest.MustStart(GinkgoT(), leaktest.Select, 1)
			base := funnel.Capture()
			f := leaktest.MustStart(GinkgoT(), leaktest.WaitGroup, 2)
			snap := funnel.Capture()
			Expect(snap).To(matchers.HaveLeakedSince(base))
			g, ok := snap.Find(f.IDs[0])
			Expect(ok).To(BeTrue())
			// The runtime's semaphore frame sits above the fixture's own.
			Expect(g.Frames[0].Func).To(Equal("sync.runtime_SemacquireWaitGroup"))
			Expect(snap).NotTo(matchers.HaveLeakedSince(base, matchers.IgnoringTopFunction(g.Frames[0].Func)))
			Expect(snap).To(matchers.HaveLeakedSince(base, matchers.IgnoringTopFunction(f.Func)))
			Expect(snap).NotTo(matchers.HaveLeakedSince(base, matchers.IgnoringTopFunctionPrefix("sync.runtime_Semacquire")))
			Expect(snap).NotTo(matchers.HaveLeakedSince(base, matchers.IgnoringAnyFrame(f.Func)))
			Expect(snap).NotTo(matchers.HaveLeakedSince(base, matchers.IgnoringState("sync.WaitGroup.Wait")))
			Expect(snap).NotTo(matchers.HaveLeakedSince(base, matchers.IgnoringGoroutines(snap)))
			Expect(snap).NotTo(matchers.HaveLeakedSince(base, matchers.IgnoringFunc("fixture", func(g funnel.Goroutine) bool {
				return g.ID == f.IDs[0] || g.ID == f.IDs[1]
			})))
			Expect(snap).NotTo(matchers.HaveLeakedSince(base, matchers.Ignoring(HaveField("State", "sync.WaitGroup.Wait"))))
			Expect(snap).NotTo(matchers.HaveLeakedSince(base, matchers.IgnoringFilters(funnel.AnyFrame(f.Func))))
			Expect(snap).NotTo(matchers.HaveLeakedSince(base, matchers.OnlyClasses(funnel.ClassSleeping)))
			Expect(snap).To(matchers.HaveLeakedSince(base, matchers.OnlyClasses(funnel.ClassBlocked)))
			Expect(before.IDs).NotTo(BeEmpty())
		})

		It("proves leaks with OnlyProven where the goroutineleak profile exists", func() {
			base := funnel.Capture()
			f := leaktest.MustStart(GinkgoT(), leaktest.ChanRecv, 1)
			snap := funnel.Capture()
			m := matchers.HaveLeakedSince(base, matchers.OnlyProven(true))
			if !funnel.ProofAvailable() {
				_, err := m.Match(snap)
				Expect(err).To(MatchError("HaveLeakedSince matcher: OnlyProven(true) needs the goroutineleak profile, which this binary lacks (build it with GOEXPERIMENT=goroutineleakprofile on Go 1.26)"))
				return
			}
			// The fixture's channel is reachable from this spec (to release
			// it), so the profile cannot prove it; one that nothing else can
			// reach is proven.
			Expect(m.Match(snap)).To(BeFalse())
			Expect(m.FailureMessage(snap)).To(ContainSubstring("1 left out by OnlyProven(true)"))
			started := make(chan uint64)
			go func() {
				ch := make(chan int)
				started <- leaktest.CurrentID()
				<-ch
			}()
			id := <-started
			leavePermanent(id)
			Expect(leaktest.WaitForState(context.Background(), leaktest.ChanRecv, []uint64{id})).To(Succeed())
			Eventually(matchers.Live()).Should(matchers.HaveLeakedSince(base, matchers.OnlyProven(true)))
			Expect(f.IDs).To(HaveLen(1))
		})

		It("consults the goroutineleak profile on a snapshot only when asked", func() {
			base := funnel.Capture()
			leaktest.MustStart(GinkgoT(), leaktest.ChanRecv, 1)
			snap := funnel.Capture()
			m := matchers.HaveLeakedSince(base)
			Expect(m.Match(snap)).To(BeTrue())
			Expect(m.NegatedFailureMessage(snap)).To(ContainSubstring("leaked in 1 cluster (proof not used)"))
			m = matchers.HaveLeakedSince(base, matchers.WithProof(true))
			Expect(m.Match(snap)).To(BeTrue())
			if funnel.ProofAvailable() {
				Expect(m.NegatedFailureMessage(snap)).To(ContainSubstring("leaked in 1 cluster (0 proven)"))
			} else {
				Expect(m.NegatedFailureMessage(snap)).To(ContainSubstring("leaked in 1 cluster (proof not used)"))
			}
		})

		It("does not let one matcher's options change another's", func() {
			base := funnel.Capture()
			f := leaktest.MustStart(GinkgoT(), leaktest.Cond, 1)
			snap := funnel.Capture()
			plain := matchers.HaveLeakedSince(base)
			_ = matchers.HaveLeakedSince(base, matchers.IgnoringTopFunction(f.Func))
			Expect(plain.Match(snap)).To(BeTrue())
		})
	})
})
