package htmlreport_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/leakfunnel/leakfunnel/funnel"
	"github.com/leakfunnel/leakfunnel/internal/htmlreport"
	"github.com/leakfunnel/leakfunnel/reporter"
)

// jsonFields lists the JSON names of a struct type's fields, following
// embedded structs as encoding/json does.
func jsonFields(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if f.Anonymous && name == "" {
			out = append(out, jsonFields(f.Type)...)
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, name+","+opts+":"+f.Type.Kind().String())
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// TestMirrorsReporterSchema checks that this package's summary types have
// exactly the JSON fields of the reporter's, so that no field is lost or
// misread when the reporter's schema grows.
func TestMirrorsReporterSchema(t *testing.T) {
	pairs := []struct{ ours, theirs any }{
		{htmlreport.Summary{}, reporter.Summary{}},
		{htmlreport.SuiteInfo{}, reporter.SuiteInfo{}},
		{htmlreport.Totals{}, reporter.Totals{}},
		{htmlreport.RootCause{}, reporter.RootCause{}},
		{htmlreport.Occurrence{}, reporter.Occurrence{}},
		{htmlreport.LeakReport{}, reporter.LeakReport{}},
		{htmlreport.LeakCluster{}, reporter.LeakCluster{}},
		{htmlreport.Artifacts{}, reporter.Artifacts{}},
		{htmlreport.Outputs{}, reporter.Outputs{}},
	}
	for _, p := range pairs {
		ours, theirs := reflect.TypeOf(p.ours), reflect.TypeOf(p.theirs)
		if diff := cmp.Diff(jsonFields(theirs), jsonFields(ours)); diff != "" {
			t.Errorf("htmlreport.%s differs from reporter.%s in JSON fields (-reporter +htmlreport):\n%s", ours.Name(), theirs.Name(), diff)
		}
	}
	if htmlreport.SummaryVersion != reporter.SummaryVersion {
		t.Errorf("SummaryVersion %d, reporter writes %d", htmlreport.SummaryVersion, reporter.SummaryVersion)
	}
	for _, s := range []struct{ ours, theirs string }{
		{string(htmlreport.ScopeSpec), string(reporter.ScopeSpec)},
		{string(htmlreport.ScopeContainer), string(reporter.ScopeContainer)},
		{string(htmlreport.ScopeSuite), string(reporter.ScopeSuite)},
	} {
		if s.ours != s.theirs {
			t.Errorf("scope %q, reporter writes %q", s.ours, s.theirs)
		}
	}
}

// TestSummaryRoundTrip decodes a summary the reporter's types encoded and
// encodes it again: nothing may be lost.
func TestSummaryRoundTrip(t *testing.T) {
	g := funnel.Goroutine{
		ID: 42, State: "chan receive", Class: funnel.ClassBlocked, Labels: map[string]string{"k": "v"},
		Frames:    []funnel.Frame{{Func: "pkg.worker", File: "/src/pkg/w.go", Line: 12}},
		CreatedBy: funnel.Frame{Func: "pkg.Start", File: "/src/pkg/w.go", Line: 7}, CreatorID: 9,
		Ancestors: []funnel.Ancestor{{ID: 9, Frames: []funnel.Frame{{Func: "pkg.Start", File: "/src/pkg/w.go", Line: 7}}}},
	}
	c := funnel.Cluster{Key: funnel.ClusterKeyOf(&g), Count: 1, IDs: []uint64{42}, Representative: g, Class: funnel.ClassBlocked,
		Attribution: funnel.Attribution{CreatedBy: g.CreatedBy, CreatorID: 9, Labels: map[string]string{"k": "v"}}}
	art := reporter.Artifacts{Dir: "/a/s", Baseline: "/a/s/baseline.pb.gz", Final: "/a/s/final.pb.gz", Timeline: "/a/s/timeline.csv", Clusters: "/a/s/clusters.json", Report: "/a/s/report.txt"}
	in := reporter.Summary{
		Version: reporter.SummaryVersion,
		Suite:   reporter.SuiteInfo{Description: "d", Path: "/p", Start: time.Unix(100, 0).UTC(), End: time.Unix(101, 0).UTC(), Processes: 2, Succeeded: true},
		Totals:  reporter.Totals{Specs: 3, Checked: 2, Leaking: 1, Failed: 1, Goroutines: 1, Proven: 1, Clusters: 1, RootCauses: 1},
		RootCauses: []reporter.RootCause{{Key: c.Key, Class: c.Class, State: g.State, Top: g.Frames[0], CreatedBy: g.CreatedBy, Goroutines: 1, Proven: 1, Representative: g,
			Occurrences: []reporter.Occurrence{{Scope: reporter.ScopeSpec, Name: "n", Location: "/l:1", Process: 1, Node: "It", NodeLocation: "/l:2", Count: 1, Proven: 1, Failed: true, Artifacts: art}}}},
		Reports: []reporter.LeakReport{{Scope: reporter.ScopeSpec, Name: "n", Location: "/l:1", Process: 1, Mode: reporter.ModeFail, Failed: true, SpecState: "passed",
			Leaked: 1, Proven: 1, ProofUsed: true, ClustersDropped: 2, GoroutinesBefore: 3, GoroutinesAfter: 4, BlockedRatio: 0.5, SettleMS: 7, TimedOut: true, Labelled: true,
			Clusters:  []reporter.LeakCluster{{Cluster: c, Scope: reporter.ScopeSpec, Node: "It", NodeLocation: "/l:2", AttributedBy: "labels"}},
			Artifacts: art, Text: "t", Errors: []string{"e"}}},
		Outputs: reporter.Outputs{JUnit: "/a/leaks.xml", Artifacts: "/a", Summary: "/a/summary.json"},
		Errors:  []string{"x"},
	}
	data, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	s, err := htmlreport.DecodeSummary(strings.NewReader(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	again, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var want, got any
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(again, &got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("summary changed in a round trip (-reporter +htmlreport):\n%s", diff)
	}
}

func TestDecodeSummaryErrors(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"empty", "", "decode summary: EOF"},
		{"not JSON", "<html>", "decode summary: invalid character '<'"},
		{"array", "[]", "cannot unmarshal array"},
		{"no version", "{}", "version 0, want 1"},
		{"future version", `{"version": 2}`, "version 2, want 1"},
		{"trailing", `{"version": 1} {}`, "trailing data"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := htmlreport.DecodeSummary(strings.NewReader(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("DecodeSummary(%q) = %v, want an error containing %q", tc.in, err, tc.want)
			}
		})
	}
}

func TestReadTimeline(t *testing.T) {
	t.Run("reporter columns", func(t *testing.T) {
		in := "offset_ms,goroutines,waiting,runnable,running,not_in_go,created,heap_object_bytes,stack_bytes,mcache_inuse_bytes,gc_cycles,finalizers_queued,finalizers_executed,cleanups_queued,cleanups_executed\n" +
			"0.000,22,20,0,1,1,107,1253720,524288,4592,4,1,2,3,4\n" +
			"10.651,25,23,1,1,0,114,1253721,589824,4593,5,6,7,8,9\n"
		got, err := htmlreport.ReadTimeline(strings.NewReader(in))
		if err != nil {
			t.Fatal(err)
		}
		want := []funnel.Sample{
			{Offset: 0, Metrics: funnel.Metrics{Goroutines: 22, Waiting: 20, Running: 1, NotInGo: 1, Created: 107, HeapObjectBytes: 1253720, StackBytes: 524288, MCacheInUseBytes: 4592, GCCycles: 4, FinalizersQueued: 1, FinalizersExecuted: 2, CleanupsQueued: 3, CleanupsExecuted: 4}},
			{Offset: 10651 * time.Microsecond, Metrics: funnel.Metrics{Goroutines: 25, Waiting: 23, Runnable: 1, Running: 1, Created: 114, HeapObjectBytes: 1253721, StackBytes: 589824, MCacheInUseBytes: 4593, GCCycles: 5, FinalizersQueued: 6, FinalizersExecuted: 7, CleanupsQueued: 8, CleanupsExecuted: 9}},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	t.Run("columns by name", func(t *testing.T) {
		got, err := htmlreport.ReadTimeline(strings.NewReader("future,goroutines,offset_ms\nx,3,1.5\n"))
		if err != nil {
			t.Fatal(err)
		}
		want := []funnel.Sample{{Offset: 1500 * time.Microsecond, Metrics: funnel.Metrics{Goroutines: 3}}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	for _, tc := range []struct{ name, in, want string }{
		{"empty", "", "empty timeline"},
		{"no goroutines column", "offset_ms,waiting\n1,2\n", `no "goroutines" column`},
		{"bad offset", "offset_ms,goroutines\n1,2\nabc,3\n", `line 3: offset_ms "abc"`},
		{"negative offset", "offset_ms,goroutines\n-1,2\n", `line 2: offset_ms "-1"`},
		{"bad count", "offset_ms,goroutines\n1,-2\n", `line 2: goroutines "-2" is not a count`},
		{"short row", "offset_ms,goroutines\n1\n", "line 2: record on line 2: wrong number of fields"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := htmlreport.ReadTimeline(strings.NewReader(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ReadTimeline = %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

// writeFixture writes a small artifacts folder: a summary with one leaking
// spec and its timeline, with paths recorded under recorded (which need not
// exist), into dir.
func writeFixture(t *testing.T, dir, recorded string, timeline string) htmlreport.Summary {
	t.Helper()
	sub := "p1-spec-x-00000000"
	if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
		t.Fatal(err)
	}
	if timeline != "" {
		if err := os.WriteFile(filepath.Join(dir, sub, "timeline.csv"), []byte(timeline), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s := sampleSummary(1, 1, 1)
	s.Outputs = htmlreport.Outputs{Artifacts: recorded, Summary: filepath.Join(recorded, "summary.json")}
	s.Reports[0].Artifacts = htmlreport.Artifacts{Dir: filepath.Join(recorded, sub), Timeline: filepath.Join(recorded, sub, "timeline.csv")}
	data, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "summary.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	return s
}

const smallTimeline = "offset_ms,goroutines,waiting,heap_object_bytes,stack_bytes\n0,10,8,1000,2000\n5,12,10,1100,2100\n10,12,10,1200,2100\n"

func TestLoad(t *testing.T) {
	t.Run("folder or file", func(t *testing.T) {
		dir := t.TempDir()
		writeFixture(t, dir, dir, smallTimeline)
		for _, p := range []string{dir, filepath.Join(dir, "summary.json")} {
			in, err := htmlreport.Load(p)
			if err != nil {
				t.Fatal(err)
			}
			if len(in.Problems) > 0 || len(in.Timelines) != 1 {
				t.Errorf("Load(%s): problems %q, %d timelines", p, in.Problems, len(in.Timelines))
			}
			if in.Source != filepath.Join(dir, "summary.json") {
				t.Errorf("Source %q", in.Source)
			}
		}
	})
	t.Run("moved folder", func(t *testing.T) {
		dir := t.TempDir()
		writeFixture(t, dir, "/ci/workspace/leakfunnel-report", smallTimeline)
		in, err := htmlreport.Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		want := filepath.Join(dir, "p1-spec-x-00000000", "timeline.csv")
		if got := in.Summary.Reports[0].Artifacts.Timeline; got != want {
			t.Errorf("timeline path %q, want %q (rebased)", got, want)
		}
		if len(in.Timelines[want]) != 3 || len(in.Problems) > 0 {
			t.Errorf("timeline not read: %d samples, problems %q", len(in.Timelines[want]), in.Problems)
		}
		if in.Summary.Outputs.Artifacts != dir {
			t.Errorf("artifacts folder %q, want %q", in.Summary.Outputs.Artifacts, dir)
		}
	})
	t.Run("unreadable timeline is a problem, not an error", func(t *testing.T) {
		dir := t.TempDir()
		writeFixture(t, dir, dir, "offset_ms\n1\n")
		in, err := htmlreport.Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(in.Problems) != 1 || !strings.Contains(in.Problems[0], `no "goroutines" column`) {
			t.Errorf("problems %q", in.Problems)
		}
	})
	t.Run("errors", func(t *testing.T) {
		empty := t.TempDir()
		if _, err := htmlreport.Load(empty); !errors.Is(err, htmlreport.ErrNoSummary) {
			t.Errorf("Load(empty folder) = %v, want ErrNoSummary", err)
		}
		if _, err := htmlreport.Load(filepath.Join(empty, "missing.json")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("Load(missing) = %v, want ErrNotExist", err)
		}
		bad := filepath.Join(empty, "bad.json")
		if err := os.WriteFile(bad, []byte("not json"), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := htmlreport.Load(bad); err == nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("Load(bad) = %v, want an error naming the file", err)
		}
	})
}
