package htmlreport_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"html"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/leakfunnel/leakfunnel/internal/htmlreport"
)

var screenshotOut = flag.String("screenshot", "", "also copy the browser test's screenshot of the example suite's report to this `file`")

// chromium returns the path of Debian's chromium. Without it the test is
// skipped, unless the environment variable CI is set: CI installs it
// (.ci/run), so there a missing browser is a failure.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed, and CI is set: install Debian's chromium package (apt-get install -y chromium)")
	}
	t.Skip("skipping the browser test: chromium is not installed (apt-get install -y chromium); with CI set this is a failure")
	return ""
}

// runChromium runs headless chromium on a local file with extra flags and
// returns its standard output.
func runChromium(t *testing.T, bin, file string, extra ...string) []byte {
	t.Helper()
	profile := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	args := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--user-data-dir=" + profile}
	args = append(args, extra...)
	args = append(args, "file://"+file)
	cmd := exec.CommandContext(ctx, bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %s: %v\n%s", strings.Join(extra, " "), err, stderr.String())
	}
	return stdout.Bytes()
}

// inject copies the report with a test script added: at the end of the
// body (probe) or at the start of the head (early), writing its findings as
// JSON into <pre id="test-results">.
func inject(t *testing.T, report []byte, probe string, early bool) string {
	t.Helper()
	script := "<script>/*<![CDATA[*/\n" + probe + "\n/*]]>*/</script>"
	var out []byte
	if early {
		out = bytes.Replace(report, []byte("<head>"), []byte("<head>"+script), 1)
		out = bytes.Replace(out, []byte("</body>"), []byte(`<pre id="test-results"></pre></body>`), 1)
	} else {
		out = bytes.Replace(report, []byte("</body>"), []byte(`<pre id="test-results"></pre>`+script+"</body>"), 1)
	}
	p := filepath.Join(t.TempDir(), "probe.html")
	if err := os.WriteFile(p, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

var resultsRE = regexp.MustCompile(`(?s)<pre id="test-results">(.*?)</pre>`)

func results(t *testing.T, dom []byte, v any) {
	t.Helper()
	m := resultsRE.FindSubmatch(dom)
	if m == nil || len(m[1]) == 0 {
		t.Fatalf("the test script wrote no results; DOM:\n%.2000s", dom)
	}
	if err := json.Unmarshal([]byte(html.UnescapeString(string(m[1]))), v); err != nil {
		t.Fatalf("results %q: %v", m[1], err)
	}
}

// chartProbe measures every chart and its series, then opens the first
// cluster and measures its stack before and after.
const chartProbe = `
window.addEventListener("load", function () {
  var out = {charts: [], series: [], closedStack: null, openStack: null, stackText: ""};
  document.querySelectorAll("svg.chart").forEach(function (s) {
    var r = s.getBoundingClientRect();
    out.charts.push({w: r.width, h: r.height});
  });
  document.querySelectorAll("svg.chart polyline").forEach(function (p) {
    var b = p.getBBox();
    out.series.push({w: b.width, h: b.height, cls: p.getAttribute("class")});
  });
  var d = document.querySelector("details.cluster");
  var st = d.querySelector("pre.stack");
  out.closedStack = {h: st.getBoundingClientRect().height, visible: st.checkVisibility()};
  d.open = true;
  var r = st.getBoundingClientRect();
  out.openStack = {w: r.width, h: r.height, visible: st.checkVisibility()};
  out.stackText = st.textContent;
  out.clusterID = d.id;
  document.getElementById("test-results").textContent = JSON.stringify(out);
});`

type box struct {
	W, H    float64
	Cls     string
	Visible bool
}

func TestBrowserRealRun(t *testing.T) {
	bin := chromium(t)
	out, data, doc := renderRun(t)
	_ = out
	var got struct {
		Charts      []box
		Series      []box
		ClosedStack box
		OpenStack   box
		StackText   string
		ClusterID   string
	}
	probe := inject(t, data, chartProbe, false)
	dom := runChromium(t, bin, probe, "--window-size=1280,4000", "--virtual-time-budget=5000", "--dump-dom")
	results(t, dom, &got)

	if want := len(doc.find("svg.chart")); len(got.Charts) != want || want == 0 {
		t.Errorf("browser saw %d charts, the file has %d", len(got.Charts), want)
	}
	for i, c := range got.Charts {
		if c.W < 300 || c.H < 100 {
			t.Errorf("chart %d rendered %gx%g, want a visible chart", i, c.W, c.H)
		}
	}
	for i, s := range got.Series {
		if s.W <= 0 {
			t.Errorf("series %d (%s) has zero width", i, s.Cls)
		}
	}
	if got.ClosedStack.Visible {
		t.Errorf("a closed cluster shows its stack: %+v", got.ClosedStack)
	}
	if !got.OpenStack.Visible || got.OpenStack.H <= 0 || got.OpenStack.W <= 0 {
		t.Errorf("an opened cluster does not show its stack: %+v", got.OpenStack)
	}
	// The stack shown is the cluster's first frame.
	first := stackText(doc.byID(got.ClusterID))[0]
	if !strings.Contains(got.StackText, first) {
		t.Errorf("opened stack reads %q, want it to show %q", got.StackText, first)
	}

	// Screenshot, with the first cluster opened by the probe; a tall window
	// holds the whole report.
	dir := t.TempDir()
	shot := filepath.Join(dir, "report.png")
	runChromium(t, bin, probe, "--window-size=1280,3000", "--virtual-time-budget=5000", "--hide-scrollbars", "--screenshot="+shot)
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	b := img.Bounds()
	inked := 0
	for y := b.Min.Y; y < b.Max.Y; y += 4 {
		for x := b.Min.X; x < b.Max.X; x += 4 {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r < 0xe000 || g < 0xe000 || bl < 0xe000 {
				inked++
			}
		}
	}
	if total := (b.Dx() / 4) * (b.Dy() / 4); inked < total/100 {
		t.Errorf("screenshot is nearly blank: %d of %d sampled pixels have ink", inked, total)
	}
	if *screenshotOut != "" {
		data, err := os.ReadFile(shot)
		if err == nil {
			err = os.WriteFile(*screenshotOut, data, 0o644)
		}
		if err != nil {
			t.Error(err)
		}
	}
}

// loadProbe records how long the page took to parse and lay out and how
// long the interactive parts take on it, with the long tasks seen.
const loadProbe = `
var longTasks = [];
try {
  new PerformanceObserver(function (l) { l.getEntries().forEach(function (e) { longTasks.push(Math.round(e.duration)); }); })
    .observe({type: "longtask", buffered: true});
} catch (e) {}
window.addEventListener("load", function () {
  var nav = performance.getEntriesByType("navigation")[0];
  var out = {domInteractive: nav.domInteractive, domContentLoaded: nav.domContentLoadedEventEnd, load: nav.loadEventStart};
  var fcp = performance.getEntriesByName("first-contentful-paint")[0];
  out.firstContentfulPaint = fcp ? fcp.startTime : -1;
  out.elements = document.getElementsByTagName("*").length;
  var t0 = performance.now();
  document.querySelector("#specs button[data-sort=name]").click();
  document.body.offsetHeight;
  out.sortMs = performance.now() - t0;
  t0 = performance.now();
  document.querySelector("button[data-toggle=open]").click();
  document.body.offsetHeight;
  out.expandAllMs = performance.now() - t0;
  t0 = performance.now();
  document.querySelector("button[data-toggle=close]").click();
  document.body.offsetHeight;
  out.collapseAllMs = performance.now() - t0;
  t0 = performance.now();
  location.hash = "#subject-400";
  document.getElementById("subject-400").getBoundingClientRect();
  out.jumpMs = performance.now() - t0;
  out.longTasks = longTasks;
  document.getElementById("test-results").textContent = JSON.stringify(out);
});`

// TestLargeSuite renders a suite of 5,000 specs of which 500 leak (450
// specs, 49 containers, the suite; two clusters each, 120-sample
// timelines) and loads it in headless Chromium, logging the file size and
// the load figures. Run with -v to see them.
func TestLargeSuite(t *testing.T) {
	in := sampleInput(500, 2, 60, 120)
	if in.Summary.Totals.Specs != 5000 {
		t.Fatalf("fixture has %d specs", in.Summary.Totals.Specs)
	}
	var buf bytes.Buffer
	start := time.Now()
	if err := htmlreport.Render(&buf, in); err != nil {
		t.Fatal(err)
	}
	renderTime := time.Since(start)
	size := buf.Len()
	t.Logf("5,000 specs, 500 leaking: %d bytes (%.2f MiB), rendered in %s", size, float64(size)/(1<<20), renderTime.Round(time.Millisecond))
	const maxSize = 5 << 20
	if size > maxSize {
		t.Errorf("report is %d bytes, want at most %d", size, maxSize)
	}
	doc, err := parseHTML(buf.Bytes())
	if err != nil {
		t.Fatalf("not well-formed: %v", err)
	}
	for id, want := range map[string]int{"specs": 450, "containers": 49, "suite": 1} {
		if got := len(doc.byID(id).first("tbody").find("tr")); got != want {
			t.Errorf("#%s: %d rows, want %d", id, got, want)
		}
	}
	if got := len(doc.find("svg.chart")); got != 500 {
		t.Errorf("%d charts, want 500", got)
	}

	bin := chromium(t)
	probe := inject(t, buf.Bytes(), loadProbe, true)
	var got struct {
		DomInteractive, DomContentLoaded, Load, FirstContentfulPaint float64
		Elements                                                     int
		SortMs, ExpandAllMs, CollapseAllMs, JumpMs                   float64
		LongTasks                                                    []float64
	}
	dom := runChromium(t, bin, probe, "--window-size=1280,900", "--dump-dom")
	results(t, dom, &got)
	t.Logf("headless Chromium: DOM interactive %.0f ms, DOMContentLoaded %.0f ms, load %.0f ms, first contentful paint %.0f ms; %d elements",
		got.DomInteractive, got.DomContentLoaded, got.Load, got.FirstContentfulPaint, got.Elements)
	t.Logf("sort 450 rows %.0f ms, expand all %.0f ms, collapse all %.0f ms, jump to a subject %.0f ms; long tasks (ms) %v",
		got.SortMs, got.ExpandAllMs, got.CollapseAllMs, got.JumpMs, got.LongTasks)
	// Generous bounds for a shared 2-core CI machine; the figures logged
	// above are what to look at.
	if got.Load > 20000 {
		t.Errorf("load took %.0f ms", got.Load)
	}
	if got.SortMs > 5000 {
		t.Errorf("sorting took %.0f ms", got.SortMs)
	}
}
