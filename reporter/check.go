package reporter

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/leakfunnel/leakfunnel/funnel"
)

// specCheck is the state of one spec attempt's check.
type specCheck struct {
	key      string
	name     string
	location types.CodeLocation
	process  int
	mode     Mode
	cfg      Config
	labelled bool
	base     *funnel.Snapshot
	sampler  *funnel.Sampler
	done     bool
	// events are the spec's node-start events, for attributing leaks by
	// creation site when there are no labels.
	events []types.SpecEvent
}

// parallelClientCreators are the functions that start the goroutines of
// Ginkgo's parallel client (net/rpc or HTTP).
var parallelClientCreators = []string{"net/rpc.NewClientWithCodec", "net/http.(*Transport).dialConn"}

// reportBeforeEach runs before any node of a spec: it checks the
// containers whose specs are over and takes the spec's baseline (with
// labels, the previous spec's final snapshot, see rebase).
func (r *Reporter) reportBeforeEach(rep types.SpecReport) {
	r.finishStaleContainers(rep)
	r.reportSetupErrors()
	if rep.State.Is(types.SpecStateSkipped | types.SpecStatePending) {
		return
	}
	if modeFromLabels(r.cfg.Mode, slices.Concat(rep.ContainerHierarchyLabels...), rep.LeafNodeLabels) == ModeOff {
		return
	}
	r.mu.Lock()
	labelled, last := r.labelled, r.lastFinal
	r.mu.Unlock()
	var base *funnel.Snapshot
	reused := labelled && last != nil
	if reused {
		base = rebase(last)
	} else {
		base = r.rec.Capture()
	}
	r.mu.Lock()
	r.preBase, r.preReused = base, reused
	r.mu.Unlock()
}

// beforeEach starts the spec's check with the baseline its
// ReportBeforeEach took before any of the spec's nodes ran (a new one for a
// retried attempt), and registers the check as a DeferCleanup.
func (r *Reporter) beforeEach(ctx ginkgo.SpecContext) {
	rep := ctx.SpecReport()
	mode := modeFromLabels(r.cfg.Mode, slices.Concat(rep.ContainerHierarchyLabels...), rep.LeafNodeLabels)
	if mode == ModeOff {
		return
	}
	sc := &specCheck{
		key:      specKey(rep),
		name:     rep.FullText(),
		location: rep.LeafNodeLocation,
		process:  ginkgo.GinkgoParallelProcess(),
		mode:     mode,
		cfg:      r.Config(),
		labelled: labelsOn(ctx),
	}
	r.mu.Lock()
	base, reused := r.preBase, r.preReused
	r.preBase = nil
	if sc.labelled {
		r.labelled = true
	}
	r.mu.Unlock()
	if base == nil || reused && !sc.labelled {
		// A retried attempt, or a spec without labels where reusing the
		// previous spec's snapshot would not be exact.
		base = r.rec.Capture()
	}
	sc.base = base
	if iv := sc.cfg.sampleInterval(); iv > 0 {
		sc.sampler = funnel.StartSampler(iv)
	}
	r.mu.Lock()
	r.cur = sc
	r.mu.Unlock()
	ginkgo.DeferCleanup(func(ctx ginkgo.SpecContext) error {
		return r.finishSpec(ctx, sc)
	}, rep.LeafNodeLocation)
}

// justBeforeEach charges, without labels, the goroutines that BeforeAll
// started in this spec to their container, so that the first spec of an
// Ordered container is not blamed for its fixtures.
func (r *Reporter) justBeforeEach(ctx ginkgo.SpecContext) {
	r.mu.Lock()
	sc := r.cur
	r.mu.Unlock()
	if sc == nil || sc.labelled {
		return
	}
	rep := ctx.SpecReport()
	if specKey(rep) != sc.key {
		return
	}
	var beforeAll *types.SpecEvent
	for i, e := range rep.SpecEvents {
		if e.SpecEventType == types.SpecEventNodeStart && e.NodeType == types.NodeTypeBeforeAll {
			beforeAll = &rep.SpecEvents[i]
			break
		}
	}
	if beforeAll == nil {
		return
	}
	snap := r.rec.CaptureSince(sc.base)
	fresh, err := funnel.Leaked(sc.base, snap, sc.filters())
	if err != nil || len(fresh) == 0 {
		return
	}
	key, name := containerOf(rep, beforeAll.Message)
	r.mu.Lock()
	p := r.pending(key, name, sc)
	for _, g := range fresh {
		p.ids = append(p.ids, g.ID)
	}
	r.mu.Unlock()
	sc.base = withGoroutines(sc.base, fresh)
}

// pending returns the container's pending scope, creating it. r.mu is held.
func (r *Reporter) pending(key, name string, sc *specCheck) *pendingScope {
	p := r.containers[key]
	if p == nil {
		p = &pendingScope{key: key, name: name, mode: sc.mode, cfg: sc.cfg, labelled: sc.labelled, base: sc.base}
		r.containers[key] = p
	}
	return p
}

// withGoroutines returns a copy of base that also holds extra, in
// Goroutines and, when base is partial (see funnel.CaptureSince), in IDs.
func withGoroutines(base *funnel.Snapshot, extra []funnel.Goroutine) *funnel.Snapshot {
	out := *base
	out.Goroutines = slices.Concat(base.Goroutines, extra)
	slices.SortFunc(out.Goroutines, func(a, b funnel.Goroutine) int { return cmp.Compare(a.ID, b.ID) })
	if len(base.IDs) > 0 {
		out.IDs = slices.Clone(base.IDs)
		for _, g := range extra {
			out.IDs = append(out.IDs, g.ID)
		}
		slices.Sort(out.IDs)
		out.IDs = slices.Compact(out.IDs)
	}
	out.Metrics.Goroutines += uint64(len(extra))
	return &out
}

// filters are the filters of the spec's check: the configured ones plus,
// with labels, everything not started by this spec's nodes.
func (sc *specCheck) filters() []funnel.Filter {
	var fs []funnel.Filter
	if !sc.cfg.WithoutStandardFilters {
		fs = funnel.StandardFilters()
	}
	fs = append(fs, sc.cfg.Filters...)
	return append(fs, sc.scopeFilter())
}

// scopeFilter ignores the goroutines that are not this spec's: with labels,
// those labelled for another subject, and unlabelled ones started by
// Ginkgo's parallel client.
func (sc *specCheck) scopeFilter() funnel.Filter {
	key, labelled := sc.key, sc.labelled
	suiteCfg, _ := ginkgo.GinkgoConfiguration()
	parallel := suiteCfg.ParallelTotal > 1
	return funnel.FilterFunc("leakfunnel: started outside this spec", func(g funnel.Goroutine) bool {
		scope, ok := g.Labels[LabelScope]
		if !ok {
			// Unlabelled goroutines were not started by a node. Ginkgo's
			// parallel client may redial between specs.
			return labelled && parallel && slices.Contains(parallelClientCreators, g.CreatedBy.Func)
		}
		return scope != string(ScopeSpec) || g.Labels[LabelSubject] != key
	})
}

// finishSpec is the DeferCleanup check of a spec.
func (r *Reporter) finishSpec(ctx context.Context, sc *specCheck) error {
	r.mu.Lock()
	if sc.done {
		r.mu.Unlock()
		return nil
	}
	sc.done = true
	cfg, mode := sc.cfg, sc.mode
	r.mu.Unlock()
	if mode == ModeOff {
		// Turned off by ForSpec after the baseline was taken.
		if sc.sampler != nil {
			sc.sampler.Stop()
		}
		return nil
	}

	rep := ginkgo.CurrentSpecReport()
	sc.events = nodeEvents(rep)
	lr, res := r.evaluate(ctx, sc, cfg, mode, rep.State)
	if sc.labelled && res.Final != nil {
		r.noteContainerGoroutines(sc, res.Final, rep)
		r.mu.Lock()
		r.lastFinal = res.Final
		r.mu.Unlock()
	}
	addEntries(lr, res.Timeline, cfg)
	if lr.Failed {
		return errors.New(lr.Text)
	}
	return nil
}

// rebase turns the previous spec's final snapshot into the next spec's
// baseline, instead of a new stack dump. It is used only with AroundNode's
// labels: a goroutine started since that snapshot is either labelled for
// its subject (and filtered as not this spec's unless it is), or
// unlabelled and started by Ginkgo or by a goroutine that predates the
// spec, which a new baseline taken a moment later would not tell apart
// either. The goroutine count is read anew for settling.
func rebase(last *funnel.Snapshot) *funnel.Snapshot {
	base := *last
	base.Time = time.Now()
	base.Metrics = funnel.ReadMetrics()
	return &base
}

// evaluate settles and checks a spec and builds its report. It makes no
// Ginkgo calls.
func (r *Reporter) evaluate(ctx context.Context, sc *specCheck, cfg Config, mode Mode, state types.SpecState) (LeakReport, *funnel.Result) {
	opts := append(cfg.checkOptions(), funnel.WithSampler(sc.sampler), funnel.WithFilters(sc.scopeFilter()), funnel.WithRecorder(&r.rec))
	var errs []string
	res, err := funnel.Check(ctx, sc.base, opts...)
	if err != nil {
		errs = append(errs, err.Error())
		if res == nil {
			// The check itself failed: try once more without waiting.
			res, err = funnel.Check(context.Background(), sc.base, append(cfg.checkOptions(), funnel.WithTimeout(time.Nanosecond), funnel.WithFilters(sc.scopeFilter()), funnel.WithRecorder(&r.rec))...)
			if err != nil {
				errs = append(errs, err.Error())
			}
		}
	}
	if res == nil {
		res = &funnel.Result{Baseline: sc.base}
	}
	if len(res.Leaks) > 0 && res.Final.Partial() {
		// Check's final snapshot parsed only the goroutines new to the
		// baseline. A leaking spec's report and artifacts (the final and
		// baseline profiles) describe the whole process: take one full
		// snapshot, a moment later, for them and for the next spec's
		// baseline. A baseline reused from the previous spec is partial
		// too; its unparsed goroutines that are still alive get their
		// records from the full snapshot (those that exited since are
		// left out of its profile).
		whole := *res
		whole.Final = r.rec.Capture()
		whole.Baseline = res.Baseline.Fill(whole.Final)
		res = &whole
	}
	lr := r.buildReport(subject{
		scope:    ScopeSpec,
		key:      sc.key,
		name:     sc.name,
		location: sc.location.String(),
		process:  sc.process,
		mode:     mode,
		labelled: sc.labelled,
		events:   sc.events,
		state:    state,
	}, res, cfg)
	lr.Errors = append(errs, lr.Errors...)
	if mode == ModeFail && lr.Leaked > 0 {
		lr.Failed = true
	}
	return lr, res
}

// noteContainerGoroutines records new goroutines labelled for a container
// (started by AfterAll, or marked with ContainerScoped) so that the
// container is checked when its scope ends.
func (r *Reporter) noteContainerGoroutines(sc *specCheck, final *funnel.Snapshot, rep types.SpecReport) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range final.Goroutines {
		g := &final.Goroutines[i]
		if g.Labels[LabelScope] != string(ScopeContainer) || sc.base.Contains(g.ID) {
			continue
		}
		key := g.Labels[LabelSubject]
		if _, ok := r.containers[key]; !ok {
			r.pending(key, containerName(rep, key), sc)
		}
	}
}

// containerName returns the full text of the spec's container at location
// key.
func containerName(rep types.SpecReport, key string) string {
	for i, l := range rep.ContainerHierarchyLocations {
		if l.String() == key && i < len(rep.ContainerHierarchyTexts) {
			return strings.Join(rep.ContainerHierarchyTexts[:i+1], " ")
		}
	}
	return "container at " + key
}

// nodeEvents returns the node-start events of a spec report.
func nodeEvents(rep types.SpecReport) []types.SpecEvent {
	var out []types.SpecEvent
	for _, e := range rep.SpecEvents {
		if e.SpecEventType == types.SpecEventNodeStart {
			out = append(out, e)
		}
	}
	return out
}

// reportAfterEach finishes a spec whose DeferCleanup did not run (an
// interrupt that skipped cleanup) and checks the containers whose scope
// ended with this spec.
func (r *Reporter) reportAfterEach(report types.SpecReport) {
	r.mu.Lock()
	sc := r.cur
	r.cur = nil
	pre, labelled := r.preBase, r.labelled
	r.preBase = nil
	r.mu.Unlock()
	if sc == nil && pre != nil && !report.State.Is(types.SpecStateSkipped|types.SpecStatePending) {
		// The spec ended before leakfunnel's BeforeEach ran (an earlier
		// top-level BeforeEach failed): check it against the baseline of
		// its ReportBeforeEach all the same.
		sc = &specCheck{
			key:      specKey(report),
			name:     report.FullText(),
			location: report.LeafNodeLocation,
			process:  ginkgo.GinkgoParallelProcess(),
			mode:     modeFromLabels(r.cfg.Mode, slices.Concat(report.ContainerHierarchyLabels...), report.LeafNodeLabels),
			cfg:      r.Config(),
			labelled: labelled,
			base:     pre,
		}
	}
	if sc != nil && !sc.done && sc.key == specKey(report) {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		err := r.finishSpec(ctx, sc)
		cancel()
		if err != nil && !report.State.Is(types.SpecStateFailureStates) {
			ginkgo.Fail(err.Error())
		}
	} else if sc != nil && sc.sampler != nil && !sc.done {
		sc.sampler.Stop()
	}

	// Containers whose AfterAll or BeforeAll/AfterAll cleanups ran in this
	// spec have ended.
	var ended []string
	for _, e := range report.SpecEvents {
		if e.SpecEventType != types.SpecEventNodeStart ||
			!e.NodeType.Is(types.NodeTypeAfterAll|types.NodeTypeCleanupAfterAll) {
			continue
		}
		key, _ := containerOf(report, e.Message)
		if !slices.Contains(ended, key) {
			ended = append(ended, key)
		}
	}
	for _, key := range ended {
		r.finishContainer(key)
	}
}

// finishStaleContainers checks the pending containers the new spec is not
// part of: their specs are done, though no AfterAll said so.
func (r *Reporter) finishStaleContainers(rep types.SpecReport) {
	r.mu.Lock()
	var stale []string
	for key := range r.containers {
		inside := false
		for _, l := range rep.ContainerHierarchyLocations {
			if l.String() == key {
				inside = true
			}
		}
		if !inside {
			stale = append(stale, key)
		}
	}
	r.mu.Unlock()
	slices.Sort(stale)
	for _, key := range stale {
		r.finishContainer(key)
	}
}

// finishContainer checks a container's goroutines and adds its report as an
// entry of the running spec.
func (r *Reporter) finishContainer(key string) {
	r.mu.Lock()
	p := r.containers[key]
	delete(r.containers, key)
	r.mu.Unlock()
	if p == nil {
		return
	}
	lr, tl := r.checkScope(ScopeContainer, p.key, p.name, p.key, p.mode, p.cfg, p.labelled, p.ids, p.base)
	addEntries(lr, tl, p.cfg)
}

// checkScope waits up to the settle timeout for a container's or the
// suite's goroutines to exit and reports those left.
func (r *Reporter) checkScope(scope Scope, subjectKey, name, location string, mode Mode, cfg Config, labelled bool, ids []uint64, base *funnel.Snapshot) (LeakReport, *funnel.Timeline) {
	if base == nil {
		base = &funnel.Snapshot{}
	}
	mine := func(g funnel.Goroutine) bool {
		if labelled {
			return g.Labels[LabelScope] == string(scope) && g.Labels[LabelSubject] == subjectKey
		}
		_, ok := slices.BinarySearch(ids, g.ID)
		return ok
	}
	slices.Sort(ids)
	var filters []funnel.Filter
	if !cfg.WithoutStandardFilters {
		filters = funnel.StandardFilters()
	}
	filters = append(filters, cfg.Filters...)
	filters = append(filters, funnel.FilterFunc("leakfunnel: not in this "+string(scope), func(g funnel.Goroutine) bool { return !mine(g) }))

	timeout := cfg.SettleTimeout
	if timeout <= 0 {
		timeout = funnel.DefaultTimeout
	}
	start := time.Now()
	deadline := start.Add(timeout)
	wait := 2 * time.Millisecond
	var snap *funnel.Snapshot
	var leaks []funnel.Goroutine
	var errs []string
	snapshots := 0
	timedOut := false
	for {
		snap = r.rec.Capture()
		snapshots++
		var err error
		leaks, err = funnel.Leaked(&funnel.Snapshot{}, snap, filters)
		if err != nil {
			errs = append(errs, err.Error())
			break
		}
		permanent := true
		for i := range leaks {
			leaks[i].Class = funnel.Classify(&leaks[i])
			if leaks[i].Class != funnel.ClassPermanent {
				permanent = false
			}
		}
		if len(leaks) == 0 || permanent {
			break
		}
		if !time.Now().Before(deadline) {
			timedOut = true
			break
		}
		t := time.NewTimer(min(wait, time.Until(deadline)))
		<-t.C
		wait = min(2*wait, 100*time.Millisecond)
	}
	proofUsed := !cfg.NoProof && funnel.ProofAvailable()
	if proofUsed && len(leaks) > 0 {
		if err := funnel.Prove(leaks); err != nil && !errors.Is(err, funnel.ErrProofUnavailable) {
			errs = append(errs, err.Error())
		}
	}
	if len(leaks) > 0 {
		// A partial baseline (a spec's final snapshot) gets the records
		// of its goroutines still alive, for the baseline profile.
		base = base.Fill(snap)
	}
	res := &funnel.Result{
		Baseline:  base,
		Final:     snap,
		Leaks:     leaks,
		Settle:    time.Since(start),
		Snapshots: snapshots,
		TimedOut:  timedOut,
		ProofUsed: proofUsed,
	}
	if len(leaks) > 0 {
		res.Clusters = funnel.ClusterLeaks(leaks, base)
	}
	lr := r.buildReport(subject{
		scope:    scope,
		name:     name,
		location: location,
		process:  ginkgo.GinkgoParallelProcess(),
		mode:     mode,
		labelled: labelled,
	}, res, cfg)
	lr.Errors = append(errs, lr.Errors...)
	return lr, nil
}

// reportSetupErrors adds Install's configuration problems to the first
// spec's report entries, once.
func (r *Reporter) reportSetupErrors() {
	r.mu.Lock()
	if r.setupReported || len(r.setupErrs) == 0 {
		r.mu.Unlock()
		return
	}
	r.setupReported = true
	msg := "leakfunnel: " + strings.Join(r.setupErrs, "; ")
	r.mu.Unlock()
	ginkgo.AddReportEntry("leakfunnel.setup", msg, ginkgo.ReportEntryVisibilityAlways)
}

// addEntries adds a subject's report (and timeline) as report entries of the
// running spec, checking first that they survive json.Marshal: a value that
// does not would hang a parallel run.
func addEntries(lr LeakReport, tl *funnel.Timeline, cfg Config) {
	if err := jsonSafe(lr); err != nil {
		lr = LeakReport{Scope: lr.Scope, Name: lr.Name, Location: lr.Location, Process: lr.Process, Mode: lr.Mode,
			Failed: lr.Failed, Leaked: lr.Leaked, Proven: lr.Proven, Text: lr.Text,
			Errors: append(lr.Errors, fmt.Sprintf("report entry dropped its details: %v", err))}
	}
	// A failing check's report is the failure message; a report-only
	// leak is shown always; a clean check only on failure or verbose.
	vis := ginkgo.ReportEntryVisibilityFailureOrVerbose
	switch {
	case lr.Failed:
		vis = ginkgo.ReportEntryVisibilityNever
	case lr.Leaked > 0:
		vis = ginkgo.ReportEntryVisibilityAlways
	}
	ginkgo.AddReportEntry(EntryName, lr, vis)
	if tl == nil || len(tl.Samples) == 0 {
		return
	}
	_, rc := ginkgo.GinkgoConfiguration()
	verbose := rc.Verbose || rc.VeryVerbose
	if lr.Leaked == 0 && !verbose {
		return
	}
	small := downsample(tl, cfg.maxTimelineSamples())
	if err := jsonSafe(small); err != nil {
		return
	}
	tvis := ginkgo.ReportEntryVisibilityNever
	if verbose {
		tvis = ginkgo.ReportEntryVisibilityFailureOrVerbose
	}
	ginkgo.AddReportEntry(TimelineEntryName, small, tvis)
}
