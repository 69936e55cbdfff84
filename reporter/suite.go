package reporter

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/leakfunnel/leakfunnel/funnel"
	"github.com/leakfunnel/leakfunnel/internal/htmlreport"
)

// specCase is one spec of the suite report with its leak report, if it was
// checked.
type specCase struct {
	Name     string
	Location types.CodeLocation
	State    types.SpecState
	RunTime  float64
	Report   *LeakReport
}

// collected is what ReportAfterSuite gathered from every process.
type collected struct {
	specs  []specCase
	scopes []LeakReport // container and suite subjects
	errs   []string
}

// collect decodes leakfunnel's report entries from every spec report.
func collect(report types.Report) collected {
	var c collected
	for _, sr := range report.SpecReports {
		var own *LeakReport
		for _, e := range sr.ReportEntries {
			if e.Name != EntryName {
				continue
			}
			var lr LeakReport
			if err := decodeEntry(e, &lr); err != nil {
				c.errs = append(c.errs, fmt.Sprintf("%s: %v", sr.FullText(), err))
				continue
			}
			if lr.Scope == ScopeSpec {
				lr.SpecState = sr.State.String()
				own = &lr
			} else {
				c.scopes = append(c.scopes, lr)
			}
		}
		if sr.LeafNodeType != types.NodeTypeIt {
			continue
		}
		c.specs = append(c.specs, specCase{
			Name:     sr.FullText(),
			Location: sr.LeafNodeLocation,
			State:    sr.State,
			RunTime:  sr.RunTime.Seconds(),
			Report:   own,
		})
	}
	return c
}

// reportAfterSuite checks what is left on process 1 (containers whose
// scope ended without notice, suite-scoped goroutines) and writes the suite
// outputs.
func (r *Reporter) reportAfterSuite(report types.Report) {
	c := collect(report)
	c.errs = append(slices.Clone(r.setupErrs), c.errs...)

	r.mu.Lock()
	endChecked := r.endChecked
	if r.suiteAt == "" {
		r.suiteAt = suiteLocation(report)
	}
	r.mu.Unlock()
	if !endChecked {
		c.scopes = append(c.scopes, r.finishProcess(report.SuiteDescription)...)
	}
	parallel := report.SuiteConfig.ParallelTotal > 1
	for i := range c.scopes {
		if lr := &c.scopes[i]; lr.Scope == ScopeSuite {
			if lr.Name == "" {
				lr.Name = report.SuiteDescription
			}
			if parallel {
				lr.Name += fmt.Sprintf(" (process %d)", lr.Process)
			}
		}
	}

	info := SuiteInfo{
		Description: report.SuiteDescription,
		Path:        report.SuitePath,
		Start:       report.StartTime,
		End:         report.EndTime,
		Processes:   max(1, report.SuiteConfig.ParallelTotal),
		Succeeded:   report.SuiteSucceeded,
	}
	sum := buildSummary(info, c)
	sum.Outputs = Outputs{JUnit: r.junit, Artifacts: r.artifacts, Summary: r.summary, HTML: r.html}
	var written []string
	if r.junit != "" {
		if err := writeFile(r.junit, func(w io.Writer) error { return writeJUnit(w, info, c) }); err != nil {
			c.errs = append(c.errs, err.Error())
			sum.Outputs.JUnit = ""
		} else {
			written = append(written, "JUnit report: "+r.junit)
		}
	}
	if r.artifacts != "" {
		written = append(written, "artifacts: "+r.artifacts)
	}
	if r.summary != "" {
		sum.Errors = slices.Clone(c.errs)
		if err := writeFile(r.summary, func(w io.Writer) error {
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			return enc.Encode(sum)
		}); err != nil {
			c.errs = append(c.errs, err.Error())
		} else {
			written = append(written, "summary: "+r.summary)
			if r.html != "" {
				if err := writeHTML(r.html, r.summary); err != nil {
					c.errs = append(c.errs, err.Error())
				} else {
					written = append(written, "HTML report: "+r.html)
				}
			}
		}
	}

	var msg strings.Builder
	fmt.Fprintf(&msg, "leakfunnel: %d of %d checked subjects leaked %d goroutines (%d root causes)",
		sum.Totals.Leaking, sum.Totals.Checked+len(c.scopes), sum.Totals.Goroutines, sum.Totals.RootCauses)
	for _, w := range written {
		msg.WriteString("\n  " + w)
	}
	ginkgo.AddReportEntry("leakfunnel.outputs", msg.String(), ginkgo.ReportEntryVisibilityAlways)

	var failures []string
	for _, lr := range c.scopes {
		if lr.Leaked > 0 && lr.Mode.orDefault() == ModeFail {
			failures = append(failures, lr.Text)
		}
	}
	for _, e := range c.errs {
		failures = append(failures, "leakfunnel: "+e)
	}
	if len(failures) > 0 {
		ginkgo.Fail(strings.Join(failures, "\n"))
	}
}

// suiteLocation is the BeforeSuite's location, or the suite path.
func suiteLocation(report types.Report) string {
	for _, sr := range report.SpecReports {
		if sr.LeafNodeType.Is(types.NodeTypeBeforeSuite | types.NodeTypeSynchronizedBeforeSuite) {
			return sr.LeafNodeLocation.String()
		}
	}
	return report.SuitePath
}

// buildSummary groups the leaking subjects' clusters into root causes.
func buildSummary(info SuiteInfo, c collected) Summary {
	s := Summary{Version: SummaryVersion, Suite: info, RootCauses: []RootCause{}, Reports: []LeakReport{}}
	s.Totals.Specs = len(c.specs)
	var all []LeakReport
	for _, sc := range c.specs {
		if sc.Report != nil {
			s.Totals.Checked++
			all = append(all, *sc.Report)
		}
	}
	all = append(all, c.scopes...)
	causes := map[funnel.ClusterKey]*RootCause{}
	var order []funnel.ClusterKey
	for _, lr := range all {
		if lr.Leaked == 0 {
			continue
		}
		s.Reports = append(s.Reports, lr)
		s.Totals.Leaking++
		if lr.Failed {
			s.Totals.Failed++
		}
		s.Totals.Goroutines += lr.Leaked
		s.Totals.Proven += lr.Proven
		s.Totals.Clusters += len(lr.Clusters) + lr.ClustersDropped
		for _, cl := range lr.Clusters {
			rc := causes[cl.Key]
			if rc == nil {
				g := cl.Representative
				rc = &RootCause{Key: cl.Key, Class: cl.Class, State: cl.Key.State, CreatedBy: g.CreatedBy, Representative: g}
				if len(g.Frames) > 0 {
					rc.Top = g.Frames[0]
				}
				causes[cl.Key] = rc
				order = append(order, cl.Key)
			}
			rc.Goroutines += cl.Count
			rc.Proven += cl.Proven
			rc.Occurrences = append(rc.Occurrences, Occurrence{
				Scope: lr.Scope, Name: lr.Name, Location: lr.Location, Process: lr.Process,
				Node: cl.Node, NodeLocation: cl.NodeLocation, Count: cl.Count, Proven: cl.Proven,
				Failed: lr.Failed, Artifacts: lr.Artifacts,
			})
		}
	}
	for _, k := range order {
		s.RootCauses = append(s.RootCauses, *causes[k])
	}
	slices.SortStableFunc(s.RootCauses, func(a, b RootCause) int {
		if c := cmp.Compare(b.Goroutines, a.Goroutines); c != 0 {
			return c
		}
		return a.Key.Compare(b.Key)
	})
	s.Totals.RootCauses = len(s.RootCauses)
	return s
}

// writeHTML renders the HTML report from the summary just written and the
// artifacts next to it.
func writeHTML(path, summary string) error {
	in, err := htmlreport.Load(summary)
	if err != nil {
		return fmt.Errorf("HTML report: %w", err)
	}
	in.Generated = time.Now()
	if err := htmlreport.WriteFile(path, in); err != nil {
		return fmt.Errorf("HTML report: %w", err)
	}
	return nil
}
