package matchers_test

import (
	"testing"

	"github.com/leakfunnel/leakfunnel/funnel"
	"github.com/leakfunnel/leakfunnel/internal/leaktest"
	"github.com/leakfunnel/leakfunnel/matchers"
	"github.com/onsi/gomega"
)

// TestPlainTesting shows the matchers in a plain testing test, without
// Ginkgo: gomega.NewWithT binds Gomega to t, and GuardLeaks checks the
// whole test.
func TestPlainTesting(t *testing.T) {
	matchers.GuardLeaks(t)
	g := gomega.NewWithT(t)

	base := funnel.Capture()
	f := leaktest.MustStart(t, leaktest.ChanRecv, 2)
	g.Expect(funnel.Capture()).To(matchers.HaveLeakedSince(base))

	f.Release()
	g.Eventually(funnel.Capture).ShouldNot(matchers.HaveLeakedSince(base))
	g.Expect(funnel.Check(t.Context(), base)).NotTo(matchers.HaveLeaked())
}
