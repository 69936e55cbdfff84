package htmlreport_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/leakfunnel/leakfunnel/funnel"
	"github.com/leakfunnel/leakfunnel/internal/htmlreport"
)

// hostile is text that breaks markup, scripts, styles and CDATA sections
// when not escaped.
const hostile = `<script>alert("x")</script>]]></style><!-- & &amp; ' " javascript:alert(1) </details>`

func TestRenderEscapesEverything(t *testing.T) {
	in := sampleInput(3, 2, 2, 5)
	s := &in.Summary
	s.Suite.Description = hostile
	s.Suite.Path = hostile
	s.Errors = []string{hostile}
	in.Problems = []string{hostile}
	in.Source = hostile
	for i := range s.Reports {
		lr := &s.Reports[i]
		lr.Name, lr.Location, lr.Text = hostile+" spec", hostile, hostile
		lr.Errors = []string{hostile}
		lr.Artifacts.Report = "/out/" + hostile + "/report.txt"
		for j := range lr.Clusters {
			c := &lr.Clusters[j]
			c.Node, c.NodeLocation = hostile, hostile
			c.Representative.Frames[0].Func = hostile
			c.Representative.Labels = map[string]string{hostile: hostile}
			c.Attribution.Labels = nil
			c.Key.State = hostile
		}
	}
	for i := range s.RootCauses {
		s.RootCauses[i].State = hostile
		for j := range s.RootCauses[i].Occurrences {
			s.RootCauses[i].Occurrences[j].Name = hostile + " spec"
			s.RootCauses[i].Occurrences[j].Location = hostile
		}
	}
	var buf bytes.Buffer
	if err := htmlreport.Render(&buf, in); err != nil {
		t.Fatal(err)
	}
	doc, err := parseHTML(buf.Bytes())
	if err != nil {
		t.Fatalf("not well-formed: %v", err)
	}
	if n := len(doc.find("script")); n != 1 {
		t.Errorf("%d script elements, want only the report's own", n)
	}
	if n := len(doc.find("style")); n != 1 {
		t.Errorf("%d style elements, want 1", n)
	}
	if got := doc.first("title").Text(); got != "leakfunnel: "+hostile {
		t.Errorf("title %q: text did not survive escaping", got)
	}
	for _, sec := range doc.find("section.subject") {
		h := sec.first("h3")
		if !strings.HasSuffix(h.Text(), hostile+" spec") {
			t.Errorf("subject heading %q", h.Text())
		}
	}
	for _, a := range doc.find("a") {
		if strings.HasPrefix(strings.ToLower(a.Attr["href"]), "javascript:") {
			t.Errorf("link %q", a.Attr["href"])
		}
	}
	if !strings.Contains(doc.first("details.cluster").first("pre.stack").Text(), hostile) {
		t.Error("frame function not shown verbatim")
	}
}

func TestRenderEmpty(t *testing.T) {
	var buf bytes.Buffer
	if err := htmlreport.Render(&buf, htmlreport.Input{}); err != nil {
		t.Fatal(err)
	}
	doc, err := parseHTML(buf.Bytes())
	if err != nil {
		t.Fatalf("not well-formed: %v", err)
	}
	if doc.byID("no-leaks") == nil {
		t.Error("an empty report does not say there are no leaks")
	}
	if len(doc.find("section.subject")) != 0 || len(doc.find("svg")) != 0 {
		t.Error("an empty report shows subjects or charts")
	}
}

func TestRenderDeterministic(t *testing.T) {
	in := sampleInput(20, 3, 7, 150)
	var a, b bytes.Buffer
	if err := htmlreport.Render(&a, in); err != nil {
		t.Fatal(err)
	}
	if err := htmlreport.Render(&b, in); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("two renders of one input differ")
	}
}

func TestRenderChartDownsamples(t *testing.T) {
	in := sampleInput(1, 1, 1, funnel.MaxSamples)
	var buf bytes.Buffer
	if err := htmlreport.Render(&buf, in); err != nil {
		t.Fatal(err)
	}
	doc, err := parseHTML(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	lines := doc.find("polyline.series")
	if len(lines) != 4 {
		t.Fatalf("%d series", len(lines))
	}
	for _, l := range lines {
		if n := len(strings.Fields(l.Attr["points"])); n > 162 || n < 2 {
			t.Errorf("%s: %d points for %d samples, want at most about 160", l.Attr["class"], n, funnel.MaxSamples)
		}
	}
	if got := doc.first("span.k-s-total").Text(); got != "goroutines: 20 → 30, peak 30" {
		t.Errorf("legend %q", got)
	}
}

type failingWriter struct{}

var errWrite = errors.New("disk full")

func (failingWriter) Write([]byte) (int, error) { return 0, errWrite }

func TestRenderWriteError(t *testing.T) {
	err := htmlreport.Render(failingWriter{}, sampleInput(2, 1, 1, 3))
	if !errors.Is(err, errWrite) {
		t.Errorf("Render = %v, want the writer's error", err)
	}
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "report.html")
	if err := os.WriteFile(out, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	in := sampleInput(2, 1, 1, 3)
	in.Summary.Reports[0].Artifacts.Report = filepath.Join(dir, "sub", "report.txt")
	if err := htmlreport.WriteFile(out, in); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(`href="sub/report.txt"`)) {
		t.Error("artifact link not relative to the report's folder")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("folder holds %d entries, want only report.html (temporary file left?)", len(entries))
	}
	if err := htmlreport.WriteFile(filepath.Join(dir, "missing", "r.html"), in); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("WriteFile into a missing folder = %v", err)
	}
}

// TestRenderChartEdges renders timelines that could produce NaN or
// infinite coordinates: one sample, all zeros, huge values, a settle time
// longer than the timeline.
func TestRenderChartEdges(t *testing.T) {
	for name, samples := range map[string][]funnel.Sample{
		"one sample": {{Metrics: funnel.Metrics{Goroutines: 3}}},
		"all zero":   {{}, {Offset: time.Millisecond}},
		"huge":       {{Metrics: funnel.Metrics{Goroutines: 1 << 40, HeapObjectBytes: 1 << 62}}, {Offset: time.Hour, Metrics: funnel.Metrics{Goroutines: 1<<40 + 1, StackBytes: 1 << 62}}},
		"same time":  {{Metrics: funnel.Metrics{Goroutines: 3}}, {Metrics: funnel.Metrics{Goroutines: 4}}},
	} {
		t.Run(name, func(t *testing.T) {
			in := sampleInput(1, 1, 1, 2)
			in.Timelines[in.Summary.Reports[0].Artifacts.Timeline] = samples
			in.Summary.Reports[0].SettleMS = 1 << 40
			var buf bytes.Buffer
			if err := htmlreport.Render(&buf, in); err != nil {
				t.Fatal(err)
			}
			doc, err := parseHTML(buf.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			svg := doc.first("svg.chart")
			if svg == nil {
				t.Fatal("no chart")
			}
			var b strings.Builder
			for _, n := range append(svg.all(func(*node) bool { return true }), svg) {
				for _, v := range n.Attr {
					b.WriteString(v + " ")
				}
			}
			if s := b.String(); strings.Contains(s, "NaN") || strings.Contains(s, "Inf") {
				t.Errorf("chart has NaN or Inf coordinates: %s", s)
			}
			if len(svg.find("polyline")) != 4 {
				t.Error("series missing")
			}
		})
	}
}

// TestRenderAxisLabels checks that axis labels are round numbers in one
// unit.
func TestRenderAxisLabels(t *testing.T) {
	in := sampleInput(1, 1, 1, 2)
	in.Timelines[in.Summary.Reports[0].Artifacts.Timeline] = []funnel.Sample{
		{Metrics: funnel.Metrics{Goroutines: 22, Waiting: 20, HeapObjectBytes: 1468006, StackBytes: 589824}},
		{Offset: 1037 * time.Millisecond, Metrics: funnel.Metrics{Goroutines: 25, Waiting: 23, HeapObjectBytes: 1572864, StackBytes: 655360}},
	}
	var buf bytes.Buffer
	if err := htmlreport.Render(&buf, in); err != nil {
		t.Fatal(err)
	}
	doc, err := parseHTML(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	label := func(class string) []string {
		var out []string
		for _, n := range doc.first("g." + class).find("text") {
			out = append(out, n.Text())
		}
		return out
	}
	want := map[string][]string{
		"left":   {"20", "21", "22", "23", "24", "25", "26"},
		"right":  {"0.4 MiB", "0.6 MiB", "0.8 MiB", "1.0 MiB", "1.2 MiB", "1.4 MiB", "1.6 MiB"},
		"bottom": {"0 ms", "200 ms", "400 ms", "600 ms", "800 ms", "1 s"},
	}
	for class, w := range want {
		if diff := cmp.Diff(w, label(class)); diff != "" {
			t.Errorf("%s axis labels (-want +got):\n%s", class, diff)
		}
	}
}

// Clusters whose representative carries an ancestor chain (a run with
// GODEBUG=tracebackancestors=N) show each ancestor's stack, with the same
// cap on frames as the goroutine's own stack.
func TestRenderAncestors(t *testing.T) {
	in := sampleInput(1, 1, 1, 10)
	lc := &in.Summary.Reports[0].Clusters[0]
	many := make([]funnel.Frame, 200)
	for i := range many {
		many[i] = funnel.Frame{Func: fmt.Sprintf("app.level%d", i), File: "/src/app/deep.go", Line: i + 1}
	}
	lc.Representative.Ancestors = []funnel.Ancestor{
		{ID: 41, Frames: []funnel.Frame{{Func: "app.startWorker", File: "/src/app/worker.go", Line: 12}}},
		{ID: 7, Frames: many, Elided: true},
	}
	var buf bytes.Buffer
	if err := htmlreport.Render(&buf, in); err != nil {
		t.Fatalf("Render with ancestors: %v", err)
	}
	doc, err := parseHTML(buf.Bytes())
	if err != nil {
		t.Fatalf("not well-formed: %v", err)
	}
	notes := doc.find("p.ancestor")
	if len(notes) != 2 {
		t.Fatalf("%d ancestor notes, want 2", len(notes))
	}
	for i, id := range []string{"41", "7"} {
		if !strings.Contains(notes[i].norm(), "goroutine "+id) {
			t.Errorf("ancestor note %d = %q, want goroutine %s", i, notes[i].norm(), id)
		}
	}
	text := doc.norm()
	for _, want := range []string{"app.startWorker", "app.level0", "more frames", "frames elided by the runtime"} {
		if !strings.Contains(text, want) {
			t.Errorf("report does not show %q", want)
		}
	}
	if strings.Contains(text, "app.level199") {
		t.Error("an ancestor's stack is not capped")
	}
}
