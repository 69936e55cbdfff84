// Package matchers holds Gomega matchers over the values of package funnel,
// so that goroutine leak checks read like every other Gomega assertion.
//
// The leak matchers compare a snapshot with a baseline, or read a settled
// check:
//
//	base := funnel.Capture()
//	// ... code under test ...
//	Eventually(funnel.Capture).ShouldNot(HaveLeakedSince(base))
//	Expect(funnel.Check(ctx, base)).NotTo(HaveLeaked())
//
// [Live] is an actual value that makes [HaveLeakedSince] capture the
// goroutines itself on every poll, so that Eventually gives up at once when
// the remaining leaks can never end:
//
//	Eventually(Live()).ShouldNot(HaveLeakedSince(base))
//
// A matcher per stage of the funnel checks that stage on its own:
// [HaveGoroutineDeltaSince] (stage 1, the goroutine count),
// [HaveTimelineFigure] (stage 2, the metrics timeline), [HaveLeakedSince]
// (stage 3, the snapshot diff), [HaveLeakClusters] and [HaveClusterOfClass]
// (stage 4, classes and clusters), [HaveLeakStartedBy] and
// [HaveLeakLabelled] (stage 5, attribution).
//
// # Options
//
// [HaveLeakedSince], [HaveLeaked] and [GuardLeaks] take [Option] values:
// filters (IgnoringTopFunction, IgnoringCreator, IgnoringAnyFrame,
// IgnoringState, IgnoringGoroutines, IgnoringFunc, IgnoringFilters, and
// Ignoring, which accepts any Gomega matcher on a funnel.Goroutine, gleak's
// filter matchers included) and restrictions ([OnlyProven], [OnlyClasses]).
// The standard filters of [funnel.StandardFilters] apply unless
// WithStandardFilters(false) is given.
//
// # Failure messages
//
// Messages are plain text in Gomega's "Expected ..." style, with no colour
// codes, so that they read well in a terminal and in JUnit XML. Leaks are
// listed by cluster, not one copy per goroutine: a headline, then for each
// cluster its size, class, wait reason, the frame its code waits in,
// creation site and creator, labels, one condensed stack and its goroutine
// IDs, at most five clusters, and a last line that says what to do next. The
// text is rendered by [funnel.FormatClusters], which the reporter uses too.
//
// Wrong input (a string, a nil pointer, a function of another signature, a
// baseline taken after the snapshot) makes Match return an error that names
// what the matcher expects and what it was given. No matcher panics.
//
// # Plain testing
//
// The matchers work with gomega.NewWithT(t) like any other; [GuardLeaks]
// is a one-line check for a whole test function:
//
//	func TestPool(t *testing.T) {
//		matchers.GuardLeaks(t)
//		// ...
//	}
//
// # Concurrency
//
// Matchers keep the result of their last Match to render their messages, as
// Gomega matchers do: use an instance from one goroutine at a time. Options
// and constructors have no shared state; building a matcher never changes
// another.
package matchers
