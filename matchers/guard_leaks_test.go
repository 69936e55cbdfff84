package matchers_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/leakfunnel/leakfunnel/funnel"
	"github.com/leakfunnel/leakfunnel/internal/leaktest"
	"github.com/leakfunnel/leakfunnel/matchers"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ matchers.TB = (*testing.T)(nil)
var _ matchers.TB = (*testing.B)(nil)
var _ matchers.TB = GinkgoT()

// recordingT is a matchers.TB that keeps what GuardLeaks does with it.
type recordingT struct {
	cleanups []func()
	errors   []string
}

func (t *recordingT) Helper()           {}
func (t *recordingT) Cleanup(f func())  { t.cleanups = append(t.cleanups, f) }
func (t *recordingT) Error(args ...any) { t.errors = append(t.errors, fmt.Sprint(args...)) }

// finish runs the cleanups, last registered first, as testing does.
func (t *recordingT) finish() {
	for _, f := range slices.Backward(t.cleanups) {
		f()
	}
}

var _ = Describe("GuardLeaks", func() {
	It("stays quiet when the test's goroutines end by its cleanup", func() {
		t := &recordingT{}
		matchers.GuardLeaks(t)
		f, err := leaktest.Start(leaktest.ChanRecv, 3)
		Expect(err).NotTo(HaveOccurred())
		t.Cleanup(f.Release)
		Expect(t.cleanups).To(HaveLen(2))
		t.finish()
		Expect(t.errors).To(BeEmpty())
	})

	It("waits for goroutines that end shortly after the test", func() {
		t := &recordingT{}
		matchers.GuardLeaks(t)
		for range 2 {
			go func() { <-time.After(50 * time.Millisecond) }()
		}
		t.finish()
		Expect(t.errors).To(BeEmpty())
	})

	It("reports goroutines still blocked, clustered", func() {
		t := &recordingT{}
		matchers.GuardLeaks(t, matchers.WithSettleTimeout(50*time.Millisecond))
		f := leaktest.MustStart(GinkgoT(), leaktest.Select, 2)
		t.finish()
		Expect(t.errors).To(HaveLen(1))
		msg := t.errors[0]
		Expect(msg).To(HavePrefix("GuardLeaks: Expected no goroutines to have leaked since the baseline, but 2 did ("))
		Expect(msg).To(MatchRegexp(`\n    \[1\] 2 goroutines, blocked \(select\)(, not proven)?\n`))
		Expect(msg).To(ContainSubstring("        waits in:   " + f.Func + " at "))
		Expect(msg).To(MatchRegexp(`    goroutines \d+ -> \d+, settled in \d+ms \(\d+ snapshots?, timed out\)\n`))
	})

	It("applies filters and restrictions", func() {
		t := &recordingT{}
		f := leaktest.MustStart(GinkgoT(), leaktest.Sleep, 1)
		matchers.GuardLeaks(t, matchers.IgnoringAnyFrame(f.Func), matchers.WithSettleTimeout(50*time.Millisecond))
		g := leaktest.MustStart(GinkgoT(), leaktest.Sleep, 1)
		matchers.GuardLeaks(t, matchers.OnlyClasses(funnel.ClassPermanent), matchers.WithSettleTimeout(50*time.Millisecond))
		t.finish()
		Expect(t.errors).To(BeEmpty())
		Expect(g.IDs).To(HaveLen(1))
	})

	It("reports a broken filter", func() {
		t := &recordingT{}
		matchers.GuardLeaks(t, matchers.IgnoringFunc("broken", nil))
		t.finish()
		Expect(t.errors).To(ConsistOf(`GuardLeaks matcher: IgnoringFunc("broken") was given a nil function`))
	})
})
