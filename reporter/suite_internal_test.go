package reporter

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/go-cmp/cmp"

	g "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	. "github.com/onsi/gomega"

	"github.com/leakfunnel/leakfunnel/funnel"
)

// These specs run in the reporter's Ginkgo suite (reporter_suite_test.go)
// and test the pure functions behind ReportAfterSuite with hand-built
// reports.

// leakyCluster builds a cluster of n goroutines parked in fn.
func leakyCluster(fn string, n int) funnel.Cluster {
	g := funnel.Goroutine{
		ID:        100,
		State:     "chan receive",
		Frames:    []funnel.Frame{{Func: fn, File: "/src/pool.go", Line: 88}},
		CreatedBy: funnel.Frame{Func: "example.com/pool.New", File: "/src/pool.go", Line: 42},
		Class:     funnel.ClassBlocked,
	}
	return funnel.Cluster{
		Key:            funnel.ClusterKeyOf(&g),
		Count:          n,
		IDs:            []uint64{100},
		Representative: g,
		Class:          funnel.ClassBlocked,
	}
}

// leakReport builds the report of a spec that leaked the clusters.
func leakReport(name string, clusters ...funnel.Cluster) LeakReport {
	lr := LeakReport{Scope: ScopeSpec, Name: name, Location: "/src/pool_test.go:31", Process: 1, Mode: ModeFail}
	for _, c := range clusters {
		lr.Leaked += c.Count
		lr.Clusters = append(lr.Clusters, LeakCluster{Cluster: c, Scope: ScopeSpec, Node: "It", AttributedBy: "labels"})
	}
	if lr.Leaked > 0 {
		lr.Failed = true
		lr.Text = "leakfunnel: leaked in " + name + "\n"
	}
	return lr
}

// entryAsFromAnotherProcess wraps a report the way ReportAfterSuite sees
// entries of another parallel process: decoded from JSON.
func entryAsFromAnotherProcess(lr LeakReport) types.ReportEntry {
	data, err := json.Marshal(types.ReportEntry{Name: EntryName, Value: types.WrapEntryValue(lr)})
	Expect(err).NotTo(HaveOccurred())
	var e types.ReportEntry
	Expect(json.Unmarshal(data, &e)).To(Succeed())
	return e
}

// entryFromThisProcess wraps a report as an entry of this process.
func entryFromThisProcess(lr LeakReport) types.ReportEntry {
	return types.ReportEntry{Name: EntryName, Value: types.WrapEntryValue(lr)}
}

// specReport builds the report of a passed It with the given entries.
func specReport(text string, state types.SpecState, entries ...types.ReportEntry) types.SpecReport {
	return types.SpecReport{
		LeafNodeType:     types.NodeTypeIt,
		LeafNodeText:     text,
		LeafNodeLocation: types.NewCustomCodeLocation("/src/pool_test.go:31"),
		State:            state,
		RunTime:          10 * time.Millisecond,
		ReportEntries:    entries,
	}
}

// update rewrites golden files instead of comparing with them.
var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// failingWriter fails every write.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

var _ = g.Describe("suite outputs", func() {
	g.It("groups one root cause leaking in twelve specs into one entry with twelve occurrences", func() {
		var report types.Report
		for i := range 12 {
			lr := leakReport(fmt.Sprintf("pool spec %d", i), leakyCluster("example.com/pool.(*Pool).worker", 2))
			entry := entryFromThisProcess(lr)
			if i%2 == 1 {
				entry = entryAsFromAnotherProcess(lr)
			}
			report.SpecReports = append(report.SpecReports, specReport(lr.Name, types.SpecStateFailed, entry))
		}
		other := leakReport("other spec", leakyCluster("example.com/cache.(*Cache).janitor", 1))
		report.SpecReports = append(report.SpecReports,
			specReport(other.Name, types.SpecStateFailed, entryAsFromAnotherProcess(other)),
			specReport("clean spec", types.SpecStatePassed, entryFromThisProcess(leakReport("clean spec"))),
			specReport("skipped spec", types.SpecStateSkipped))

		c := collect(report)
		Expect(c.errs).To(BeEmpty())
		s := buildSummary(SuiteInfo{Description: "Pool"}, c)

		Expect(s.Totals).To(Equal(Totals{Specs: 15, Checked: 14, Leaking: 13, Failed: 13, Goroutines: 25, Clusters: 13, RootCauses: 2}))
		Expect(s.RootCauses).To(HaveLen(2))
		Expect(s.RootCauses[0].Top.Func).To(Equal("example.com/pool.(*Pool).worker"))
		Expect(s.RootCauses[0].Goroutines).To(Equal(24))
		Expect(s.RootCauses[0].Occurrences).To(HaveLen(12))
		Expect(s.RootCauses[0].Occurrences[11].Name).To(Equal("pool spec 11"))
		Expect(s.RootCauses[0].Occurrences[11].Node).To(Equal("It"))
		Expect(s.RootCauses[1].Occurrences).To(HaveLen(1))
	})

	g.It("survives a JSON round trip", func() {
		var report types.Report
		lr := leakReport("pool spec", leakyCluster("example.com/pool.(*Pool).worker", 2))
		report.SpecReports = append(report.SpecReports, specReport(lr.Name, types.SpecStateFailed, entryAsFromAnotherProcess(lr)))
		s := buildSummary(SuiteInfo{Description: "Pool"}, collect(report))
		data, err := json.Marshal(s)
		Expect(err).NotTo(HaveOccurred())
		var back Summary
		Expect(json.Unmarshal(data, &back)).To(Succeed())
		Expect(back.Reports).To(HaveLen(1))
		Expect(back.Reports[0].Clusters[0].AttributedBy).To(Equal("labels"))
		Expect(back.RootCauses[0].Key).To(Equal(s.RootCauses[0].Key))
	})

	g.It("reports entries it cannot decode instead of dropping them", func() {
		bad := types.ReportEntry{Name: EntryName, Value: types.ReportEntryValue{AsJSON: `{"leaked": "many"}`}}
		c := collect(types.Report{SpecReports: []types.SpecReport{specReport("odd spec", types.SpecStatePassed, bad)}})
		Expect(c.errs).To(HaveLen(1))
		Expect(c.errs[0]).To(HavePrefix("odd spec: decode report entry \"leakfunnel\""))
	})

	g.Describe("the JUnit report", func() {
		var c collected
		g.BeforeEach(func() {
			lr := leakReport("pool spec", leakyCluster("example.com/pool.(*Pool).worker", 2))
			lr.Artifacts = Artifacts{Dir: "/out/p1-spec", Report: "/out/p1-spec/report.txt", Final: "/out/p1-spec/final.pb.gz"}
			container := LeakReport{Scope: ScopeContainer, Name: "a cache", Location: "/src/cache_test.go:12", Mode: ModeReport, Leaked: 1, Text: "leakfunnel: container leak\n"}
			c = collect(types.Report{SpecReports: []types.SpecReport{
				specReport("pool spec", types.SpecStateFailed, entryFromThisProcess(lr), entryFromThisProcess(container)),
				specReport("clean spec", types.SpecStatePassed, entryFromThisProcess(leakReport("clean spec"))),
				specReport("skipped spec", types.SpecStateSkipped),
			}})
		})

		g.It("has one testcase per spec and per container, with failures, properties and attachments", func() {
			var b strings.Builder
			Expect(writeJUnit(&b, SuiteInfo{Description: "Pool", Processes: 1}, c)).To(Succeed())
			var doc junitSuites
			Expect(xml.Unmarshal([]byte(b.String()), &doc)).To(Succeed())
			Expect(doc.Tests).To(Equal(4))
			Expect(doc.Failures).To(Equal(1))
			Expect(doc.Skipped).To(Equal(1))
			Expect(doc.Suites).To(HaveLen(2))
			Expect(doc.Suites[1].Name).To(Equal("Pool (leakfunnel containers and suite)"))
			cases := append(doc.Suites[0].Cases, doc.Suites[1].Cases...)
			Expect(cases[0].Name).To(Equal("pool spec"))
			Expect(cases[0].Failure.Type).To(Equal("leakfunnel.leak"))
			Expect(cases[0].Failure.Message).To(Equal("leakfunnel: leaked in pool spec"))
			Expect(cases[0].SystemOut).To(HavePrefix("[[ATTACHMENT|/out/p1-spec/report.txt]]\n[[ATTACHMENT|/out/p1-spec/final.pb.gz]]\n"))
			Expect(cases[0].Properties.Properties).To(ContainElement(junitProperty{"leakfunnel.leaked", "2"}))
			Expect(cases[1].Failure).To(BeNil())
			Expect(cases[1].Properties.Properties).To(ContainElement(junitProperty{"leakfunnel.leaked", "0"}))
			Expect(cases[2].Skipped.Message).To(Equal("not checked: spec skipped"))
			Expect(cases[3].Name).To(Equal("[container] a cache"))
			Expect(cases[3].Failure).To(BeNil(), "mode report does not fail")
			Expect(cases[3].SystemErr).To(Equal("leakfunnel: container leak\n"))
		})

		g.It("matches the golden file (go test ./reporter -update rewrites it)", func() {
			info := SuiteInfo{
				Description: "Pool",
				Path:        "/src/pool",
				Start:       time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC),
				End:         time.Date(2026, 11, 27, 3, 0, 2, 0, time.UTC),
				Processes:   2,
			}
			var b strings.Builder
			Expect(writeJUnit(&b, info, c)).To(Succeed())
			golden := filepath.Join("testdata", "golden", "leaks.xml")
			if *update {
				Expect(os.MkdirAll(filepath.Dir(golden), 0o755)).To(Succeed())
				Expect(os.WriteFile(golden, []byte(b.String()), 0o644)).To(Succeed())
			}
			want, err := os.ReadFile(golden)
			Expect(err).NotTo(HaveOccurred())
			Expect(cmp.Diff(string(want), b.String())).To(BeEmpty(), "(-want +got)")
		})

		g.It("returns write errors", func() {
			err := writeJUnit(failingWriter{}, SuiteInfo{Description: "Pool"}, c)
			Expect(err).To(MatchError(ContainSubstring("disk full")))
		})

		g.It("replaces characters XML cannot hold", func() {
			c.specs[0].Name = "spec with \x1b[31mcolour\x00"
			var b strings.Builder
			Expect(writeJUnit(&b, SuiteInfo{Description: "Pool"}, c)).To(Succeed())
			var doc junitSuites
			Expect(xml.Unmarshal([]byte(b.String()), &doc)).To(Succeed())
			Expect(doc.Suites[0].Cases[0].Name).To(Equal("spec with \uFFFD[31mcolour\uFFFD"))
		})
	})

	g.It("downsamples timelines, keeping the first and last samples", func() {
		tl := &funnel.Timeline{Interval: time.Millisecond}
		for i := range 1000 {
			tl.Samples = append(tl.Samples, funnel.Sample{Offset: time.Duration(i) * time.Millisecond})
		}
		small := downsample(tl, 120)
		Expect(small.Samples).To(HaveLen(120))
		Expect(small.Samples[0].Offset).To(Equal(time.Duration(0)))
		Expect(small.Samples[119].Offset).To(Equal(999 * time.Millisecond))
		Expect(downsample(tl, 2000).Samples).To(HaveLen(1000))
	})

	g.It("reads the mode from the innermost mode label", func() {
		Expect(modeFromLabels("", nil)).To(Equal(ModeFail))
		Expect(modeFromLabels(ModeReport, []string{"leakfunnel:off"}, []string{"slow"})).To(Equal(ModeOff))
		Expect(modeFromLabels(ModeFail, []string{"leakfunnel:off"}, []string{"leakfunnel:report"})).To(Equal(ModeReport))
		Expect(modeFromLabels(ModeFail, []string{"leakfunnel:bogus"})).To(Equal(ModeFail))
	})
})
