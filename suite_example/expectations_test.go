package suiteexample_test

// How the suite checks leakfunnel itself: every leaky spec states, with
// leakyIt, the clusters leakfunnel must report for it; a ReportAfterSuite
// compares them with the spec's leakfunnel report entry and fails the suite
// on any difference. The comparison runs on process 1 after every parallel
// process has finished, on the entries as JSON.

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	. "github.com/onsi/gomega"

	"github.com/leakfunnel/leakfunnel/funnel"
	"github.com/leakfunnel/leakfunnel/reporter"
)

// leakyLabel marks the specs that leak on purpose.
const leakyLabel = "leaky"

// expectEntry names the report entry that carries a leaky spec's expectation.
const expectEntry = "leakfunnel.expect"

// wantCluster is one cluster that leakfunnel must report for a leaky spec.
type wantCluster struct {
	// Count is the number of goroutines in the cluster.
	Count int `json:"count"`
	// Class is the blocking class.
	Class funnel.Class `json:"class"`
	// State is the wait reason as the runtime prints it.
	State string `json:"state"`
	// CreatedBy is the function holding the go statement, as the runtime
	// prints it.
	CreatedBy string `json:"createdBy"`
	// Site is the go statement's file base name and line ("broker.go:91"),
	// or the file base name alone for code outside this module.
	Site string `json:"site"`
	// Node is the Ginkgo node whose goroutine (or a descendant of it)
	// started the cluster.
	Node string `json:"node"`
}

func (w wantCluster) String() string {
	return fmt.Sprintf("%d x %s (%s) created by %s at %s, in %s", w.Count, w.State, w.Class, w.CreatedBy, w.Site, w.Node)
}

// leakyIt declares a spec that leaks on purpose and the clusters leakfunnel
// must report for it, largest first. want is called when the spec starts
// (so it may read source files to find line numbers).
func leakyIt(text string, want func() []wantCluster, body func(SpecContext)) bool {
	return It(text, Label(leakyLabel), Offset(1), func(ctx SpecContext) {
		AddReportEntry(expectEntry, want(), ReportEntryVisibilityNever)
		body(ctx)
	})
}

const module = "github.com/leakfunnel/leakfunnel/suite_example"

// site returns "file.go:N" for the first line of file (relative to this
// package's folder) that contains marker and comes after a line containing
// after, so that expectations follow the code when it moves.
func site(file, after, marker string) string {
	GinkgoHelper()
	data, err := os.ReadFile(file)
	Expect(err).NotTo(HaveOccurred())
	seen := false
	for i, line := range strings.Split(string(data), "\n") {
		if !seen {
			seen = strings.Contains(line, after)
			continue
		}
		if strings.Contains(line, marker) {
			return fmt.Sprintf("%s:%d", filepath.Base(file), i+1)
		}
	}
	Fail(fmt.Sprintf("%s has no line containing %q after one containing %q", file, marker, after))
	return ""
}

// got turns a reported cluster into the shape of an expectation.
func got(c reporter.LeakCluster) wantCluster {
	created := c.Representative.CreatedBy
	s := filepath.Base(created.File)
	if strings.Contains(created.Func, module) {
		s = fmt.Sprintf("%s:%d", s, created.Line)
	}
	return wantCluster{
		Count:     c.Count,
		Class:     c.Class,
		State:     c.Representative.State,
		CreatedBy: created.Func,
		Site:      s,
		Node:      c.Node,
	}
}

// decodeEntry reads a report entry's value into dst. Entries from other
// parallel processes arrive as JSON; those of this process hold the Go value.
func decodeEntry(e types.ReportEntry, dst any) error {
	data := []byte(e.Value.AsJSON)
	if len(data) == 0 {
		var err error
		if data, err = json.Marshal(e.Value.GetRawValue()); err != nil {
			return err
		}
	}
	return json.Unmarshal(data, dst)
}

// checkLeakySpec compares one leaky spec's leakfunnel report with its
// expectation and returns the differences.
func checkLeakySpec(spec types.SpecReport) []string {
	var want []wantCluster
	var rep *reporter.LeakReport
	var problems []string
	for _, e := range spec.ReportEntries {
		switch e.Name {
		case expectEntry:
			if err := decodeEntry(e, &want); err != nil {
				problems = append(problems, fmt.Sprintf("decode expectation: %v", err))
			}
		case reporter.EntryName:
			var r reporter.LeakReport
			if err := decodeEntry(e, &r); err != nil {
				problems = append(problems, fmt.Sprintf("decode leakfunnel report: %v", err))
				continue
			}
			if r.Scope == reporter.ScopeSpec {
				rep = &r
			}
		}
	}
	if len(problems) > 0 {
		return problems
	}
	if want == nil {
		return []string{"declares no expectation (use leakyIt)"}
	}
	if rep == nil {
		return []string{"has no leakfunnel report entry"}
	}
	if rep.Mode != reporter.ModeReport || rep.Failed {
		problems = append(problems, fmt.Sprintf("checked in mode %q (failed=%v), want report-only", rep.Mode, rep.Failed))
	}
	if !rep.Labelled {
		problems = append(problems, "leaks not attributed by AroundNode's labels")
	}
	var have []wantCluster
	for _, c := range rep.Clusters {
		have = append(have, got(c))
		if c.Scope != reporter.ScopeSpec {
			problems = append(problems, fmt.Sprintf("cluster %s charged to scope %q, want spec", got(c), c.Scope))
		}
	}
	total := 0
	for _, w := range want {
		total += w.Count
	}
	if rep.Leaked != total {
		problems = append(problems, fmt.Sprintf("%d goroutines leaked, want %d", rep.Leaked, total))
	}
	if !slices.Equal(have, want) {
		var b strings.Builder
		b.WriteString("clusters differ\n    want:\n")
		for _, w := range want {
			fmt.Fprintf(&b, "      %s\n", w)
		}
		b.WriteString("    got:\n")
		for _, h := range have {
			fmt.Fprintf(&b, "      %s\n", h)
		}
		problems = append(problems, strings.TrimRight(b.String(), "\n"))
	}
	return problems
}

var _ = ReportAfterSuite("leakfunnel reported every leaky spec exactly as expected", func(r Report) {
	var failures []string
	checked, wrong := 0, 0
	for _, spec := range r.SpecReports {
		if spec.LeafNodeType != types.NodeTypeIt || !slices.Contains(spec.Labels(), leakyLabel) {
			continue
		}
		if spec.State.Is(types.SpecStateSkipped | types.SpecStatePending) {
			continue
		}
		checked++
		problems := checkLeakySpec(spec)
		if len(problems) > 0 {
			wrong++
		}
		for _, p := range problems {
			failures = append(failures, fmt.Sprintf("%s (%s): %s", spec.FullText(), spec.LeafNodeLocation, p))
		}
	}
	if len(failures) > 0 {
		Fail(fmt.Sprintf("leakfunnel did not report %d leaky spec(s) as expected:\n%s", wrong, strings.Join(failures, "\n")))
	}
	fmt.Printf("leakfunnel: %d leaky specs reported exactly as expected\n", checked)
})
