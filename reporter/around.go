package reporter

import (
	"context"
	"hash/fnv"
	"runtime/pprof"
	"strconv"
	"strings"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
)

// The pprof labels that [AroundNode] sets on every node goroutine. Every
// goroutine a node starts, directly or through goroutines that have since
// exited, inherits them, and stack dumps print them once
// funnel.EnableTraceLabels has run.
const (
	// LabelScope holds the [Scope] the node belongs to.
	LabelScope = "leakfunnel.scope"
	// LabelSubject identifies the subject within its scope: a spec key, a
	// container's file:line, or "suite".
	LabelSubject = "leakfunnel.subject"
	// LabelNode holds the node type ("It", "BeforeEach", "DeferCleanup", ...).
	LabelNode = "leakfunnel.node"
	// LabelAt holds the node's file:line.
	LabelAt = "leakfunnel.at"
)

// suiteSubject is the subject label of suite-scoped goroutines.
const suiteSubject = "suite"

// AroundNode returns the Ginkgo decorator that labels each node's goroutine
// with the spec (or container, or suite), the node type and the node's
// location, using pprof.Do. Pass it to RunSpecs to cover every node of the
// suite, or to a container to cover the nodes in it:
//
//	RunSpecs(t, "Suite", reporter.AroundNode())
//
// With the labels, a leak is tied to the node that started it even when it
// was started by a goroutine that has since exited, and goroutines started
// in BeforeAll and BeforeSuite are charged to their container or to the
// suite instead of the first spec that happened to run (see [Scope]).
// Without it, [Reporter] falls back to baselines and creator goroutine IDs.
//
// The decorator keeps no state and is safe to use from every parallel
// process. [Reporter.AroundNode] labels the same way and also checks each
// process's BeforeSuite goroutines when that process ends. Reporting nodes (ReportBeforeEach, ReportAfterEach, ...) are run
// unlabelled.
func AroundNode() types.AroundNodeDecorator {
	return types.AroundNode(aroundNode, types.NewCodeLocation(1))
}

func aroundNode(ctx context.Context, body func(context.Context)) {
	report, ok := specReportOf(ctx)
	if !ok {
		body(ctx)
		return
	}
	n, ok := currentNode(report)
	if !ok {
		body(ctx)
		return
	}
	scope, subject, ok := scopeOf(report, n)
	if !ok {
		body(ctx)
		return
	}
	pprof.Do(ctx, pprof.Labels(
		LabelScope, string(scope),
		LabelSubject, subject,
		LabelNode, nodeName(n.NodeType),
		LabelAt, n.CodeLocation.String(),
	), body)
}

// specReporter is what a Ginkgo SpecContext offers.
type specReporter interface {
	SpecReport() types.SpecReport
}

func specReportOf(ctx context.Context) (types.SpecReport, bool) {
	if sr, ok := ctx.(specReporter); ok {
		return sr.SpecReport(), true
	}
	if sr, ok := ctx.Value("GINKGO_SPEC_CONTEXT").(specReporter); ok {
		return sr.SpecReport(), true
	}
	return types.SpecReport{}, false
}

// currentNode returns the node-start event of the node being run: Ginkgo
// records it in the spec report before starting the node's goroutine.
func currentNode(report types.SpecReport) (types.SpecEvent, bool) {
	for i := len(report.SpecEvents) - 1; i >= 0; i-- {
		e := report.SpecEvents[i]
		if e.SpecEventType == types.SpecEventNodeStart {
			return e, true
		}
	}
	return types.SpecEvent{}, false
}

// nodeName is the node type as users write it.
func nodeName(t types.NodeType) string {
	switch t {
	case types.NodeTypeCleanupAfterEach, types.NodeTypeCleanupInvalid:
		return "DeferCleanup"
	case types.NodeTypeOnFailureEach, types.NodeTypeOnFailureInvalid:
		return "DeferOnFailure"
	}
	return t.String()
}

// scopeOf says which subject a node belongs to.
func scopeOf(report types.SpecReport, n types.SpecEvent) (Scope, string, bool) {
	switch {
	case n.NodeType.Is(types.NodeTypeBeforeEach | types.NodeTypeJustBeforeEach | types.NodeTypeIt |
		types.NodeTypeJustAfterEach | types.NodeTypeAfterEach | types.NodeTypeCleanupAfterEach | types.NodeTypeOnFailureEach):
		return ScopeSpec, specKey(report), true
	case n.NodeType.Is(types.NodeTypeBeforeAll | types.NodeTypeAfterAll | types.NodeTypeCleanupAfterAll | types.NodeTypeOnFailureAll):
		loc, _ := containerOf(report, n.Message)
		return ScopeContainer, loc, true
	case n.NodeType.Is(types.NodeTypesForSuiteLevelNodes|types.NodeTypeCleanupAfterSuite|types.NodeTypeOnFailureSuite) &&
		!n.NodeType.Is(types.NodeTypeReportBeforeSuite|types.NodeTypeReportAfterSuite):
		return ScopeSuite, suiteSubject, true
	}
	return "", "", false
}

// containerOf finds the container a BeforeAll or AfterAll node belongs to.
// Ginkgo names such a node after its container (the node-start event's
// message), so the innermost container with that text is taken. It returns
// the container's file:line and full text; when no container matches, the
// innermost Ordered container is a good guess and the spec's innermost
// container the last resort.
func containerOf(report types.SpecReport, text string) (string, string) {
	texts, locs := report.ContainerHierarchyTexts, report.ContainerHierarchyLocations
	for i := len(texts) - 1; i >= 0; i-- {
		if texts[i] == text && i < len(locs) {
			return locs[i].String(), strings.Join(texts[:i+1], " ")
		}
	}
	if n := len(locs); n > 0 && n == len(texts) {
		return locs[n-1].String(), strings.Join(texts, " ")
	}
	return "unknown container", text
}

// specKey identifies one attempt of one spec within a process: a hash of
// its containers, its leaf node and the attempt number.
func specKey(report types.SpecReport) string {
	h := fnv.New64a()
	for _, l := range report.ContainerHierarchyLocations {
		h.Write([]byte(l.String()))
		h.Write([]byte{0})
	}
	h.Write([]byte(report.LeafNodeLocation.String()))
	h.Write([]byte{0})
	h.Write([]byte(report.LeafNodeText))
	h.Write([]byte{0})
	h.Write([]byte(strconv.Itoa(report.NumAttempts)))
	return strconv.FormatUint(h.Sum64(), 16)
}

// ContainerScoped runs fn with the goroutines it starts charged to the
// innermost container of the running spec rather than to the spec. Use it
// for an object that is opened lazily inside a spec but closed by the
// container's AfterAll, such as a writer started on first use. Pass the
// node's context (the SpecContext Ginkgo gives the node body):
//
//	It("writes", func(ctx SpecContext) {
//		reporter.ContainerScoped(ctx, func() { w = db.Writer() }) // closed in AfterAll
//		...
//	})
//
// Such goroutines are checked when the container's AfterAll and cleanups
// have run, like those started in BeforeAll. ContainerScoped needs
// [AroundNode]'s labels to have any effect: without them, or outside a
// running spec, it just calls fn. The goroutine's labels are restored to
// those of ctx when fn returns. It is safe for concurrent use.
func ContainerScoped(ctx context.Context, fn func()) {
	report, ok := specReportOf(ctx)
	if !ok {
		report = ginkgo.CurrentSpecReport()
	}
	locs := report.ContainerHierarchyLocations
	if _, labelled := pprof.Label(ctx, LabelScope); !labelled || len(locs) == 0 {
		fn()
		return
	}
	at := ""
	if n, ok := currentNode(report); ok {
		at = n.CodeLocation.String()
	}
	pprof.Do(ctx, pprof.Labels(
		LabelScope, string(ScopeContainer),
		LabelSubject, locs[len(locs)-1].String(),
		LabelNode, "ContainerScoped",
		LabelAt, at,
	), func(context.Context) { fn() })
}
