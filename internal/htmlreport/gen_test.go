package htmlreport_test

import (
	"fmt"
	"time"

	"github.com/leakfunnel/leakfunnel/funnel"
	"github.com/leakfunnel/leakfunnel/internal/htmlreport"
)

// sampleSummary builds a synthetic summary with leaking subjects (every
// tenth a container, the last one the suite), each with clustersPer
// clusters drawn from causes root causes, shaped like the reporter's
// output: 8-frame stacks, labels, attribution, artifacts.
func sampleSummary(leaking, clustersPer, causes int) htmlreport.Summary {
	s := htmlreport.Summary{
		Version: htmlreport.SummaryVersion,
		Suite: htmlreport.SuiteInfo{Description: "synthetic suite", Path: "/src/app", Start: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
			End: time.Date(2026, 1, 2, 3, 9, 5, 0, time.UTC), Processes: 4},
	}
	type causeAcc struct {
		rc  htmlreport.RootCause
		set bool
	}
	acc := make([]causeAcc, causes)
	classes := []funnel.Class{funnel.ClassBlocked, funnel.ClassPermanent, funnel.ClassIO, funnel.ClassSleeping, funnel.ClassRunning}
	states := []string{"chan receive", "chan send (nil chan)", "IO wait", "sleep", "runnable"}
	for i := range leaking {
		scope := htmlreport.ScopeSpec
		switch {
		case i == leaking-1 && leaking > 1:
			scope = htmlreport.ScopeSuite
		case i%10 == 9:
			scope = htmlreport.ScopeContainer
		}
		name := fmt.Sprintf("Area %d handles case %d without stopping its workers", i%37, i)
		loc := fmt.Sprintf("/src/app/area%d/area_test.go:%d", i%37, 10+i)
		dir := fmt.Sprintf("/out/leakfunnel-report/p%d-%s-case-%d", 1+i%4, scope, i)
		lr := htmlreport.LeakReport{
			Scope: scope, Name: name, Location: loc, Process: 1 + i%4, Mode: "report", SpecState: "passed",
			GoroutinesBefore: 20, SettleMS: 1000, TimedOut: true, Labelled: true, BlockedRatio: 0.8,
			Artifacts: htmlreport.Artifacts{Dir: dir, Baseline: dir + "/baseline.pb.gz", Final: dir + "/final.pb.gz",
				Timeline: dir + "/timeline.csv", Clusters: dir + "/clusters.json", Report: dir + "/report.txt"},
		}
		for j := range clustersPer {
			k := (i*clustersPer + j) % causes
			class, state := classes[k%len(classes)], states[k%len(states)]
			var frames []funnel.Frame
			for f := range 8 {
				frames = append(frames, funnel.Frame{Func: fmt.Sprintf("example.com/app/pkg%d.(*Worker%d).step%d", k, k, f), File: fmt.Sprintf("/src/app/pkg%d/worker.go", k), Line: 40 + f})
			}
			g := funnel.Goroutine{ID: uint64(1000 + i*10 + j), State: state, Class: class, Frames: frames,
				CreatedBy: funnel.Frame{Func: fmt.Sprintf("example.com/app/pkg%d.Start", k), File: fmt.Sprintf("/src/app/pkg%d/start.go", k), Line: 12},
				CreatorID: uint64(900 + i), Labels: map[string]string{"leakfunnel.node": "It", "leakfunnel.at": loc, "leakfunnel.scope": string(scope)}}
			count := 1 + (i+j)%5
			ids := make([]uint64, count)
			for n := range ids {
				ids[n] = g.ID + uint64(n)*100000
			}
			c := funnel.Cluster{Key: funnel.ClusterKeyOf(&g), Count: count, IDs: ids, Representative: g, Class: class,
				Attribution: funnel.Attribution{CreatedBy: g.CreatedBy, CreatorID: g.CreatorID, Labels: g.Labels}}
			lr.Clusters = append(lr.Clusters, htmlreport.LeakCluster{Cluster: c, Scope: scope, Node: "It", NodeLocation: loc, AttributedBy: "labels"})
			lr.Leaked += count
			a := &acc[k]
			if !a.set {
				a.rc = htmlreport.RootCause{Key: c.Key, Class: class, State: state, Top: frames[0], CreatedBy: g.CreatedBy, Representative: g}
				a.set = true
			}
			a.rc.Goroutines += count
			a.rc.Occurrences = append(a.rc.Occurrences, htmlreport.Occurrence{Scope: scope, Name: name, Location: loc, Process: lr.Process,
				Node: "It", NodeLocation: loc, Count: count, Artifacts: lr.Artifacts})
		}
		lr.GoroutinesAfter = lr.GoroutinesBefore + lr.Leaked
		lr.Text = fmt.Sprintf("leakfunnel: %d goroutines leaked in %d clusters (proof not used) in %s %q (%s)\n", lr.Leaked, len(lr.Clusters), scope, name, loc)
		s.Reports = append(s.Reports, lr)
		s.Totals.Leaking++
		s.Totals.Goroutines += lr.Leaked
		s.Totals.Clusters += len(lr.Clusters)
	}
	for _, a := range acc {
		if a.set {
			s.RootCauses = append(s.RootCauses, a.rc)
		}
	}
	s.Totals.RootCauses = len(s.RootCauses)
	s.Totals.Specs = max(leaking, 1) * 10
	s.Totals.Checked = s.Totals.Specs
	return s
}

// sampleTimeline is a timeline of n samples 10ms apart in which the
// goroutine count climbs and the heap wobbles.
func sampleTimeline(n int) []funnel.Sample {
	out := make([]funnel.Sample, n)
	for i := range out {
		g := uint64(20 + min(i, n/3)/max(1, n/30))
		out[i] = funnel.Sample{Offset: time.Duration(i) * 10 * time.Millisecond, Metrics: funnel.Metrics{
			Goroutines: g, Waiting: g - 2, HeapObjectBytes: uint64(2<<20 + (i%7)*40000), StackBytes: 512<<10 + g*8192}}
	}
	return out
}

// sampleInput is sampleSummary with a timeline for every subject.
func sampleInput(leaking, clustersPer, causes, samples int) htmlreport.Input {
	in := htmlreport.Input{Summary: sampleSummary(leaking, clustersPer, causes), Timelines: map[string][]funnel.Sample{}}
	tl := sampleTimeline(samples)
	for _, lr := range in.Summary.Reports {
		in.Timelines[lr.Artifacts.Timeline] = tl
	}
	return in
}
