package reporter

import (
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/onsi/ginkgo/v2/types"
)

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string           `xml:"name,attr"`
	Package    string           `xml:"package,attr"`
	Tests      int              `xml:"tests,attr"`
	Failures   int              `xml:"failures,attr"`
	Errors     int              `xml:"errors,attr"`
	Skipped    int              `xml:"skipped,attr"`
	Time       string           `xml:"time,attr"`
	Timestamp  string           `xml:"timestamp,attr"`
	Properties *junitProperties `xml:"properties,omitempty"`
	Cases      []junitCase      `xml:"testcase"`
}

type junitProperties struct {
	Properties []junitProperty `xml:"property"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name       string           `xml:"name,attr"`
	Classname  string           `xml:"classname,attr"`
	File       string           `xml:"file,attr,omitempty"`
	Time       string           `xml:"time,attr"`
	Properties *junitProperties `xml:"properties,omitempty"`
	Skipped    *junitSkipped    `xml:"skipped,omitempty"`
	Failure    *junitFailure    `xml:"failure,omitempty"`
	SystemOut  string           `xml:"system-out,omitempty"`
	SystemErr  string           `xml:"system-err,omitempty"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// writeJUnit writes leakfunnel's JUnit report: a test suite with one
// testcase per spec, and a second one with a testcase per container and one
// for the suite's own goroutines when they were checked. A testcase fails when its subject leaked in mode fail; in mode
// report the leaks are in system-err and the properties but the testcase
// passes. Specs that were not checked are skipped.
func writeJUnit(w io.Writer, info SuiteInfo, c collected) error {
	suite := junitSuite{
		Name:      info.Description + " (leakfunnel)",
		Package:   info.Path,
		Time:      seconds(info.End.Sub(info.Start).Seconds()),
		Timestamp: info.Start.Format("2006-01-02T15:04:05"),
		Properties: &junitProperties{Properties: []junitProperty{
			{"leakfunnel.processes", strconv.Itoa(info.Processes)},
			{"leakfunnel.suite_succeeded", strconv.FormatBool(info.Succeeded)},
		}},
	}
	for _, sc := range c.specs {
		tc := junitCase{
			Name:      sc.Name,
			Classname: info.Description,
			File:      sc.Location.FileName,
			Time:      seconds(sc.RunTime),
		}
		switch {
		case sc.Report != nil:
			fillCase(&tc, *sc.Report)
			tc.Properties.Properties = append(tc.Properties.Properties, junitProperty{"leakfunnel.spec_state", sc.State.String()})
		case sc.State.Is(types.SpecStateSkipped | types.SpecStatePending):
			tc.Skipped = &junitSkipped{Message: "not checked: spec " + sc.State.String()}
		default:
			tc.Skipped = &junitSkipped{Message: "not checked (mode off, or the spec ended before leakfunnel's BeforeEach): spec " + sc.State.String()}
		}
		suite.Cases = append(suite.Cases, tc)
	}
	// Container and suite subjects go into a test suite of their own, so
	// that dashboards show them apart from spec leaks.
	scopes := junitSuite{
		Name:      info.Description + " (leakfunnel containers and suite)",
		Package:   info.Path,
		Time:      seconds(0),
		Timestamp: suite.Timestamp,
	}
	for _, lr := range c.scopes {
		tc := junitCase{
			Name:      fmt.Sprintf("[%s] %s", lr.Scope, lr.Name),
			Classname: info.Description + " (" + string(lr.Scope) + ")",
			File:      fileOf(lr.Location),
			Time:      seconds(float64(lr.SettleMS) / 1000),
		}
		fillCase(&tc, lr)
		scopes.Cases = append(scopes.Cases, tc)
	}
	if len(c.errs) > 0 {
		suite.Errors++
		suite.Cases = append(suite.Cases, junitCase{
			Name:      "[leakfunnel] report errors",
			Classname: info.Description,
			Time:      seconds(0),
			Failure:   &junitFailure{Message: "leakfunnel could not report everything", Type: "leakfunnel.error", Text: strings.Join(c.errs, "\n")},
		})
	}
	doc := junitSuites{Name: info.Description, Time: suite.Time}
	for _, ts := range []*junitSuite{&suite, &scopes} {
		for _, tc := range ts.Cases {
			ts.Tests++
			switch {
			case tc.Failure != nil && tc.Failure.Type == "leakfunnel.error":
			case tc.Failure != nil:
				ts.Failures++
			case tc.Skipped != nil:
				ts.Skipped++
			}
		}
		if len(ts.Cases) == 0 {
			continue
		}
		doc.Tests += ts.Tests
		doc.Failures += ts.Failures
		doc.Errors += ts.Errors
		doc.Skipped += ts.Skipped
		doc.Suites = append(doc.Suites, *ts)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("encode junit: %w", err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("encode junit: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// fillCase puts a leak report into a testcase: properties, failure,
// attachments in system-out and the clustered stacks in system-err.
func fillCase(tc *junitCase, lr LeakReport) {
	props := []junitProperty{
		{"leakfunnel.scope", string(lr.Scope)},
		{"leakfunnel.mode", string(lr.Mode.orDefault())},
		{"leakfunnel.leaked", strconv.Itoa(lr.Leaked)},
		{"leakfunnel.clusters", strconv.Itoa(len(lr.Clusters) + lr.ClustersDropped)},
		{"leakfunnel.proven", strconv.Itoa(lr.Proven)},
		{"leakfunnel.goroutines.before", strconv.Itoa(lr.GoroutinesBefore)},
		{"leakfunnel.goroutines.after", strconv.Itoa(lr.GoroutinesAfter)},
		{"leakfunnel.blocked_ratio", strconv.FormatFloat(lr.BlockedRatio, 'f', 3, 64)},
		{"leakfunnel.settle_ms", strconv.FormatInt(lr.SettleMS, 10)},
		{"leakfunnel.process", strconv.Itoa(lr.Process)},
		{"leakfunnel.location", lr.Location},
	}
	if lr.TimedOut {
		props = append(props, junitProperty{"leakfunnel.timed_out", "true"})
	}
	tc.Properties = &junitProperties{Properties: props}
	if lr.Leaked > 0 && lr.Mode.orDefault() == ModeFail {
		head, _, _ := strings.Cut(lr.Text, "\n")
		tc.Failure = &junitFailure{Message: head, Type: "leakfunnel.leak", Text: lr.Text}
	}
	var out strings.Builder
	for _, p := range lr.Artifacts.Paths() {
		fmt.Fprintf(&out, "[[ATTACHMENT|%s]]\n", p)
	}
	if lr.Leaked > 0 {
		if lr.Artifacts.Dir != "" {
			fmt.Fprintf(&out, "leakfunnel artifacts: %s\n", lr.Artifacts.Dir)
		}
		tc.SystemErr = lr.Text
	}
	for _, e := range lr.Errors {
		fmt.Fprintf(&out, "leakfunnel error: %s\n", e)
	}
	tc.SystemOut = out.String()
}

// fileOf returns the file part of a "file:line" location.
func fileOf(loc string) string {
	if i := strings.LastIndexByte(loc, ':'); i > 0 {
		if _, err := strconv.Atoi(loc[i+1:]); err == nil {
			return loc[:i]
		}
	}
	return loc
}

func seconds(s float64) string { return strconv.FormatFloat(s, 'f', 3, 64) }
