package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/pprof/profile"

	"github.com/leakfunnel/leakfunnel/funnel"
	"github.com/leakfunnel/leakfunnel/internal/leaktest"
	"github.com/leakfunnel/leakfunnel/reporter"
)

// leakfunnel runs the command in-process and returns its exit code and
// output.
func leakfunnel(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func writeProfile(t *testing.T, path string, s *funnel.Snapshot, opts ...funnel.ProfileOption) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := funnel.WriteProfile(f, s, opts...); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// leakProfiles writes a baseline and a current profile between which three
// goroutines blocked in a channel receive were started.
func leakProfiles(t *testing.T) (base, cur string, fx *leaktest.Fixture) {
	t.Helper()
	// Labels appear in stack dumps with tracebacklabels (see
	// funnel.EnableTraceLabels); set for this test only.
	t.Setenv("GODEBUG", "tracebacklabels=1")
	dir := t.TempDir()
	b := funnel.Capture()
	fx = leaktest.MustStart(t, leaktest.ChanRecv, 3, "team", "payments")
	c := funnel.Capture()
	base, cur = filepath.Join(dir, "baseline.pb.gz"), filepath.Join(dir, "final.pb.gz")
	writeProfile(t, base, b)
	writeProfile(t, cur, c)
	return base, cur, fx
}

func TestDiff(t *testing.T) {
	base, cur, fx := leakProfiles(t)
	code, out, errOut := leakfunnel(t, "diff", base, cur)
	if code != exitLeaks {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitLeaks, errOut)
	}
	for _, want := range []string{
		"leakfunnel: 3 goroutines leaked in 1 cluster (proof not used)\n",
		"[1] 3 goroutines, blocked (chan receive)\n",
		"waits in:   " + fx.Func + " at leaktest/leaktest.go:",
		`labels:     team="payments"`,
		"3 new goroutines (0 ignored by filters), 0 gone\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	t.Run("artifacts folder", func(t *testing.T) {
		code, out2, _ := leakfunnel(t, "diff", filepath.Dir(base))
		if code != exitLeaks || !strings.HasPrefix(out2, "leakfunnel: 3 goroutines leaked") {
			t.Errorf("exit %d:\n%s", code, out2)
		}
	})
	t.Run("no leaks", func(t *testing.T) {
		code, out, _ := leakfunnel(t, "diff", cur, cur)
		if code != exitOK || !strings.HasPrefix(out, "leakfunnel: 0 goroutines leaked in 0 clusters") {
			t.Errorf("exit %d:\n%s", code, out)
		}
	})
	t.Run("flags after arguments", func(t *testing.T) {
		code, out, errOut := leakfunnel(t, "diff", base, cur, "-full-paths", "-max-frames", "1")
		if code != exitLeaks {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		if !strings.Contains(out, "/internal/leaktest/leaktest.go:") || strings.Contains(out, "more frames") == false {
			t.Errorf("flags not applied:\n%s", out)
		}
	})
}

// TestProfileRoundTrip checks that a snapshot read back from its profile
// has the goroutines it was written with: IDs, states, classes, frames,
// creators and labels (the profile carries no creation site line, creator
// ID or ancestors).
func TestProfileRoundTrip(t *testing.T) {
	t.Setenv("GODEBUG", "tracebacklabels=1")
	leaktest.MustStart(t, leaktest.Mutex, 2, "k", "v")
	snap := funnel.Capture()
	var buf bytes.Buffer
	if err := funnel.WriteProfile(&buf, snap); err != nil {
		t.Fatal(err)
	}
	p, err := profile.Parse(&buf)
	if err != nil {
		t.Fatal(err)
	}
	got, err := snapshotOf(p)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]funnel.Goroutine, len(snap.Goroutines))
	for i, g := range snap.Goroutines {
		want[i] = funnel.Goroutine{ID: g.ID, State: g.State, Class: funnel.Classify(&g), Frames: g.Frames,
			CreatedBy: funnel.Frame{Func: g.CreatedBy.Func}, Labels: g.Labels}
	}
	if diff := cmp.Diff(want, got.Goroutines); diff != "" {
		t.Errorf("goroutines after a round trip (-want +got):\n%s", diff)
	}
	if !got.Time.Equal(snap.Time) {
		t.Errorf("time %v, want %v", got.Time, snap.Time)
	}
}

func TestDiffBadInput(t *testing.T) {
	dir := t.TempDir()
	base, _, _ := leakProfiles(t)
	garbage := filepath.Join(dir, "garbage.pb.gz")
	if err := os.WriteFile(garbage, []byte("this is not a profile"), 0o644); err != nil {
		t.Fatal(err)
	}
	cpu := filepath.Join(dir, "cpu.pb.gz")
	ct := &profile.ValueType{Type: "cpu", Unit: "nanoseconds"}
	cp := &profile.Profile{SampleType: []*profile.ValueType{ct}, PeriodType: ct, Period: 1}
	var cbuf bytes.Buffer
	if err := cp.Write(&cbuf); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cpu, cbuf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	// The runtime's own goroutine profile: right sample type, but one
	// sample per stack with a count, and no goroutine IDs.
	runtimeProf := filepath.Join(dir, "goroutine.pb.gz")
	var rbuf bytes.Buffer
	if err := pprof.Lookup("goroutine").WriteTo(&rbuf, 0); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(runtimeProf, rbuf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	emptyGz := filepath.Join(dir, "empty.pb.gz")
	var ebuf bytes.Buffer
	zw := gzip.NewWriter(&ebuf)
	zw.Close()
	if err := os.WriteFile(emptyGz, ebuf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"missing file", []string{"diff", filepath.Join(dir, "nope.pb.gz"), base}, exitFailure, "leakfunnel diff: baseline: open " + filepath.Join(dir, "nope.pb.gz") + ": no such file or directory"},
		{"not a profile", []string{"diff", base, garbage}, exitFailure, "leakfunnel diff: current: " + garbage + ": not a pprof profile: "},
		{"empty gzip", []string{"diff", emptyGz, base}, exitFailure, "not a pprof profile"},
		{"cpu profile", []string{"diff", base, cpu}, exitFailure, `not a leakfunnel goroutine profile: sample type "cpu/nanoseconds", want goroutine/count`},
		{"runtime goroutine profile", []string{"diff", runtimeProf, base}, exitFailure, `not a leakfunnel goroutine profile: sample 1 has no "goroutine" label with the goroutine ID`},
		{"folder without profiles", []string{"diff", dir}, exitFailure, "baseline: open " + filepath.Join(dir, "baseline.pb.gz")},
		{"one file", []string{"diff", base}, exitUsage, "one argument must be a subject's artifacts folder"},
		{"three files", []string{"diff", base, base, base}, exitUsage, "got 3 arguments"},
		{"bad flag", []string{"diff", "-nope", base, base}, exitUsage, "flag provided but not defined: -nope"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := leakfunnel(t, tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d", code, tc.code)
			}
			if !strings.Contains(errOut, tc.want) {
				t.Errorf("stderr lacks %q:\n%s", tc.want, errOut)
			}
			if out != "" {
				t.Errorf("stdout not empty on error:\n%s", out)
			}
		})
	}
}

// writeSummary writes an artifacts folder with one leaking spec.
func writeSummary(t *testing.T, dir string) {
	t.Helper()
	sub := filepath.Join(dir, "p1-spec-leaks-00000001")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	tl := filepath.Join(sub, "timeline.csv")
	if err := os.WriteFile(tl, []byte("offset_ms,goroutines,waiting,heap_object_bytes,stack_bytes\n0,10,8,1000,2000\n10,13,11,1500,2600\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	g := funnel.Goroutine{ID: 7, State: "chan receive", Class: funnel.ClassBlocked,
		Frames: []funnel.Frame{{Func: "app.worker", File: "/src/app/w.go", Line: 9}}, CreatedBy: funnel.Frame{Func: "app.Start", File: "/src/app/w.go", Line: 3}}
	c := funnel.Cluster{Key: funnel.ClusterKeyOf(&g), Count: 1, IDs: []uint64{7}, Representative: g, Class: g.Class}
	s := reporter.Summary{
		Version: reporter.SummaryVersion,
		Suite:   reporter.SuiteInfo{Description: "cmd test suite", Processes: 1},
		Totals:  reporter.Totals{Specs: 2, Checked: 2, Leaking: 1, Goroutines: 1, Clusters: 1, RootCauses: 1},
		RootCauses: []reporter.RootCause{{Key: c.Key, Class: c.Class, State: g.State, Top: g.Frames[0], CreatedBy: g.CreatedBy, Goroutines: 1, Representative: g,
			Occurrences: []reporter.Occurrence{{Scope: reporter.ScopeSpec, Name: "app leaks", Location: "/src/app/app_test.go:5", Process: 1, Count: 1}}}},
		Reports: []reporter.LeakReport{{Scope: reporter.ScopeSpec, Name: "app leaks", Location: "/src/app/app_test.go:5", Process: 1, Mode: reporter.ModeFail,
			Leaked: 1, Clusters: []reporter.LeakCluster{{Cluster: c, Scope: reporter.ScopeSpec, AttributedBy: "creator"}},
			Artifacts: reporter.Artifacts{Dir: sub, Timeline: tl}}},
		Outputs: reporter.Outputs{Artifacts: dir, Summary: filepath.Join(dir, "summary.json")},
	}
	data, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "summary.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestReport(t *testing.T) {
	dir := t.TempDir()
	writeSummary(t, dir)

	t.Run("default output", func(t *testing.T) {
		code, out, errOut := leakfunnel(t, "report", dir)
		want := filepath.Join(dir, "report.html")
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		if !strings.Contains(out, "report written to "+want+"\n") {
			t.Errorf("output does not give the report's path %s:\n%s", want, out)
		}
		data, err := os.ReadFile(want)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(data, []byte("<!DOCTYPE html>")) || !bytes.Contains(data, []byte("app leaks")) || !bytes.Contains(data, []byte(`<svg class="chart"`)) {
			t.Error("report.html lacks the doctype, the subject or its chart")
		}
	})
	t.Run("-o after the argument", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "x.html")
		code, stdout, errOut := leakfunnel(t, "report", filepath.Join(dir, "summary.json"), "-o", out)
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		if _, err := os.Stat(out); err != nil || !strings.Contains(stdout, out) {
			t.Errorf("report not at %s (%v):\n%s", out, err, stdout)
		}
	})
	t.Run("quiet", func(t *testing.T) {
		code, stdout, _ := leakfunnel(t, "report", "-q", "-o", filepath.Join(t.TempDir(), "q.html"), dir)
		if code != exitOK || stdout != "" {
			t.Errorf("exit %d, output %q", code, stdout)
		}
	})

	empty := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"missing input", []string{"report", filepath.Join(empty, "nope")}, exitFailure, "no such file or directory"},
		{"folder without summary", []string{"report", empty}, exitFailure, "no summary.json in folder (is it a leakfunnel artifacts folder?)"},
		{"output folder missing", []string{"report", dir, "-o", filepath.Join(empty, "no", "r.html")}, exitFailure, "write report " + filepath.Join(empty, "no", "r.html")},
		{"output is a folder", []string{"report", dir, "-o", empty}, exitFailure, "is a folder; give a file name with -o"},
		{"no argument", []string{"report"}, exitUsage, "got 0 arguments"},
		{"two arguments", []string{"report", dir, dir}, exitUsage, "got 2 arguments"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := leakfunnel(t, tc.args...)
			if code != tc.code || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d (want %d), stderr lacks %q:\n%s", code, tc.code, tc.want, errOut)
			}
		})
	}
}

func TestUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		out  string // in stdout, or in stderr when the code is not 0
	}{
		{nil, exitUsage, "Usage:\n  leakfunnel report"},
		{[]string{"frobnicate"}, exitUsage, `unknown command "frobnicate"`},
		{[]string{"help"}, exitOK, "Exit codes: 0 success"},
		{[]string{"help", "report"}, exitOK, "-o path"},
		{[]string{"help", "diff"}, exitOK, "-max-clusters n"},
		{[]string{"help", "nope"}, exitUsage, `unknown command "nope"`},
		{[]string{"report", "-h"}, exitOK, ""},
	} {
		code, out, errOut := leakfunnel(t, tc.args...)
		text := out
		if code != exitOK {
			text = errOut
		}
		if code != tc.code || !strings.Contains(text, tc.out) {
			t.Errorf("leakfunnel %q: exit %d (want %d), output lacks %q:\n%s%s", tc.args, code, tc.code, tc.out, out, errOut)
		}
	}
}
