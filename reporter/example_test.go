package reporter_test

import (
	"encoding/json"
	"fmt"

	"github.com/leakfunnel/leakfunnel/reporter"
)

// A suite installs the reporter once, at the top level of one suite file,
// and passes AroundNode to RunSpecs:
//
//	var leaks = reporter.Install(
//		reporter.WithJUnit("leakfunnel-report/leaks.xml"),
//		reporter.WithArtifacts("leakfunnel-report"),
//	)
//
//	func TestSuite(t *testing.T) {
//		RegisterFailHandler(Fail)
//		RunSpecs(t, "Suite", reporter.AroundNode())
//	}
//
// Specs then choose their mode with a label.
func ExampleModeLabel() {
	fmt.Println(reporter.ModeLabel(reporter.ModeReport))
	fmt.Println(reporter.ModeLabel(reporter.ModeOff))
	fmt.Println(reporter.ModeLabel(""))
	// Output:
	// [leakfunnel:report]
	// [leakfunnel:off]
	// [leakfunnel:fail]
}

// The suite summary is plain JSON; a tool reads it back into the same
// types.
func ExampleSummary() {
	data := []byte(`{
	  "version": 1,
	  "suite": {"description": "Pool", "processes": 2},
	  "totals": {"leaking": 2, "goroutines": 4, "rootCauses": 1},
	  "rootCauses": [{
	    "top": {"func": "example.com/pool.(*Pool).worker", "file": "/src/pool.go", "line": 88},
	    "goroutines": 4,
	    "occurrences": [
	      {"scope": "spec", "name": "pool scales up", "node": "It", "count": 2},
	      {"scope": "spec", "name": "pool shrinks", "node": "BeforeEach", "count": 2}
	    ]
	  }]
	}`)
	var s reporter.Summary
	if err := json.Unmarshal(data, &s); err != nil {
		fmt.Println(err)
		return
	}
	for _, rc := range s.RootCauses {
		fmt.Printf("%d goroutines in %s, in %d specs:\n", rc.Goroutines, rc.Top.Func, len(rc.Occurrences))
		for _, o := range rc.Occurrences {
			fmt.Printf("  %s (%s): %d\n", o.Name, o.Node, o.Count)
		}
	}
	// Output:
	// 4 goroutines in example.com/pool.(*Pool).worker, in 2 specs:
	//   pool scales up (It): 2
	//   pool shrinks (BeforeEach): 2
}

// Artifacts.Paths lists a subject's files in the order the JUnit report
// attaches them: the text report first, which GitLab shows.
func ExampleArtifacts_Paths() {
	a := reporter.Artifacts{
		Dir:      "/out/p1-spec-pool-scales-up-1a2b3c4d",
		Report:   "/out/p1-spec-pool-scales-up-1a2b3c4d/report.txt",
		Final:    "/out/p1-spec-pool-scales-up-1a2b3c4d/final.pb.gz",
		Baseline: "/out/p1-spec-pool-scales-up-1a2b3c4d/baseline.pb.gz",
	}
	for _, p := range a.Paths() {
		fmt.Println(p)
	}
	// Output:
	// /out/p1-spec-pool-scales-up-1a2b3c4d/report.txt
	// /out/p1-spec-pool-scales-up-1a2b3c4d/final.pb.gz
	// /out/p1-spec-pool-scales-up-1a2b3c4d/baseline.pb.gz
}
