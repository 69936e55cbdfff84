package reporter

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/leakfunnel/leakfunnel/funnel"
)

// subject describes what a report is about.
type subject struct {
	scope    Scope
	key      string
	name     string
	location string
	process  int
	mode     Mode
	labelled bool
	events   []types.SpecEvent
	state    types.SpecState
}

// Timeline is the value of the [TimelineEntryName] report entry: the
// metrics timeline recorded while a spec ran, downsampled to at most
// [Config.MaxTimelineSamples] samples (the summary is of the full timeline).
type Timeline struct {
	funnel.Timeline
}

// String renders the timeline's summary in one line.
func (t Timeline) String() string {
	s := t.Summary
	var first, last uint64
	if n := len(t.Samples); n > 0 {
		first, last = t.Samples[0].Metrics.Goroutines, t.Samples[n-1].Metrics.Goroutines
	}
	return fmt.Sprintf("leakfunnel timeline: %d samples over %s, goroutines %d -> %d (peak %d, %d created), blocked ratio %.2f, heap growth %d B",
		len(t.Samples), s.Duration.Round(time.Millisecond), first, last, s.PeakGoroutines, s.Created, s.BlockedRatio, s.HeapGrowth)
}

// buildReport turns a check result into the subject's report, writing its
// artifacts when it leaked.
func (r *Reporter) buildReport(s subject, res *funnel.Result, cfg Config) LeakReport {
	lr := LeakReport{
		Scope:     s.scope,
		Name:      s.name,
		Location:  s.location,
		Process:   s.process,
		Mode:      s.mode,
		Leaked:    len(res.Leaks),
		ProofUsed: res.ProofUsed,
		SettleMS:  res.Settle.Milliseconds(),
		TimedOut:  res.TimedOut,
		Labelled:  s.labelled,
	}
	if s.scope == ScopeSpec {
		lr.SpecState = s.state.String()
	}
	for _, g := range res.Leaks {
		if g.Proven {
			lr.Proven++
		}
	}
	if res.Baseline != nil {
		lr.GoroutinesBefore = res.Baseline.Len()
	}
	if res.Final != nil {
		lr.GoroutinesAfter = res.Final.Len()
		if m := res.Final.Metrics; m.Goroutines > 0 {
			lr.BlockedRatio = float64(m.Waiting) / float64(m.Goroutines)
		}
	}
	if res.Timeline != nil && len(res.Timeline.Samples) > 0 {
		lr.BlockedRatio = res.Timeline.Summary.BlockedRatio
	}
	maxC := cfg.maxClusters()
	for i, c := range res.Clusters {
		if i >= maxC {
			lr.ClustersDropped = len(res.Clusters) - maxC
			break
		}
		lr.Clusters = append(lr.Clusters, leakCluster(c, s, cfg.maxFrames()))
	}
	if lr.Leaked == 0 {
		return lr
	}
	if r.artifacts != "" {
		lr.Artifacts.Dir = filepath.Join(r.artifacts, artifactDirName(s))
	}
	lr.Text = reportText(lr, res)
	if lr.Artifacts.Dir != "" {
		lr.Errors = append(lr.Errors, writeArtifacts(&lr, res)...)
	}
	return lr
}

// leakCluster attributes a cluster to a node and caps its size.
func leakCluster(c funnel.Cluster, s subject, maxFrames int) LeakCluster {
	lc := LeakCluster{Cluster: c, Scope: s.scope}
	g := &lc.Representative
	if len(g.Frames) > maxFrames {
		g.Frames = slices.Clone(g.Frames[:maxFrames])
		g.Elided = true
	}
	if len(g.Ancestors) > 0 {
		anc := slices.Clone(g.Ancestors)
		for i := range anc {
			if len(anc[i].Frames) > maxFrames {
				anc[i].Frames = slices.Clone(anc[i].Frames[:maxFrames])
				anc[i].Elided = true
			}
		}
		g.Ancestors = anc
	}
	const maxIDs = 100
	if len(lc.IDs) > maxIDs {
		lc.IDs = slices.Clone(lc.IDs[:maxIDs])
	}
	labels := c.Attribution.Labels
	if len(labels) == 0 {
		labels = g.Labels
	}
	switch {
	case labels[LabelNode] != "":
		lc.Node, lc.NodeLocation, lc.AttributedBy = labels[LabelNode], labels[LabelAt], "labels"
	default:
		if e, ok := nodeBySite(g, s.events); ok {
			lc.Node, lc.NodeLocation, lc.AttributedBy = nodeName(e.NodeType), e.CodeLocation.String(), "site"
		} else if g.CreatorID != 0 || c.Attribution.CreatorID != 0 {
			lc.AttributedBy = "creator"
		} else {
			lc.AttributedBy = "baseline"
		}
	}
	return lc
}

// nodeBySite guesses the node that started g from where it was started:
// the node registered last, in the same file, above the go statement (or
// above a call in the creator's stack, when ancestors were recorded). Only
// function literals count as sites: node bodies are closures, while a named
// helper's go statement may lie anywhere in the file.
func nodeBySite(g *funnel.Goroutine, events []types.SpecEvent) (types.SpecEvent, bool) {
	sites := []funnel.Frame{g.CreatedBy}
	for _, a := range g.Ancestors {
		sites = append(sites, a.Frames...)
	}
	for _, site := range sites {
		if !strings.Contains(site.Func, ".func") {
			continue
		}
		best, found := types.SpecEvent{}, false
		for _, e := range events {
			if e.CodeLocation.FileName != site.File || e.CodeLocation.LineNumber > site.Line {
				continue
			}
			if !found || e.CodeLocation.LineNumber > best.CodeLocation.LineNumber {
				best, found = e, true
			}
		}
		if found {
			return best, true
		}
	}
	return types.SpecEvent{}, false
}

// reportText renders the plain-text report of a leaking subject.
func reportText(lr LeakReport, res *funnel.Result) string {
	var b strings.Builder
	clusters := make([]funnel.Cluster, len(lr.Clusters))
	for i, c := range lr.Clusters {
		clusters[i] = c.Cluster
	}
	var body strings.Builder
	if err := funnel.FormatClusters(&body, clusters, funnel.FormatOptions{Indent: "  ", ProofUsed: lr.ProofUsed, MaxClusters: -1}); err != nil {
		body.WriteString("  (" + err.Error() + ")\n")
	}
	text := body.String()
	// The first line is the indented headline; say whose leaks they are.
	head, rest, _ := strings.Cut(text, "\n")
	if lr.Name != "" {
		fmt.Fprintf(&b, "%s in %s %q (%s)\n", strings.TrimSpace(head), lr.Scope, lr.Name, lr.Location)
	} else {
		fmt.Fprintf(&b, "%s in %s (%s)\n", strings.TrimSpace(head), lr.Scope, lr.Location)
	}
	b.WriteString(rest)
	if lr.ClustersDropped > 0 {
		fmt.Fprintf(&b, "  ... and %d more clusters not kept in the report\n", lr.ClustersDropped)
	}
	for i, c := range lr.Clusters {
		switch c.AttributedBy {
		case "labels", "site":
			how := ""
			if c.AttributedBy == "site" {
				how = " (by creation site)"
			}
			fmt.Fprintf(&b, "  [%d] started in %s at %s%s\n", i+1, c.Node, c.NodeLocation, how)
		case "creator":
			fmt.Fprintf(&b, "  [%d] started by goroutine %d; node unknown (use reporter.AroundNode for exact attribution)\n", i+1, c.Representative.CreatorID)
		}
	}
	fmt.Fprintf(&b, "  %s\n", funnel.ResultFigures(res))
	if lr.Artifacts.Dir != "" {
		fmt.Fprintf(&b, "  artifacts: %s\n", lr.Artifacts.Dir)
	}
	switch lr.Scope {
	case ScopeSpec:
		b.WriteString("  Stop these goroutines before the spec ends (close, cancel, wait in AfterEach or DeferCleanup); mark an object the container owns with reporter.ContainerScoped, or set the spec's mode with reporter.ModeLabel.\n")
	case ScopeContainer:
		b.WriteString("  These goroutines were started in the container's BeforeAll (or marked container-scoped) and are still running after its AfterAll: stop them in AfterAll or with DeferCleanup in BeforeAll.\n")
	case ScopeSuite:
		b.WriteString("  These goroutines were started in BeforeSuite and are still running at the end of the suite: stop them in AfterSuite or with DeferCleanup in BeforeSuite.\n")
	}
	return b.String()
}

// artifactDirName names a subject's artifacts folder: process, a readable
// slug of its name and a hash that keeps names apart.
func artifactDirName(s subject) string {
	h := fnv.New32a()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00%d", s.scope, s.key, s.name, s.location, s.process)
	slug := make([]byte, 0, 48)
	dash := false
	for _, c := range strings.ToLower(s.name) {
		if len(slug) >= 48 {
			break
		}
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			slug = append(slug, byte(c))
			dash = false
		} else if !dash && len(slug) > 0 {
			slug = append(slug, '-')
			dash = true
		}
	}
	name := strings.Trim(string(slug), "-")
	if name == "" {
		name = string(s.scope)
	}
	return fmt.Sprintf("p%d-%s-%s-%08x", s.process, s.scope, name, h.Sum32())
}

// writeArtifacts writes a leaking subject's files and returns the errors.
func writeArtifacts(lr *LeakReport, res *funnel.Result) []string {
	dir := lr.Artifacts.Dir
	if err := os.MkdirAll(dir, 0o755); err != nil {
		lr.Artifacts.Dir = ""
		return []string{fmt.Sprintf("create artifacts folder: %v", err)}
	}
	var errs []string
	write := func(dst *string, name string, fn func(io.Writer) error) {
		p := filepath.Join(dir, name)
		if err := writeFile(p, fn); err != nil {
			errs = append(errs, err.Error())
			return
		}
		*dst = p
	}
	write(&lr.Artifacts.Report, "report.txt", func(w io.Writer) error {
		_, err := io.WriteString(w, lr.Text)
		return err
	})
	write(&lr.Artifacts.Clusters, "clusters.json", func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(lr.Clusters)
	})
	if res.Final != nil {
		write(&lr.Artifacts.Final, "final.pb.gz", func(w io.Writer) error {
			return funnel.WriteProfile(w, res.Final, funnel.ProfileClusters(res.Clusters))
		})
	}
	// A baseline reused from the previous spec's final snapshot is partial;
	// the checks fill in the records of its goroutines still alive at the
	// end (funnel.Snapshot.Fill), so that its profile shows those.
	if res.Baseline != nil && len(res.Baseline.Goroutines) > 0 {
		write(&lr.Artifacts.Baseline, "baseline.pb.gz", func(w io.Writer) error { return funnel.WriteProfile(w, res.Baseline) })
	}
	if res.Timeline != nil && len(res.Timeline.Samples) > 0 {
		write(&lr.Artifacts.Timeline, "timeline.csv", func(w io.Writer) error { return writeTimelineCSV(w, res.Timeline) })
	}
	return errs
}

// writeFile writes a file through fn, reporting write and close errors.
func writeFile(path string, fn func(io.Writer) error) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if cerr := f.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("write %s: %w", path, cerr)
		}
	}()
	bw := bufio.NewWriter(f)
	if err := fn(bw); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// timelineColumns are the columns of the timeline CSV.
var timelineColumns = []string{
	"offset_ms", "goroutines", "waiting", "runnable", "running", "not_in_go", "created",
	"heap_object_bytes", "stack_bytes", "mcache_inuse_bytes", "gc_cycles",
	"finalizers_queued", "finalizers_executed", "cleanups_queued", "cleanups_executed",
}

// writeTimelineCSV writes one row per sample, with a header.
func writeTimelineCSV(w io.Writer, tl *funnel.Timeline) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(timelineColumns); err != nil {
		return err
	}
	u := func(v uint64) string { return strconv.FormatUint(v, 10) }
	for _, s := range tl.Samples {
		m := s.Metrics
		row := []string{
			strconv.FormatFloat(float64(s.Offset)/float64(time.Millisecond), 'f', 3, 64),
			u(m.Goroutines), u(m.Waiting), u(m.Runnable), u(m.Running), u(m.NotInGo), u(m.Created),
			u(m.HeapObjectBytes), u(m.StackBytes), u(m.MCacheInUseBytes), u(m.GCCycles),
			u(m.FinalizersQueued), u(m.FinalizersExecuted), u(m.CleanupsQueued), u(m.CleanupsExecuted),
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// downsample returns a copy of tl with at most n samples, evenly spread
// and keeping the first and the last; the summary is kept as it is.
func downsample(tl *funnel.Timeline, n int) Timeline {
	out := *tl
	if len(tl.Samples) <= n || n < 2 {
		out.Samples = slices.Clone(tl.Samples)
		return Timeline{out}
	}
	last := len(tl.Samples) - 1
	out.Samples = make([]funnel.Sample, n)
	for i := range n {
		out.Samples[i] = tl.Samples[i*last/(n-1)]
	}
	return Timeline{out}
}

// jsonSafe checks that v survives json.Marshal.
func jsonSafe(v any) error {
	_, err := json.Marshal(v)
	return err
}
