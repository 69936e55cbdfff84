package matchers_test

import (
	"github.com/leakfunnel/leakfunnel/funnel"
	"github.com/leakfunnel/leakfunnel/internal/leaktest"
	"github.com/leakfunnel/leakfunnel/matchers"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gleak"
	"github.com/onsi/gomega/types"
)

var _ = Describe("gleak interop", func() {
	var (
		base, snap *funnel.Snapshot
		f          *leaktest.Fixture
	)
	BeforeEach(func() {
		base = funnel.Capture()
		f = leaktest.MustStart(GinkgoT(), leaktest.ChanRecv, 2)
		snap = funnel.Capture()
		Expect(snap).To(matchers.HaveLeakedSince(base))
	})

	DescribeTable("accepts gleak's filter matchers in Ignoring",
		func(filter func() types.GomegaMatcher) {
			Expect(snap).NotTo(matchers.HaveLeakedSince(base, matchers.Ignoring(filter())))
		},
		Entry("IgnoringTopFunction", func() types.GomegaMatcher { return gleak.IgnoringTopFunction(f.Func) }),
		Entry("IgnoringTopFunction with a state", func() types.GomegaMatcher {
			return gleak.IgnoringTopFunction(f.Func + " [chan receive]")
		}),
		Entry("IgnoringTopFunction with a prefix", func() types.GomegaMatcher {
			return gleak.IgnoringTopFunction("github.com/leakfunnel/leakfunnel/internal/leaktest...")
		}),
		Entry("IgnoringInBacktrace", func() types.GomegaMatcher { return gleak.IgnoringInBacktrace(f.Func) }),
		Entry("IgnoringCreator with a prefix", func() types.GomegaMatcher {
			return gleak.IgnoringCreator("github.com/leakfunnel/leakfunnel/internal/leaktest...")
		}),
		Entry("IgnoringGoroutines", func() types.GomegaMatcher { return gleak.IgnoringGoroutines(gleak.Goroutines()) }),
		Entry("a matcher written for gleak.Goroutine", func() types.GomegaMatcher {
			return WithTransform(func(g gleak.Goroutine) string { return g.TopFunction }, Equal(f.Func))
		}),
	)

	It("gives gleak matchers a goroutine they do not match when they should not", func() {
		Expect(snap).To(matchers.HaveLeakedSince(base, matchers.Ignoring(gleak.IgnoringTopFunction(f.Func+" [select]"))))
		Expect(snap).To(matchers.HaveLeakedSince(base, matchers.Ignoring(gleak.IgnoringCreator("example.com/other.Start"))))
	})

	It("names the gleak matcher in the message", func() {
		m := matchers.HaveLeakedSince(base, matchers.Ignoring(gleak.IgnoringTopFunction("example.com/other.worker")))
		Expect(m.Match(snap)).To(BeTrue())
		Expect(m.NegatedFailureMessage(snap)).To(ContainSubstring("filters: standard, Ignoring(*gleak.ignoringTopFunctionMatcher))"))
	})
})
