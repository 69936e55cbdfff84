package matchers

import (
	"fmt"
	"slices"

	"github.com/leakfunnel/leakfunnel/funnel"
	"github.com/onsi/gomega/format"
	"github.com/onsi/gomega/types"
)

// Figure names one derived figure of a stage-2 timeline
// ([funnel.TimelineSummary]).
type Figure string

// The timeline figures [HaveTimelineFigure] can check, with the Go type of
// the value handed to the numeric matcher.
const (
	// GoroutineDelta is the goroutine count at the last sample minus the
	// first (int64).
	GoroutineDelta Figure = "goroutine delta"
	// PeakGoroutines is the largest goroutine count sampled (uint64).
	PeakGoroutines Figure = "peak goroutines"
	// BlockedRatio is waiting goroutines over all goroutines, between 0
	// and 1 (float64).
	BlockedRatio Figure = "blocked ratio"
	// GoroutinesCreated is how many goroutines were created during the
	// timeline (uint64).
	GoroutinesCreated Figure = "goroutines created"
	// HeapGrowth is the change in heap object bytes (int64).
	HeapGrowth Figure = "heap growth"
	// StackGrowth is the change in goroutine stack bytes (int64).
	StackGrowth Figure = "stack growth"
	// FinalizerBacklog is finalizers queued minus executed (int64).
	FinalizerBacklog Figure = "finalizer backlog"
	// CleanupBacklog is cleanups queued minus executed (int64).
	CleanupBacklog Figure = "cleanup backlog"
)

var figures = []Figure{GoroutineDelta, PeakGoroutines, BlockedRatio, GoroutinesCreated,
	HeapGrowth, StackGrowth, FinalizerBacklog, CleanupBacklog}

func (f Figure) of(s funnel.TimelineSummary) any {
	switch f {
	case GoroutineDelta:
		return s.GoroutineDelta
	case PeakGoroutines:
		return s.PeakGoroutines
	case BlockedRatio:
		return s.BlockedRatio
	case GoroutinesCreated:
		return s.Created
	case HeapGrowth:
		return s.HeapGrowth
	case StackGrowth:
		return s.StackGrowth
	case FinalizerBacklog:
		return s.FinalizerBacklog
	case CleanupBacklog:
		return s.CleanupBacklog
	}
	return nil
}

// HaveTimelineFigure succeeds when the given figure of a stage-2 timeline
// satisfies the numeric matcher m:
//
//	res, err := funnel.Check(ctx, base, funnel.WithSampler(sampler))
//	Expect(err).NotTo(HaveOccurred())
//	Expect(res).To(HaveTimelineFigure(BlockedRatio, BeNumerically("<", 0.5)))
//	Expect(sampler.Stop()).To(HaveTimelineFigure(PeakGoroutines, BeNumerically("<=", 100)))
//
// The actual value is a *funnel.Timeline or a *funnel.Result whose check ran
// a sampler ([funnel.WithSampler]). A timeline explains a leak; it does not
// prove one, so use this matcher for budgets (peak goroutines, blocked
// ratio), not as a leak check. A result without a timeline, a timeline
// without samples, an unknown figure, a nil m or an actual value of another
// type is an error. A matcher instance keeps the result of its last Match and
// must not be shared between goroutines.
func HaveTimelineFigure(figure Figure, m types.GomegaMatcher) types.GomegaMatcher {
	return &haveTimelineFigureMatcher{figure: figure, inner: m}
}

type haveTimelineFigureMatcher struct {
	figure Figure
	inner  types.GomegaMatcher

	// Saved by Match.
	value   any
	samples int
}

var _ types.GomegaMatcher = (*haveTimelineFigureMatcher)(nil)

const haveTimelineFigureName = "HaveTimelineFigure"

// Match reads the figure and hands it to the numeric matcher.
func (m *haveTimelineFigureMatcher) Match(actual any) (bool, error) {
	m.value, m.samples = nil, 0
	if !slices.Contains(figures, m.figure) {
		return false, fmt.Errorf("%s matcher: unknown figure %q; use one of the Figure constants such as matchers.BlockedRatio", haveTimelineFigureName, string(m.figure))
	}
	if m.inner == nil {
		return false, fmt.Errorf("%s matcher expects a numeric Gomega matcher such as BeNumerically(\"<\", 0.5).  Got:\n%s",
			haveTimelineFigureName, format.Object(nil, 1))
	}
	var tl *funnel.Timeline
	switch a := actual.(type) {
	case *funnel.Timeline:
		tl = a
	case *funnel.Result:
		if a != nil {
			tl = a.Timeline
			if tl == nil {
				return false, fmt.Errorf("%s matcher: the funnel.Result has no timeline; run the check with funnel.WithSampler(funnel.StartSampler(interval))", haveTimelineFigureName)
			}
		}
	}
	if tl == nil {
		return false, wrongInput(haveTimelineFigureName, acceptTimeline, actual)
	}
	if len(tl.Samples) == 0 {
		return false, fmt.Errorf("%s matcher: the timeline has no samples; let the sampler run for at least one interval", haveTimelineFigureName)
	}
	m.samples = len(tl.Samples)
	m.value = m.figure.of(tl.Summary)
	ok, err := m.inner.Match(m.value)
	if err != nil {
		return false, fmt.Errorf("%s matcher: %w", haveTimelineFigureName, err)
	}
	return ok, nil
}

// FailureMessage reports the figure and the numeric matcher's message.
func (m *haveTimelineFigureMatcher) FailureMessage(any) string { return m.message(false) }

// NegatedFailureMessage reports the figure and the numeric matcher's
// negated message.
func (m *haveTimelineFigureMatcher) NegatedFailureMessage(any) string { return m.message(true) }

func (m *haveTimelineFigureMatcher) message(negated bool) string {
	inner := m.inner.FailureMessage(m.value)
	if negated {
		inner = m.inner.NegatedFailureMessage(m.value)
	}
	return fmt.Sprintf("Timeline %s: %v (over %d samples)\n%s\n%s",
		m.figure, m.value, m.samples, inner,
		"The timeline explains a leak but does not find one: look at HaveLeakedSince or HaveLeaked for the goroutines involved.")
}

// MatchMayChangeInTheFuture reports false: a timeline is fixed once its
// sampler stopped.
func (m *haveTimelineFigureMatcher) MatchMayChangeInTheFuture(any) bool { return false }
