package reporter_test

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"html/template"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/leakfunnel/leakfunnel/reporter"
)

// The end-to-end tests run the fixture suites in testdata through the real
// ginkgo CLI, serial and with --procs=3, and read what leakfunnel wrote.

// ginkgoCLI is the ginkgo command, built once for the suite.
var ginkgoCLI string

var _ = BeforeSuite(func() {
	dir := GinkgoT().TempDir()
	ginkgoCLI = filepath.Join(dir, "ginkgo")
	cmd := exec.Command("go", "build", "-o", ginkgoCLI, "github.com/onsi/ginkgo/v2/ginkgo")
	cmd.Dir = repoRoot()
	out, err := cmd.CombinedOutput()
	Expect(err).NotTo(HaveOccurred(), string(out))
})

func repoRoot() string {
	root, err := filepath.Abs("..")
	Expect(err).NotTo(HaveOccurred())
	return root
}

// buildFixture copies testdata/<name> into a module of its own that uses
// this repository through a replace directive, and compiles it once with
// `ginkgo build`. It returns the folder and the test binary.
func buildFixture(name string) (string, string) {
	GinkgoHelper()
	dir := GinkgoT().TempDir()
	files, err := filepath.Glob(filepath.Join("testdata", name, "*.go"))
	Expect(err).NotTo(HaveOccurred())
	Expect(files).NotTo(BeEmpty())
	for _, f := range files {
		data, err := os.ReadFile(f)
		Expect(err).NotTo(HaveOccurred())
		Expect(os.WriteFile(filepath.Join(dir, filepath.Base(f)), data, 0o644)).To(Succeed())
	}
	gomod := fmt.Sprintf("module example.com/%s\n\ngo 1.26.0\n\nrequire github.com/leakfunnel/leakfunnel v0.0.0\n\nreplace github.com/leakfunnel/leakfunnel => %s\n", name, repoRoot())
	Expect(os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644)).To(Succeed())
	sum, err := os.ReadFile(filepath.Join(repoRoot(), "go.sum"))
	Expect(err).NotTo(HaveOccurred())
	Expect(os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644)).To(Succeed())

	cmd := exec.Command(ginkgoCLI, "build", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
	out, err := cmd.CombinedOutput()
	Expect(err).NotTo(HaveOccurred(), string(out))
	bin := filepath.Join(dir, filepath.Base(dir)+".test")
	Expect(bin).To(BeAnExistingFile(), string(out))
	return dir, bin
}

// fixtureRun is what one run of a fixture suite left behind.
type fixtureRun struct {
	out     string
	exit    int
	log     string
	junit   junitSuites
	rawXML  string
	summary reporter.Summary
}

// runFixture runs a compiled fixture through the ginkgo CLI.
func runFixture(dir, bin string, procs int) fixtureRun {
	GinkgoHelper()
	return runFixtureWith(dir, bin, procs, nil, nil)
}

// runFixtureWith runs a compiled fixture with extra CLI arguments and
// environment; when interruptOn is set, it sends the CLI an interrupt once
// the suite has written that file into its output folder.
func runFixtureWith(dir, bin string, procs int, extra []string, env []string, interruptOn ...string) fixtureRun {
	GinkgoHelper()
	run := fixtureRun{out: GinkgoT().TempDir()}
	args := []string{"--no-color"}
	if procs > 1 {
		args = append(args, fmt.Sprintf("--procs=%d", procs))
	}
	args = append(args, extra...)
	cmd := exec.Command(ginkgoCLI, append(args, bin)...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "FIXTURE_OUT="+run.out), env...)
	var buf strings.Builder
	cmd.Stdout, cmd.Stderr = &buf, &buf
	// A process group of its own, which receives the interrupt as a
	// terminal's Ctrl-C would: the CLI leaves a serial suite's interrupt to
	// the suite process.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	Expect(cmd.Start()).To(Succeed())
	if len(interruptOn) > 0 {
		Eventually(filepath.Join(run.out, interruptOn[0])).WithTimeout(time.Minute).Should(BeAnExistingFile())
		Expect(syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)).To(Succeed())
	}
	err := cmd.Wait()
	run.log = buf.String()
	var exitErr *exec.ExitError
	switch {
	case errors.As(err, &exitErr):
		run.exit = exitErr.ExitCode()
	case err != nil:
		Fail(fmt.Sprintf("run %s: %v", bin, err))
	}
	xmlPath := filepath.Join(run.out, "leaks.xml")
	data, err := os.ReadFile(xmlPath)
	Expect(err).NotTo(HaveOccurred(), run.log)
	run.rawXML = string(data)
	Expect(xml.Unmarshal(data, &run.junit)).To(Succeed())
	data, err = os.ReadFile(filepath.Join(run.out, "artifacts", "summary.json"))
	Expect(err).NotTo(HaveOccurred(), run.log)
	Expect(json.Unmarshal(data, &run.summary)).To(Succeed())
	return run
}

// report returns the leak report of the named subject, or nil.
func (r fixtureRun) report(scope reporter.Scope, name string) *reporter.LeakReport {
	for i := range r.summary.Reports {
		if lr := &r.summary.Reports[i]; lr.Scope == scope && lr.Name == name {
			return lr
		}
	}
	return nil
}

// testcase returns the named JUnit testcase.
func (r fixtureRun) testcase(name string) junitCase {
	GinkgoHelper()
	for _, s := range r.junit.Suites {
		for _, c := range s.Cases {
			if c.Name == name {
				return c
			}
		}
	}
	Fail("no testcase " + name)
	return junitCase{}
}

// Independent decoding of the JUnit XML.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name  string      `xml:"name,attr"`
	Tests int         `xml:"tests,attr"`
	Cases []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name       string `xml:"name,attr"`
	Classname  string `xml:"classname,attr"`
	Properties []struct {
		Name  string `xml:"name,attr"`
		Value string `xml:"value,attr"`
	} `xml:"properties>property"`
	Skipped *struct {
		Message string `xml:"message,attr"`
	} `xml:"skipped"`
	Failure *struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
		Text    string `xml:",chardata"`
	} `xml:"failure"`
	SystemOut string `xml:"system-out"`
	SystemErr string `xml:"system-err"`
}

func (c junitCase) property(name string) string {
	for _, p := range c.Properties {
		if p.Name == name {
			return p.Value
		}
	}
	return ""
}

// attachments returns the [[ATTACHMENT|path]] lines of system-out.
func (c junitCase) attachments() []string {
	var out []string
	for _, line := range strings.Split(c.SystemOut, "\n") {
		if p, ok := strings.CutPrefix(line, "[[ATTACHMENT|"); ok {
			out = append(out, strings.TrimSuffix(p, "]]"))
		}
	}
	return out
}

// junitCheck is checked by python3-junitparser, a parser we did not write.
const junitCheck = `
import json, os, sys
from junitparser import JUnitXml, Failure, Skipped, Properties

xml = JUnitXml.fromfile(sys.argv[1])
want = json.loads(sys.argv[2])
seen, problems = {}, []
for suite in xml:
    for case in suite:
        failed = any(isinstance(r, Failure) for r in case.result)
        skipped = any(isinstance(r, Skipped) for r in case.result)
        props = {}
        for ps in case.iterchildren(Properties):
            for p in ps:
                props[p.name] = p.value
        seen[case.name] = failed
        if not skipped:
            for name in ("leakfunnel.leaked", "leakfunnel.clusters", "leakfunnel.proven",
                         "leakfunnel.goroutines.before", "leakfunnel.goroutines.after",
                         "leakfunnel.blocked_ratio", "leakfunnel.settle_ms"):
                if name not in props:
                    problems.append("%s: no property %s" % (case.name, name))
        if failed:
            lines = (case.system_out or "").splitlines()
            if not lines or not lines[0].startswith("[[ATTACHMENT|"):
                problems.append("%s: system-out does not start with an attachment" % case.name)
            for line in lines:
                if line.startswith("[[ATTACHMENT|"):
                    path = line[len("[[ATTACHMENT|"):-2]
                    if not os.path.isfile(path):
                        problems.append("%s: attachment %s missing" % (case.name, path))
            if int(props.get("leakfunnel.leaked", "0")) == 0:
                problems.append("%s: failed without leaks" % case.name)
for name in want["failed"]:
    if not seen.get(name):
        problems.append("%s: expected a failure" % name)
for name in want["passed"]:
    if name not in seen:
        problems.append("%s: missing" % name)
    elif seen[name]:
        problems.append("%s: unexpected failure" % name)
print("\n".join(problems))
sys.exit(1 if problems else 0)
`

// checkWithJunitparser runs junitCheck on a report.
func checkWithJunitparser(path string, failed, passed []string) {
	GinkgoHelper()
	script := filepath.Join(GinkgoT().TempDir(), "check.py")
	Expect(os.WriteFile(script, []byte(junitCheck), 0o644)).To(Succeed())
	want, err := json.Marshal(map[string][]string{"failed": failed, "passed": passed})
	Expect(err).NotTo(HaveOccurred())
	out, err := exec.Command("/usr/bin/python3", script, path, string(want)).CombinedOutput()
	Expect(err).NotTo(HaveOccurred(), string(out))
}

// nodeAttribution is the expected origin of one leaking spec's goroutines.
type nodeAttribution struct {
	spec, node, top string
}

// labelledLeaks are the fixture's specs that fail by leaking.
var labelledLeaks = []nodeAttribution{
	{"leaky leaks in It", "It", "blockInIt"},
	{"leaky with a BeforeEach leaks in BeforeEach", "BeforeEach", "blockInBeforeEach"},
	{"leaky with a JustBeforeEach leaks in JustBeforeEach", "JustBeforeEach", "blockInJustBeforeEach"},
	{"leaky with an AfterEach leaks in AfterEach", "AfterEach", "blockInAfterEach"},
	{"leaky leaks in DeferCleanup", "DeferCleanup", "blockInCleanup"},
	{"leaky leaks through a grandchild", "It", "blockInGrandchild"},
	{"leaky leaks and times out", "It", "blockAfterTimeout"},
	{"leaky fails and leaks", "It", "blockInFailingSpec"},
	{"a database leaks on its own", "It", "blockInOrderedSpec"},
	{"leaky fails in an earlier BeforeEach", "BeforeEach", "blockInEarlyBeforeEach"},
}

// labelledClean are the fixture's specs that must pass.
var labelledClean = []string{
	"leaky is clean",
	"leaky asks the suite worker",
	"leaky drains slowly",
	"leaky leaks in report mode",
	"a database queries",
	"a database opens a writer on first use",
	"a cache reads",
	"a cache writes",
	"a queue enqueues",
	"a queue with consumers consumes",
	"a queue with consumers fails without leaking",
	"a queue with consumers acks",
}

// lineOf returns the line of a fixture file that holds text.
func lineOf(file, text string) int {
	GinkgoHelper()
	data, err := os.ReadFile(filepath.Join("testdata", file))
	Expect(err).NotTo(HaveOccurred())
	for i, line := range strings.Split(string(data), "\n") {
		if strings.Contains(line, text) {
			return i + 1
		}
	}
	Fail(fmt.Sprintf("%s has no line with %q", file, text))
	return 0
}

func topFunction(lc reporter.LeakCluster) string {
	if len(lc.Representative.Frames) == 0 {
		return ""
	}
	f := lc.Representative.Frames[0].Func
	return f[strings.LastIndexByte(f, '.')+1:]
}

var _ = Describe("a suite with AroundNode", Ordered, func() {
	var dir, bin string
	BeforeAll(func() {
		dir, bin = buildFixture("labelled")
	})

	It("still checks a spec that is interrupted, and writes the outputs", func() {
		run := runFixtureWith(dir, bin, 1, []string{"--label-filter=interrupt"}, []string{"FIXTURE_INTERRUPT=1"}, "waiting")
		Expect(run.exit).NotTo(BeZero(), run.log)
		lr := run.report(reporter.ScopeSpec, "an interrupted spec leaks and waits for an interrupt")
		Expect(lr).NotTo(BeNil(), run.log)
		Expect(lr.SpecState).To(Equal("interrupted"))
		Expect(lr.Clusters).To(HaveLen(1))
		Expect(topFunction(lr.Clusters[0])).To(Equal("blockBeforeInterrupt"))
		Expect(run.testcase("an interrupted spec leaks and waits for an interrupt").Failure).NotTo(BeNil())
	})

	for _, procs := range []int{1, 3} {
		Context(fmt.Sprintf("run with --procs=%d", procs), Ordered, func() {
			var run fixtureRun
			BeforeAll(func() {
				run = runFixture(dir, bin, procs)
			})

			It("exits non-zero", func() {
				Expect(run.exit).NotTo(BeZero(), run.log)
			})

			It("attributes every leak to its spec and node", func() {
				for _, want := range labelledLeaks {
					lr := run.report(reporter.ScopeSpec, want.spec)
					Expect(lr).NotTo(BeNil(), "no report for %q", want.spec)
					Expect(lr.Failed).To(BeTrue(), want.spec)
					Expect(lr.Labelled).To(BeTrue(), want.spec)
					Expect(lr.Clusters).To(HaveLen(1), want.spec)
					c := lr.Clusters[0]
					Expect(c.Node).To(Equal(want.node), want.spec)
					Expect(c.AttributedBy).To(Equal("labels"), want.spec)
					Expect(topFunction(c)).To(Equal(want.top), want.spec)
					Expect(lr.Artifacts.Final).To(BeAnExistingFile())
				}
			})

			It("keeps spec states of specs that failed or timed out for their own reasons", func() {
				Expect(run.report(reporter.ScopeSpec, "leaky leaks and times out").SpecState).To(Equal("timedout"))
				Expect(run.report(reporter.ScopeSpec, "leaky fails and leaks").SpecState).To(Equal("failed"))
			})

			It("passes clean specs and reports report-mode leaks without failing", func() {
				for _, name := range labelledClean {
					tc := run.testcase(name)
					Expect(tc.Failure).To(BeNil(), name)
				}
				lr := run.report(reporter.ScopeSpec, "leaky leaks in report mode")
				Expect(lr).NotTo(BeNil())
				Expect(lr.Failed).To(BeFalse())
				Expect(lr.Mode).To(Equal(reporter.ModeReport))
				Expect(run.testcase("leaky leaks in off mode").Skipped).NotTo(BeNil())
				Expect(run.testcase("a pending container never runs").Skipped).NotTo(BeNil())
			})

			It("charges BeforeAll goroutines to their container, once", func() {
				var containers []reporter.LeakReport
				for _, lr := range run.summary.Reports {
					if lr.Scope == reporter.ScopeContainer {
						containers = append(containers, lr)
					}
				}
				Expect(containers).To(HaveLen(1))
				Expect(containers[0].Name).To(Equal("a cache"))
				Expect(containers[0].Location).To(HaveSuffix(fmt.Sprintf("leaky_suite_test.go:%d", lineOf("labelled/leaky_suite_test.go", `Describe("a cache"`))))
				Expect(containers[0].Leaked).To(Equal(3))
				for _, c := range containers[0].Clusters {
					Expect(c.Node).To(Equal("BeforeAll"))
				}
				tc := run.testcase("[container] a cache")
				Expect(tc.Failure).NotTo(BeNil())
			})

			It("reports each process's BeforeSuite worker at suite end, not against a spec", func() {
				var suites []reporter.LeakReport
				for _, lr := range run.summary.Reports {
					if lr.Scope == reporter.ScopeSuite {
						suites = append(suites, lr)
					}
				}
				Expect(suites).To(HaveLen(procs), "one per process")
				viaWorker := 0
				for _, lr := range suites {
					var tops []string
					for _, c := range lr.Clusters {
						Expect(c.Node).To(Equal("BeforeSuite"))
						tops = append(tops, topFunction(c))
					}
					Expect(tops).To(ContainElement("suiteWorker"))
					if slices.Contains(tops, "blockViaWorker") {
						viaWorker++
					}
					name := "Leaky"
					if procs > 1 {
						name = fmt.Sprintf("Leaky (process %d)", lr.Process)
					}
					Expect(lr.Name).To(Equal(name))
					Expect(run.testcase("[suite] " + name).Failure).NotTo(BeNil())
				}
				Expect(viaWorker).To(Equal(1), "the goroutine a spec had the worker start")
			})

			It("groups clusters across specs in the summary", func() {
				Expect(run.summary.Version).To(Equal(reporter.SummaryVersion))
				Expect(run.summary.Suite.Processes).To(Equal(procs))
				Expect(run.summary.Totals.RootCauses).To(Equal(len(run.summary.RootCauses)))
				total := 0
				for _, rc := range run.summary.RootCauses {
					Expect(rc.Occurrences).NotTo(BeEmpty())
					total += rc.Goroutines
				}
				Expect(total).To(Equal(run.summary.Totals.Goroutines))
				Expect(run.log).To(ContainSubstring("summary: " + filepath.Join(run.out, "artifacts", "summary.json")))
			})

			It("renders the HTML report from the summary and names it at the end", func() {
				page := filepath.Join(run.out, "report.html")
				Expect(run.log).To(ContainSubstring("HTML report: " + page))
				Expect(run.summary.Outputs.HTML).To(Equal(page))
				data, err := os.ReadFile(page)
				Expect(err).NotTo(HaveOccurred())
				html := string(data)
				Expect(html).To(HavePrefix("<!DOCTYPE html>"))
				for _, want := range labelledLeaks {
					Expect(html).To(ContainSubstring(template.HTMLEscapeString(want.spec)), "every leaking spec has a section")
				}
			})

			It("writes JUnit that encoding/xml, xmllint and junitparser all read", func() {
				Expect(run.junit.Suites).To(HaveLen(2), "specs, and containers and suite apart")
				for _, want := range labelledLeaks {
					tc := run.testcase(want.spec)
					Expect(tc.Failure).NotTo(BeNil(), want.spec)
					Expect(tc.Failure.Type).To(Equal("leakfunnel.leak"))
					Expect(tc.Failure.Message).To(HavePrefix("leakfunnel: 1 goroutine leaked in 1 cluster"))
					Expect(tc.property("leakfunnel.leaked")).To(Equal("1"))
					Expect(tc.property("leakfunnel.clusters")).To(Equal("1"))
					Expect(tc.SystemErr).To(ContainSubstring(want.top))
					atts := tc.attachments()
					Expect(atts).NotTo(BeEmpty())
					Expect(atts[0]).To(HaveSuffix("report.txt"))
					for _, p := range atts {
						Expect(filepath.IsAbs(p)).To(BeTrue())
						Expect(p).To(BeAnExistingFile())
					}
				}
				out, err := exec.Command("xmllint", "--noout", filepath.Join(run.out, "leaks.xml")).CombinedOutput()
				Expect(err).NotTo(HaveOccurred(), string(out))

				var failed []string
				for _, want := range labelledLeaks {
					failed = append(failed, want.spec)
				}
				checkWithJunitparser(filepath.Join(run.out, "leaks.xml"), append(failed, "[container] a cache"), labelledClean)
			})

			It("writes profiles that go tool pprof reads, with -base", func() {
				lr := run.report(reporter.ScopeSpec, "leaky leaks in It")
				Expect(lr.Artifacts.Baseline).To(BeAnExistingFile())
				out, err := exec.Command("go", "tool", "pprof", "-top", lr.Artifacts.Final).CombinedOutput()
				Expect(err).NotTo(HaveOccurred(), string(out))
				Expect(string(out)).To(ContainSubstring("blockInIt"))
				out, err = exec.Command("go", "tool", "pprof", "-top", "-base", lr.Artifacts.Baseline, lr.Artifacts.Final).CombinedOutput()
				Expect(err).NotTo(HaveOccurred(), string(out))
				Expect(string(out)).To(ContainSubstring("blockInIt"))
				csv, err := os.ReadFile(lr.Artifacts.Timeline)
				Expect(err).NotTo(HaveOccurred())
				Expect(string(csv)).To(HavePrefix("offset_ms,goroutines,"))
			})
		})
	}
})

var _ = Describe("a suite without AroundNode, in report mode", Ordered, func() {
	var run fixtureRun
	BeforeAll(func() {
		dir, bin := buildFixture("fallback")
		run = runFixture(dir, bin, 1)
	})

	It("exits zero although specs leak", func() {
		Expect(run.exit).To(BeZero(), run.log)
		Expect(run.junit.Failures).To(BeZero())
	})

	It("attributes leaks to the spec and, by creation site, to the node", func() {
		for _, want := range []nodeAttribution{
			{"fallback leaks in It", "It", "blockInIt"},
			{"fallback with a BeforeEach leaks in BeforeEach", "BeforeEach", "blockInBeforeEach"},
		} {
			lr := run.report(reporter.ScopeSpec, want.spec)
			Expect(lr).NotTo(BeNil(), want.spec)
			Expect(lr.Failed).To(BeFalse())
			Expect(lr.Labelled).To(BeFalse())
			Expect(lr.Clusters).To(HaveLen(1))
			Expect(lr.Clusters[0].Node).To(Equal(want.node), want.spec)
			Expect(lr.Clusters[0].AttributedBy).To(Equal("site"))
			Expect(topFunction(lr.Clusters[0])).To(Equal(want.top))
			Expect(run.testcase(want.spec).SystemErr).To(ContainSubstring(want.top))
		}
	})

	It("does not blame the specs of an Ordered container for its BeforeAll fixture", func() {
		names := []string{}
		for _, lr := range run.summary.Reports {
			names = append(names, lr.Name)
		}
		Expect(names).To(ConsistOf("fallback leaks in It", "fallback with a BeforeEach leaks in BeforeEach"))
	})

	It("says where the outputs are", func() {
		Expect(run.log).To(ContainSubstring("JUnit report: " + filepath.Join(run.out, "leaks.xml")))
	})

	It("says what Install could not register inside a container, and still checks its specs", func() {
		Expect(run.log).To(ContainSubstring(`leakfunnel: reporter.Install was called inside the container "a container with its own reporter"`))
		Expect(run.log).To(ContainSubstring("Install called inside container"))
		tc := run.testcase("a container with its own reporter is checked by both")
		Expect(tc.property("leakfunnel.leaked")).To(Equal("0"))
	})
})
