package htmlreport_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/leakfunnel/leakfunnel/funnel"
	"github.com/leakfunnel/leakfunnel/internal/htmlreport"
	"github.com/leakfunnel/leakfunnel/reporter"
)

// readSummary decodes summary.json with the reporter's own types, so that
// expectations do not depend on this package's mirror of them.
func readSummary(t *testing.T, dir string) reporter.Summary {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s reporter.Summary
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// renderRun renders the real run's report as `leakfunnel report` would,
// into the artifacts folder, and returns the file's path and its parse.
func renderRun(t *testing.T) (string, []byte, *node) {
	t.Helper()
	dir := realRun(t)
	in, err := htmlreport.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Problems) > 0 {
		t.Errorf("Load problems: %q", in.Problems)
	}
	out := filepath.Join(dir, "report.html")
	if err := htmlreport.WriteFile(out, in); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := parseHTML(data)
	if err != nil {
		t.Fatalf("report is not well-formed: %v", err)
	}
	return out, data, doc
}

func TestRealRunStructure(t *testing.T) {
	_, data, doc := renderRun(t)
	sum := readSummary(t, realRun(t))
	if sum.Totals.Leaking == 0 || len(sum.RootCauses) == 0 {
		t.Fatalf("the example suite reported no leaks; nothing to check: %+v", sum.Totals)
	}

	t.Run("summary cards", func(t *testing.T) {
		for id, want := range map[string]int{
			"total-checked":    sum.Totals.Checked,
			"total-leaking":    sum.Totals.Leaking,
			"total-goroutines": sum.Totals.Goroutines,
			"total-causes":     sum.Totals.RootCauses,
		} {
			n := doc.byID(id)
			if n == nil {
				t.Errorf("no #%s", id)
				continue
			}
			if got := n.norm(); got != strconv.Itoa(want) {
				t.Errorf("#%s = %q, want %d", id, got, want)
			}
		}
	})

	t.Run("tables by scope", func(t *testing.T) {
		byScope := map[reporter.Scope][]reporter.LeakReport{}
		for _, lr := range sum.Reports {
			byScope[lr.Scope] = append(byScope[lr.Scope], lr)
		}
		for scope, id := range map[reporter.Scope]string{reporter.ScopeSpec: "specs", reporter.ScopeContainer: "containers", reporter.ScopeSuite: "suite"} {
			sec := doc.byID(id)
			if sec == nil {
				t.Errorf("no section #%s", id)
				continue
			}
			want := byScope[scope]
			table := sec.first("table.subjects")
			if len(want) == 0 {
				if table != nil {
					t.Errorf("#%s has a table though no %s leaked", id, scope)
				}
				continue
			}
			if table == nil {
				t.Errorf("#%s has no table", id)
				continue
			}
			rows := table.first("tbody").find("tr")
			if len(rows) != len(want) {
				t.Errorf("#%s: %d rows, want %d", id, len(rows), len(want))
			}
			var leaked []int
			for _, r := range rows {
				n, err := strconv.Atoi(r.Attr["data-leaked"])
				if err != nil {
					t.Errorf("row %q: data-leaked %q", r.Attr["data-name"], r.Attr["data-leaked"])
				}
				leaked = append(leaked, n)
				lr, ok := findReport(want, r.Attr["data-name"])
				if !ok {
					t.Errorf("#%s: row %q matches no %s report", id, r.Attr["data-name"], scope)
					continue
				}
				if n != lr.Leaked {
					t.Errorf("row %q: leaked %d, want %d", lr.Name, n, lr.Leaked)
				}
				a := r.first("a")
				if a == nil || !strings.HasPrefix(a.Attr["href"], "#") {
					t.Errorf("row %q: no link to its details", lr.Name)
					continue
				}
				subj := doc.byID(strings.TrimPrefix(a.Attr["href"], "#"))
				if subj == nil || subj.Attr["data-scope"] != string(scope) || !strings.Contains(subj.first("h3").norm(), lr.Name) {
					t.Errorf("row %q links to %s, which is not its section", lr.Name, a.Attr["href"])
				}
			}
			if !slices.IsSortedFunc(leaked, func(a, b int) int { return b - a }) {
				t.Errorf("#%s: rows not sorted by leaked count, descending: %v", id, leaked)
			}
			th := table.first("thead").all(func(n *node) bool { return n.Name == "button" && n.Attr["data-sort"] == "leaked" })
			if len(th) != 1 {
				t.Errorf("#%s: no sort button for the leaked column", id)
			}
		}
	})

	t.Run("subjects", func(t *testing.T) {
		sections := doc.find("section.subject")
		if len(sections) != len(sum.Reports) {
			t.Fatalf("%d subject sections, want %d", len(sections), len(sum.Reports))
		}
		for _, lr := range sum.Reports {
			sec := findSection(sections, lr)
			if sec == nil {
				t.Errorf("no section for %s %q", lr.Scope, lr.Name)
				continue
			}
			checkChart(t, lr, sec)
			checkClusters(t, lr, sec)
		}
	})

	t.Run("root causes", func(t *testing.T) {
		causes := doc.find("details.cause")
		if len(causes) != len(sum.RootCauses) {
			t.Fatalf("%d root causes shown, want %d", len(causes), len(sum.RootCauses))
		}
		for i, rc := range sum.RootCauses {
			d := causes[i]
			site := funnel.WaitSite(&rc.Representative).Func
			if got := d.first("summary").norm(); !strings.Contains(got, site) || !strings.Contains(got, rc.State) {
				t.Errorf("cause %d summary %q lacks %q / %q", i+1, got, site, rc.State)
			}
			rows := d.first("table.occurrences").first("tbody").find("tr")
			if len(rows) != len(rc.Occurrences) {
				t.Errorf("cause %d: %d occurrences shown, want %d", i+1, len(rows), len(rc.Occurrences))
			}
			for j, r := range rows {
				a := r.first("a")
				if a == nil || doc.byID(strings.TrimPrefix(a.Attr["href"], "#")) == nil {
					t.Errorf("cause %d occurrence %d: no working link to the subject", i+1, j+1)
					continue
				}
				if !strings.Contains(a.norm(), rc.Occurrences[j].Name) {
					t.Errorf("cause %d occurrence %d: %q, want %q", i+1, j+1, a.norm(), rc.Occurrences[j].Name)
				}
			}
			if diff := cmp.Diff(stackLines(rc.Representative.Frames), stackText(d)); diff != "" {
				t.Errorf("cause %d: stack (-want +got):\n%s", i+1, diff)
			}
		}
	})

	t.Run("self-contained", func(t *testing.T) {
		for _, n := range doc.all(func(*node) bool { return true }) {
			switch n.Name {
			case "link", "img", "iframe", "object", "embed", "base":
				t.Errorf("external resource element <%s>", n.Name)
			}
			if _, ok := n.Attr["src"]; ok {
				t.Errorf("<%s> has a src attribute", n.Name)
			}
			if h := n.Attr["href"]; strings.HasPrefix(h, "http:") || strings.HasPrefix(h, "https:") || strings.HasPrefix(h, "//") {
				t.Errorf("<%s> links to the network: %s", n.Name, h)
			}
		}
		if regexp.MustCompile(`(?i)url\(|@import`).Match(data) {
			t.Error("CSS loads a resource (url() or @import)")
		}
		if n := len(doc.find("script")); n != 1 {
			t.Errorf("%d script elements, want 1", n)
		}
	})

	t.Run("artifact links are relative", func(t *testing.T) {
		links := doc.all(func(n *node) bool { return n.Name == "a" && n.Parent.hasClass("links") })
		if len(links) == 0 {
			t.Fatal("no artifact links")
		}
		for _, a := range links {
			h := a.Attr["href"]
			if strings.Contains(h, ":") || strings.HasPrefix(h, "/") {
				t.Errorf("artifact link %q is not relative to the report", h)
				continue
			}
			if _, err := os.Stat(filepath.Join(realRun(t), filepath.FromSlash(h))); err != nil {
				t.Errorf("artifact link %q: %v", h, err)
			}
		}
	})
	if !bytes.HasPrefix(data, []byte("<!DOCTYPE html>")) {
		t.Error("no HTML doctype")
	}
}

// stackLines is how a condensed stack reads: each function, then its file
// (last two path elements) and line, indented.
func stackLines(frames []funnel.Frame) []string {
	var out []string
	for _, f := range frames {
		out = append(out, f.Func)
		if f.File != "" {
			dir, file := filepath.Split(f.File)
			out = append(out, "    "+filepath.Base(dir)+"/"+file+":"+strconv.Itoa(f.Line))
		}
	}
	return out
}

// stackText returns the lines of the first condensed stack in n, without
// the lines that say frames were left out.
func stackText(n *node) []string {
	pre := n.first("pre.stack")
	if pre == nil {
		return nil
	}
	var out []string
	for _, l := range strings.Split(strings.TrimSuffix(pre.Text(), "\n"), "\n") {
		if !strings.HasPrefix(l, "…") {
			out = append(out, l)
		}
	}
	return out
}

func findReport(list []reporter.LeakReport, name string) (reporter.LeakReport, bool) {
	for _, lr := range list {
		if lr.Name == name {
			return lr, true
		}
	}
	return reporter.LeakReport{}, false
}

func findSection(sections []*node, lr reporter.LeakReport) *node {
	for _, s := range sections {
		if s.Attr["data-scope"] == string(lr.Scope) && strings.HasSuffix(s.first("h3").norm(), lr.Name) &&
			strings.Contains(s.first("p.meta").norm(), lr.Location) {
			return s
		}
	}
	return nil
}

var viewBox = regexp.MustCompile(`^0 0 (\d+) (\d+)$`)

// checkChart checks a subject's timeline chart against its CSV.
func checkChart(t *testing.T, lr reporter.LeakReport, sec *node) {
	t.Helper()
	svg := sec.first("svg.chart")
	if lr.Artifacts.Timeline == "" {
		if svg != nil {
			t.Errorf("%q: chart without a timeline", lr.Name)
		}
		return
	}
	if svg == nil {
		t.Errorf("%q: no chart", lr.Name)
		return
	}
	m := viewBox.FindStringSubmatch(svg.Attr["viewBox"])
	if m == nil {
		t.Errorf("%q: viewBox %q", lr.Name, svg.Attr["viewBox"])
		return
	}
	w, _ := strconv.ParseFloat(m[1], 64)
	h, _ := strconv.ParseFloat(m[2], 64)
	f, err := os.Open(lr.Artifacts.Timeline)
	if err != nil {
		t.Error(err)
		return
	}
	defer f.Close()
	samples, err := htmlreport.ReadTimeline(f)
	if err != nil {
		t.Error(err)
		return
	}
	lines := svg.find("polyline.series")
	var classes []string
	for _, pl := range lines {
		classes = append(classes, strings.Fields(pl.Attr["class"])[1])
		pts := strings.Fields(pl.Attr["points"])
		if len(pts) < min(2, len(samples)) || len(pts) > min(len(samples), 160) {
			t.Errorf("%q %s: %d points for %d samples", lr.Name, pl.Attr["class"], len(pts), len(samples))
		}
		for _, p := range pts {
			xs, ys, ok := strings.Cut(p, ",")
			x, errX := strconv.ParseFloat(xs, 64)
			y, errY := strconv.ParseFloat(ys, 64)
			if !ok || errX != nil || errY != nil || x < 0 || x > w || y < 0 || y > h {
				t.Errorf("%q %s: point %q outside the %gx%g chart", lr.Name, pl.Attr["class"], p, w, h)
				break
			}
		}
	}
	if want := []string{"s-total", "s-waiting", "s-heap", "s-stack"}; !slices.Equal(classes, want) {
		t.Errorf("%q: series %v, want %v", lr.Name, classes, want)
	}
	var marks []string
	for _, tx := range svg.find("text.mark-label") {
		marks = append(marks, tx.norm())
	}
	if !slices.Contains(marks, "spec start") || !slices.Contains(marks, "check end") {
		t.Errorf("%q: marks %q lack the start and end", lr.Name, marks)
	}
	last := samples[len(samples)-1].Offset.Milliseconds()
	if lr.SettleMS > 0 && lr.SettleMS < last && !slices.ContainsFunc(marks, func(s string) bool { return strings.HasPrefix(s, "settling") }) {
		t.Errorf("%q: no settling mark (settle %dms of %dms)", lr.Name, lr.SettleMS, last)
	}
}

// checkClusters checks a subject's clusters: class, count, creation site,
// attribution and the stack.
func checkClusters(t *testing.T, lr reporter.LeakReport, sec *node) {
	t.Helper()
	ds := sec.find("details.cluster")
	if len(ds) != len(lr.Clusters) {
		t.Errorf("%q: %d clusters shown, want %d", lr.Name, len(ds), len(lr.Clusters))
		return
	}
	for i, c := range lr.Clusters {
		d := ds[i]
		head := d.first("summary").norm()
		if !strings.Contains(head, string(c.Class)) || !strings.Contains(head, strconv.Itoa(c.Count)+" goroutine") {
			t.Errorf("%q cluster %d: summary %q lacks class %s and count %d", lr.Name, i+1, head, c.Class, c.Count)
		}
		facts := map[string]string{}
		var key string
		for _, n := range d.first("dl.facts").Children {
			switch n.Name {
			case "dt":
				key = n.norm()
			case "dd":
				facts[key] = n.norm()
			}
		}
		g := c.Representative
		if created := facts["Started by"]; !strings.Contains(created, g.CreatedBy.Func) {
			t.Errorf("%q cluster %d: started by %q, want %q", lr.Name, i+1, created, g.CreatedBy.Func)
		}
		attr := facts["Attributed to"]
		for _, want := range []string{string(c.Scope), lr.Name, c.Node, c.NodeLocation} {
			if !strings.Contains(attr, want) {
				t.Errorf("%q cluster %d: attribution %q lacks %q", lr.Name, i+1, attr, want)
			}
		}
		if diff := cmp.Diff(stackLines(g.Frames), stackText(d)); diff != "" {
			t.Errorf("%q cluster %d: stack (-want +got):\n%s", lr.Name, i+1, diff)
		}
	}
}
