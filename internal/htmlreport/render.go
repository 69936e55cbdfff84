package htmlreport

import (
	"bufio"
	"cmp"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"maps"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/leakfunnel/leakfunnel/funnel"
)

// Input is everything [Render] draws. Build it with [Load] from an
// artifacts folder, or fill it directly. The zero Input renders a report of
// an empty suite.
type Input struct {
	// Summary is the reporter's suite summary.
	Summary Summary
	// Timelines holds the metrics timeline of leaking subjects, keyed by
	// the subject's Artifacts.Timeline path as it appears in Summary. A
	// subject without an entry is shown without a chart.
	Timelines map[string][]funnel.Sample
	// LinkBase is the folder the HTML file will be in: links to artifact
	// files are made relative to it, so that the report and its artifacts
	// can be moved together. Empty means absolute file:// links.
	LinkBase string
	// Source names where the summary was read from, shown in the header;
	// empty shows nothing.
	Source string
	// Generated is shown as the report's creation time; the zero time
	// shows nothing (and keeps the output reproducible).
	Generated time.Time
	// Problems lists what went wrong while gathering the input (a timeline
	// that could not be read); they are shown with the summary's errors.
	Problems []string
}

//go:embed report.html.tmpl
var pageSource string

//go:embed report.css
var pageCSS string

//go:embed report.js
var pageJS string

var pageTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"plural": plural,
}).Parse(pageSource))

// maxStackFrames caps the frames shown per cluster; the reporter keeps at
// most 32 by default.
const maxStackFrames = 64

// maxIDs caps the goroutine IDs listed per cluster.
const maxIDs = 20

// Render writes the HTML report for in to w: one self-contained file (inline
// CSS, a little inline script, SVG charts; no network fetches) that works
// opened from disk and as a CI artifact. Every value from the input is
// escaped by html/template. Render does not read files: artifact paths are
// only linked. It returns the first error of w, wrapped. Render is safe for
// concurrent use as long as in is not modified meanwhile.
func Render(w io.Writer, in Input) error {
	p := buildPage(in)
	bw := bufio.NewWriterSize(w, 64<<10)
	if err := pageTemplate.Execute(bw, p); err != nil {
		return fmt.Errorf("render report: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("render report: %w", err)
	}
	return nil
}

// page is the template's view model.
type page struct {
	Title     string
	Suite     SuiteInfo
	Duration  string
	Start     string
	Totals    Totals
	ProofUsed bool
	Generated string
	Source    string
	Outputs   []link
	Errors    []string
	Scopes    []scopeTable
	Subjects  []*subjectView
	Causes    []causeView
	CSS       template.CSS
	JS        template.JS
}

type link struct {
	Label string
	Href  template.URL
	Path  string
}

type scopeTable struct {
	ID, Title, Note string
	Scope           Scope
	Rows            []*subjectView
	Leaked          int
}

type subjectView struct {
	ID       string
	R        *LeakReport
	Location string
	// Short is Location with the last two path elements.
	Short    string
	Chart    *chart
	NoChart  string
	Clusters []clusterView
	Links    []link
	Result   string
	Settle   string
	Blocked  string
}

type clusterView struct {
	ID           string
	N            int
	Count        int
	Proven       int
	ProofUsed    bool
	Class        string
	State        string
	Wait         frameView
	CreatedBy    frameView
	CreatorID    uint64
	CreatorNote  string
	Scope        Scope
	Subject      string // the subject's name
	Node         string
	NodeLocation string
	Attribution  string
	Frames       []frameView
	MoreFrames   int
	Elided       bool
	Labels       []keyValue
	IDs          string
	Waited       string
	Ancestors    []ancestorView
}

type ancestorView struct {
	ID         uint64
	Frames     []frameView
	MoreFrames int
	Elided     bool
}

type frameView struct {
	Func  string
	Short string // file:line with the last two path elements
	Full  string // full file:line
}

type keyValue struct{ Key, Value string }

type causeView struct {
	ID          string
	C           *RootCause
	Class       string
	Top         frameView
	CreatedBy   frameView
	Frames      []frameView
	MoreFrames  int
	Elided      bool
	Subjects    int
	Occurrences []occurrenceView
}

type occurrenceView struct {
	O        *Occurrence
	Subject  string // anchor of the subject's section, "" when unknown
	Node     frameView
	Location frameView
}

func buildPage(in Input) *page {
	s := &in.Summary
	p := &page{
		Title:  "leakfunnel report",
		Suite:  s.Suite,
		Totals: s.Totals,
		Source: in.Source,
		CSS:    template.CSS(pageCSS),
		JS:     template.JS(pageJS),
	}
	if s.Suite.Description != "" {
		p.Title = "leakfunnel: " + s.Suite.Description
	}
	if !s.Suite.Start.IsZero() {
		p.Start = s.Suite.Start.UTC().Format("2006-01-02 15:04:05 MST")
		if s.Suite.End.After(s.Suite.Start) {
			p.Duration = s.Suite.End.Sub(s.Suite.Start).Round(time.Millisecond).String()
		}
	}
	if !in.Generated.IsZero() {
		p.Generated = in.Generated.UTC().Format("2006-01-02 15:04:05 MST")
	}
	for _, o := range []struct{ label, path string }{
		{"summary JSON", s.Outputs.Summary}, {"JUnit XML", s.Outputs.JUnit}, {"artifacts folder", s.Outputs.Artifacts},
	} {
		if o.path != "" {
			p.Outputs = append(p.Outputs, link{Label: o.label, Href: fileHref(in.LinkBase, o.path), Path: o.path})
		}
	}
	p.Errors = append(slices.Clone(s.Errors), in.Problems...)

	subjectOf := map[string]string{}
	tables := map[Scope]*scopeTable{
		ScopeSpec:      {ID: "specs", Title: "Leaking specs", Scope: ScopeSpec, Note: "Goroutines started by a spec's own nodes (BeforeEach, It, AfterEach, DeferCleanup) and still running after its cleanups."},
		ScopeContainer: {ID: "containers", Title: "Leaking containers", Scope: ScopeContainer, Note: "Goroutines started in an Ordered container's BeforeAll and still running after its AfterAll."},
		ScopeSuite:     {ID: "suite", Title: "Suite-level leaks", Scope: ScopeSuite, Note: "Goroutines started in BeforeSuite and still running at the end of the suite."},
	}
	var other []*subjectView
	for i := range s.Reports {
		lr := &s.Reports[i]
		if lr.ProofUsed {
			p.ProofUsed = true
		}
		v := buildSubject(in, i, lr)
		subjectOf[occurrenceKey(lr.Scope, lr.Name, lr.Location, lr.Process)] = v.ID
		if t := tables[lr.Scope]; t != nil {
			t.Rows = append(t.Rows, v)
			t.Leaked += lr.Leaked
		} else {
			other = append(other, v)
		}
	}
	if len(other) > 0 {
		tables[Scope("other")] = &scopeTable{ID: "other", Title: "Other subjects", Scope: "other", Rows: other}
	}
	for _, sc := range []Scope{ScopeSpec, ScopeContainer, ScopeSuite, "other"} {
		t := tables[sc]
		if t == nil {
			continue
		}
		slices.SortStableFunc(t.Rows, func(a, b *subjectView) int {
			return cmp.Or(cmp.Compare(b.R.Leaked, a.R.Leaked), strings.Compare(a.R.Name, b.R.Name))
		})
		p.Scopes = append(p.Scopes, *t)
		p.Subjects = append(p.Subjects, t.Rows...)
	}

	for i := range s.RootCauses {
		rc := &s.RootCauses[i]
		cv := causeView{
			ID:        "cause-" + strconv.Itoa(i+1),
			C:         rc,
			Class:     className(rc.Class),
			Top:       frame(waitSite(rc)),
			CreatedBy: frame(rc.CreatedBy),
		}
		cv.Frames, cv.MoreFrames = frames(rc.Representative.Frames)
		cv.Elided = rc.Representative.Elided
		seen := map[string]bool{}
		for j := range rc.Occurrences {
			o := &rc.Occurrences[j]
			k := occurrenceKey(o.Scope, o.Name, o.Location, o.Process)
			if !seen[k] {
				seen[k] = true
				cv.Subjects++
			}
			cv.Occurrences = append(cv.Occurrences, occurrenceView{O: o, Subject: subjectOf[k], Node: locationView(o.NodeLocation), Location: locationView(o.Location)})
		}
		p.Causes = append(p.Causes, cv)
	}
	return p
}

// waitSite is the frame a root cause's goroutines wait in: the innermost
// frame outside the runtime and sync packages (see funnel.WaitSite), or
// the recorded top frame.
func waitSite(rc *RootCause) funnel.Frame {
	if len(rc.Representative.Frames) > 0 {
		if f := funnel.WaitSite(&rc.Representative); f.Func != "" {
			return f
		}
	}
	return rc.Top
}

func occurrenceKey(scope Scope, name, location string, process int) string {
	return string(scope) + "\x00" + name + "\x00" + location + "\x00" + strconv.Itoa(process)
}

func buildSubject(in Input, i int, lr *LeakReport) *subjectView {
	v := &subjectView{
		ID:       "subject-" + strconv.Itoa(i+1),
		R:        lr,
		Location: lr.Location,
		Short:    locationView(lr.Location).Short,
		Settle:   formatMS(float64(lr.SettleMS)),
		Blocked:  strconv.FormatFloat(lr.BlockedRatio, 'f', 2, 64),
	}
	switch {
	case lr.Failed:
		v.Result = "failed"
	case lr.Mode == "report":
		v.Result = "reported"
	case lr.Mode != "":
		v.Result = lr.Mode
	default:
		v.Result = "-"
	}
	if tl := lr.Artifacts.Timeline; tl != "" {
		if samples, ok := in.Timelines[tl]; ok && len(samples) > 0 {
			v.Chart = buildChart(samples, time.Duration(lr.SettleMS)*time.Millisecond, lr.TimedOut)
		} else {
			v.NoChart = "The timeline could not be read."
		}
	} else {
		v.NoChart = "No metrics timeline was recorded for this subject."
	}
	a := lr.Artifacts
	for _, l := range []struct{ label, path string }{
		{"text report", a.Report}, {"clusters JSON", a.Clusters}, {"final profile", a.Final},
		{"baseline profile", a.Baseline}, {"timeline CSV", a.Timeline}, {"folder", a.Dir},
	} {
		if l.path != "" {
			v.Links = append(v.Links, link{Label: l.label, Href: fileHref(in.LinkBase, l.path), Path: l.path})
		}
	}
	for j := range lr.Clusters {
		v.Clusters = append(v.Clusters, buildCluster(v.ID, j, lr, &lr.Clusters[j]))
	}
	return v
}

func buildCluster(subject string, j int, lr *LeakReport, c *LeakCluster) clusterView {
	g := &c.Representative
	class := cmp.Or(c.Class, c.Key.Class, g.Class)
	cv := clusterView{
		ID:           subject + "-c" + strconv.Itoa(j+1),
		N:            j + 1,
		Count:        c.Count,
		Proven:       c.Proven,
		ProofUsed:    lr.ProofUsed,
		Class:        className(class),
		State:        cmp.Or(c.Key.State, g.State),
		Scope:        cmp.Or(c.Scope, lr.Scope),
		Subject:      lr.Name,
		Node:         c.Node,
		NodeLocation: c.NodeLocation,
		Attribution:  attributionText(c.AttributedBy),
		Elided:       g.Elided,
	}
	if len(g.Frames) > 0 {
		cv.Wait = frame(funnel.WaitSite(g))
	}
	created := c.Attribution.CreatedBy
	if created.Func == "" {
		created = g.CreatedBy
	}
	cv.CreatedBy = frame(created)
	cv.CreatorID = cmp.Or(c.Attribution.CreatorID, g.CreatorID)
	switch {
	case c.Attribution.CreatorInBaseline:
		cv.CreatorNote = "alive in the baseline"
	case c.Attribution.AncestorInBaseline != 0:
		cv.CreatorNote = "descended from goroutine " + strconv.FormatUint(c.Attribution.AncestorInBaseline, 10) + " of the baseline"
	}
	cv.Frames, cv.MoreFrames = frames(g.Frames)
	labels := c.Attribution.Labels
	if len(labels) == 0 {
		labels = g.Labels
	}
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		if strings.HasPrefix(k, "leakfunnel.") {
			// The reporter's own labels; shown as the attribution.
			continue
		}
		cv.Labels = append(cv.Labels, keyValue{k, labels[k]})
	}
	ids := c.IDs
	more := 0
	if len(ids) > maxIDs {
		more = len(ids) - maxIDs
		ids = ids[:maxIDs]
	}
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatUint(id, 10)
	}
	cv.IDs = strings.Join(parts, ", ")
	if more > 0 {
		cv.IDs += " and " + strconv.Itoa(more) + " more"
	}
	if c.Count > len(c.IDs) && len(c.IDs) > 0 {
		cv.IDs += " (" + strconv.Itoa(c.Count-len(c.IDs)) + " not kept in the report)"
	}
	if c.LongestWait > 0 {
		cv.Waited = c.LongestWait.String()
	}
	for _, a := range g.Ancestors {
		fs, more := frames(a.Frames)
		cv.Ancestors = append(cv.Ancestors, ancestorView{ID: a.ID, Frames: fs, MoreFrames: more, Elided: a.Elided})
	}
	return cv
}

func attributionText(a string) string {
	switch a {
	case "labels":
		return "by the pprof labels of reporter.AroundNode"
	case "site":
		return "go statement in a function literal below the node in the spec file"
	case "creator":
		return "creator goroutine only; node unknown (use reporter.AroundNode)"
	case "baseline":
		return "new since the baseline; node unknown"
	case "":
		return "unknown"
	}
	return a
}

func className(c funnel.Class) string {
	if c == "" {
		return "unclassified"
	}
	return string(c)
}

func frames(fs []funnel.Frame) ([]frameView, int) {
	more := 0
	if len(fs) > maxStackFrames {
		more = len(fs) - maxStackFrames
		fs = fs[:maxStackFrames]
	}
	out := make([]frameView, len(fs))
	for i, f := range fs {
		out[i] = frame(f)
	}
	return out, more
}

func frame(f funnel.Frame) frameView {
	v := frameView{Func: f.Func}
	if f.File != "" {
		v.Full = f.File + ":" + strconv.Itoa(f.Line)
		v.Short = shortPath(f.File) + ":" + strconv.Itoa(f.Line)
	}
	return v
}

// locationView renders a "file:line" location like a frame's place.
func locationView(loc string) frameView {
	if loc == "" {
		return frameView{}
	}
	file, line, ok := cutLast(loc, ":")
	if !ok {
		return frameView{Full: loc, Short: shortPath(loc)}
	}
	return frameView{Full: loc, Short: shortPath(file) + ":" + line}
}

func cutLast(s, sep string) (string, string, bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

// shortPath keeps the last two elements of a slash-separated path.
func shortPath(p string) string {
	p = filepath.ToSlash(p)
	i := strings.LastIndexByte(p, '/')
	if i < 0 {
		return p
	}
	j := strings.LastIndexByte(p[:i], '/')
	return p[j+1:]
}

// fileHref links to a local file: relative to base when possible, else a
// file:// URL. The path is escaped as a URL path.
func fileHref(base, path string) template.URL {
	if base != "" && filepath.IsAbs(path) {
		if rel, err := filepath.Rel(base, path); err == nil {
			u := url.URL{Path: filepath.ToSlash(rel)}
			s := u.String()
			// A first segment with a colon would read as a scheme.
			if strings.Contains(strings.SplitN(s, "/", 2)[0], ":") {
				s = "./" + s
			}
			return template.URL(s)
		}
	}
	abs := filepath.ToSlash(path)
	if !strings.HasPrefix(abs, "/") {
		abs = "/" + abs
	}
	u := url.URL{Scheme: "file", Path: abs}
	return template.URL(u.String())
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
