package reporter

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/leakfunnel/leakfunnel/funnel"
)

// Reporter checks the specs of a Ginkgo suite for goroutine leaks. Make one
// with [Install]; it holds the state of the spec running on this process and
// of the containers whose BeforeAll goroutines await their AfterAll.
//
// The zero Reporter is not usable. A Reporter is safe for concurrent use
// (goroutines that outlive their node may call into it).
type Reporter struct {
	cfg       Config
	junit     string
	artifacts string
	summary   string
	html      string
	// topLevel is set when Install ran at the top level and so could
	// register the ReportAfterSuite node that writes the suite outputs.
	topLevel bool
	// setupErrs are configuration problems found by Install, reported at
	// the first spec and at the end of the suite.
	setupErrs []string

	mu sync.Mutex
	// cur is the spec being checked on this process, nil between specs.
	cur *specCheck
	// containers are the containers with goroutines awaiting their
	// AfterAll, by container location.
	containers map[string]*pendingScope
	// labelled is set once a node ran under [AroundNode]'s labels.
	labelled bool
	// setupReported is set once setupErrs were added to a spec.
	setupReported bool
	// lastFinal is the final snapshot of the last labelled spec checked on
	// this process, the next spec's baseline. It is usually partial (see
	// funnel.CaptureSince), which Contains handles.
	lastFinal *funnel.Snapshot
	// rec holds the dump buffer of every snapshot this process takes, so
	// that it survives garbage collections between specs.
	rec funnel.Recorder
	// preBase is the baseline ReportBeforeEach took for the spec about to
	// run; preReused is set when it is a rebased lastFinal.
	preBase   *funnel.Snapshot
	preReused bool
	// endRegistered is set once the process-end check was registered from
	// inside BeforeSuite; endChecked once it ran.
	endRegistered bool
	endChecked    bool
	// suiteAt is the BeforeSuite's location on this process.
	suiteAt string
}

// pendingScope is a container whose goroutines are checked when its scope
// ends.
type pendingScope struct {
	key      string // container location
	name     string // container texts
	mode     Mode
	cfg      Config
	labelled bool
	// ids are the goroutines charged to the container without labels: new
	// between the spec's baseline and its first JustBeforeEach.
	ids  []uint64
	base *funnel.Snapshot
}

// Install registers leakfunnel's nodes and returns the [Reporter]. Call it
// once, at the top level of one suite file:
//
//	var leaks = reporter.Install(reporter.WithJUnit("leaks.xml"), reporter.WithArtifacts("leakfunnel-report"))
//
// It registers a ReportBeforeEach that takes the spec's baseline before any
// of the spec's nodes runs (BeforeAll and other top-level BeforeEach nodes
// included); a top-level BeforeEach that registers a DeferCleanup that
// checks the spec once every AfterEach and later cleanup has run (in mode
// fail, its error fails the spec at the spec's location); a
// JustBeforeEach that, without [AroundNode], charges goroutines started in
// BeforeAll to their container; a ReportAfterEach that checks containers
// whose AfterAll has run; and a ReportAfterSuite that writes the JUnit
// report, the artifacts index and the suite summary. It never registers
// BeforeSuite or AfterSuite nodes, which a suite may have only one of.
//
// Called inside a container, Install registers the per-spec nodes for that
// container's specs only and cannot register ReportAfterSuite (Ginkgo allows
// it only at the top level): it then writes no JUnit or summary, reports
// container- and suite-scoped leaks only as report entries, and says so on
// standard error.
//
// Install turns on pprof labels in stack dumps (funnel.EnableTraceLabels).
func Install(opts ...Option) *Reporter {
	var cfg Config
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	r := &Reporter{cfg: cfg, containers: map[string]*pendingScope{}}
	r.junit = r.absPath("JUnit", cfg.JUnit)
	r.artifacts = r.absPath("Artifacts", cfg.Artifacts)
	switch {
	case cfg.Summary != "":
		r.summary = r.absPath("Summary", cfg.Summary)
	case r.artifacts != "":
		r.summary = filepath.Join(r.artifacts, "summary.json")
	}
	r.html = r.absPath("HTML", cfg.HTML)
	if r.html != "" && r.summary == "" {
		r.setupErrs = append(r.setupErrs, "the HTML report needs an artifacts folder (WithArtifacts): not writing "+r.html)
		r.html = ""
	}
	if err := funnel.EnableTraceLabels(); err != nil {
		r.setupErrs = append(r.setupErrs, fmt.Sprintf("enable trace labels: %v", err))
	}
	switch cfg.Mode {
	case "", ModeFail, ModeReport, ModeOff:
	default:
		r.setupErrs = append(r.setupErrs, fmt.Sprintf("unknown mode %q: using %q", cfg.Mode, ModeFail))
		r.cfg.Mode = ModeFail
	}

	container, inContainer := constructionContainer()
	ginkgo.ReportBeforeEach(r.reportBeforeEach, ginkgo.Offset(1))
	ginkgo.BeforeEach(r.beforeEach, ginkgo.Offset(1))
	ginkgo.JustBeforeEach(r.justBeforeEach, ginkgo.Offset(1))
	ginkgo.ReportAfterEach(r.reportAfterEach, ginkgo.Offset(1))
	if inContainer {
		fmt.Fprintf(os.Stderr, "leakfunnel: reporter.Install was called inside the container %s: "+
			"specs of that container are checked, but no JUnit report, artifacts index or suite summary "+
			"is written and container- and suite-scoped leaks do not fail the suite, because Ginkgo "+
			"allows ReportAfterSuite only at the top level; call reporter.Install at the top level of a suite file\n", container)
		r.setupErrs = append(r.setupErrs, "Install called inside container "+container+": suite outputs are not written")
	} else {
		r.topLevel = true
		ginkgo.ReportAfterSuite("leakfunnel", r.reportAfterSuite, ginkgo.Offset(1))
	}
	return r
}

// absPath resolves a configured path; problems are kept for reporting.
func (r *Reporter) absPath(what, p string) string {
	if p == "" {
		return ""
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		r.setupErrs = append(r.setupErrs, fmt.Sprintf("%s path %q: %v", what, p, err))
		return ""
	}
	return abs
}

// constructionContainer reports whether the tree is being built inside a
// container, and which. Ginkgo offers no direct question;
// CurrentTreeConstructionNodeReport panics outside container bodies.
func constructionContainer() (where string, inside bool) {
	defer func() {
		if recover() != nil {
			where, inside = "", false
		}
	}()
	rep := ginkgo.CurrentTreeConstructionNodeReport()
	n := len(rep.ContainerHierarchyLocations)
	if n == 0 {
		return "", false
	}
	// The hierarchy starts with the tree's root, which has no text.
	var texts []string
	for _, t := range rep.ContainerHierarchyTexts {
		if t != "" {
			texts = append(texts, t)
		}
	}
	return fmt.Sprintf("%q (%s)", strings.Join(texts, " "), rep.ContainerHierarchyLocations[n-1]), true
}

// Config returns a copy of the suite-wide configuration.
func (r *Reporter) Config() Config {
	c := r.cfg
	c.Filters = slices.Clone(c.Filters)
	return c
}

// ForSpec returns a decorator that changes the settings for the specs it
// decorates: mode, settle timeout, poll interval and filters
// ([WithMode], [WithSettleTimeout], [WithPollInterval], [WithFilters],
// [WithoutStandardFilters]); other options are suite-wide and ignored here.
// Filters add to the suite's filters.
//
//	It("drains slowly", leaks.ForSpec(reporter.WithSettleTimeout(5*time.Second)), func() { ... })
//
// The settings take effect when a decorated node runs, so put the decorator
// on the spec or on a container around it.
func (r *Reporter) ForSpec(opts ...Option) types.AroundNodeDecorator {
	return types.AroundNode(func(ctx context.Context, body func(context.Context)) {
		r.mu.Lock()
		if sc := r.cur; sc != nil {
			if rep, ok := specReportOf(ctx); ok && specKey(rep) == sc.key {
				before := sc.cfg
				for _, o := range opts {
					if o != nil {
						o(&sc.cfg)
					}
				}
				// Suite-wide settings stay as they were.
				sc.cfg.JUnit, sc.cfg.Artifacts, sc.cfg.Summary = before.JUnit, before.Artifacts, before.Summary
				sc.cfg.SampleInterval = before.SampleInterval
				if m := sc.cfg.Mode; m != before.Mode {
					sc.mode = m.orDefault()
				}
			}
		}
		r.mu.Unlock()
		body(ctx)
	}, types.NewCodeLocation(1))
}

// AroundNode returns the decorator of the package-level [AroundNode], bound
// to r: it labels every node the same way and, on each parallel process, also
// checks what is left on that process when the suite ends. To do so it
// registers, from inside the suite's BeforeSuite (or
// SynchronizedBeforeSuite), a DeferCleanup that runs after AfterSuite and
// every other suite cleanup: it checks the goroutines BeforeSuite started on
// this process and the containers still waiting for their check (those
// without AfterAll), and adds their reports as entries that the
// ReportAfterSuite of process 1 collects. Without a BeforeSuite, it behaves
// like the package-level decorator.
//
//	var leaks = reporter.Install()
//
//	func TestSuite(t *testing.T) {
//		RegisterFailHandler(Fail)
//		RunSpecs(t, "Suite", leaks.AroundNode())
//	}
func (r *Reporter) AroundNode() types.AroundNodeDecorator {
	return types.AroundNode(func(ctx context.Context, body func(context.Context)) {
		r.registerProcessEnd(ctx)
		aroundNode(ctx, body)
	}, types.NewCodeLocation(1))
}

// registerProcessEnd registers processEnd from inside the first
// BeforeSuite node run on this process.
func (r *Reporter) registerProcessEnd(ctx context.Context) {
	report, ok := specReportOf(ctx)
	if !ok {
		return
	}
	n, ok := currentNode(report)
	if !ok || !n.NodeType.Is(types.NodeTypeBeforeSuite|types.NodeTypeSynchronizedBeforeSuite) {
		return
	}
	r.mu.Lock()
	already := r.endRegistered
	r.endRegistered = true
	r.suiteAt = n.CodeLocation.String()
	r.mu.Unlock()
	if !already {
		ginkgo.DeferCleanup(r.processEnd)
	}
}

// processEnd checks, at the end of this process's part of the suite, the
// pending containers and the goroutines BeforeSuite started.
func (r *Reporter) processEnd() {
	r.mu.Lock()
	r.endChecked = true
	r.mu.Unlock()
	for _, lr := range r.finishProcess("") {
		addEntries(lr, nil, r.cfg)
	}
}

// finishProcess checks the pending containers and, when nodes ran labelled
// and mode is not off, the suite's goroutines on this process. A suite
// report gets name suiteName (filled in at the end of the suite when empty).
func (r *Reporter) finishProcess(suiteName string) []LeakReport {
	r.mu.Lock()
	keys := make([]string, 0, len(r.containers))
	for k := range r.containers {
		keys = append(keys, k)
	}
	labelled, at := r.labelled, r.suiteAt
	r.mu.Unlock()
	slices.Sort(keys)
	var out []LeakReport
	for _, key := range keys {
		r.mu.Lock()
		p := r.containers[key]
		delete(r.containers, key)
		r.mu.Unlock()
		lr, _ := r.checkScope(ScopeContainer, p.key, p.name, p.key, p.mode, p.cfg, p.labelled, p.ids, p.base)
		out = append(out, lr)
	}
	if labelled && r.cfg.Mode.orDefault() != ModeOff {
		lr, _ := r.checkScope(ScopeSuite, suiteSubject, suiteName, at, r.cfg.Mode.orDefault(), r.cfg, true, nil, nil)
		out = append(out, lr)
	}
	return out
}

// labelsOn reports whether ctx carries AroundNode's labels.
func labelsOn(ctx context.Context) bool {
	_, ok := pprof.Label(ctx, LabelScope)
	return ok
}
