package funnel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/leakfunnel/leakfunnel/internal/leaktest"
)

// TestMain runs the package's tests and then checks them for leaks with
// Check itself: our own tests must be leak-free by our own check. The
// goroutines that tests park on purpose for good (permanent fixtures, and
// the unreachable goroutine the proof tests need) are the only exceptions.
func TestMain(m *testing.M) {
	base := Capture()
	code := m.Run()
	res, err := Check(context.Background(), base, WithFilters(
		TopFunction("github.com/leakfunnel/leakfunnel/internal/leaktest.nilChanRecv"),
		TopFunction("github.com/leakfunnel/leakfunnel/internal/leaktest.nilChanSend"),
		TopFunction("github.com/leakfunnel/leakfunnel/internal/leaktest.selectNoCases"),
		TopFunction("github.com/leakfunnel/leakfunnel/funnel.unreachableLeak.func1"),
	))
	switch {
	case err != nil:
		fmt.Fprintln(os.Stderr, "leak check of the funnel tests:", err)
		code = max(code, 1)
	case len(res.Leaks) > 0:
		fmt.Fprintln(os.Stderr, "the funnel tests leaked goroutines:")
		if err := FormatResult(os.Stderr, res, FormatOptions{}); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
		code = max(code, 1)
	}
	os.Exit(code)
}

// parkedGroup starts goroutines that block in chan receive until the test
// ends; t.Cleanup releases them and waits for their exit. Each goroutine runs
// a wait function of the caller's choice, so goroutines of different roles
// have different top frames (and so different cluster keys).
type parkedGroup struct {
	release chan struct{}
	wg      sync.WaitGroup
}

func newParkedGroup(t *testing.T) *parkedGroup {
	t.Helper()
	p := &parkedGroup{release: make(chan struct{})}
	t.Cleanup(func() {
		close(p.release)
		p.wg.Wait()
	})
	return p
}

// start starts one goroutine running wait and returns its ID once it runs.
func (p *parkedGroup) start(wait func(release <-chan struct{})) uint64 {
	started := make(chan uint64)
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		started <- leaktest.CurrentID()
		wait(p.release)
	}()
	return <-started
}

func workerWait(release <-chan struct{})     { <-release }
func grandchildWait(release <-chan struct{}) { <-release }
func backgroundWait(release <-chan struct{}) { <-release }
func lateWait(release <-chan struct{})       { <-release }

func TestCheckNilBaseline(t *testing.T) {
	s := StartSampler(time.Millisecond)
	res, err := Check(t.Context(), nil, WithSampler(s))
	if !errors.Is(err, ErrNilBaseline) || res != nil {
		t.Errorf("Check(nil baseline) = %v, %v, want nil, %v", res, err, ErrNilBaseline)
	}
	if s.running() {
		t.Error("Check(nil baseline) left the sampler running")
	}
}

func TestCheckClean(t *testing.T) {
	base := Capture()
	f := leaktest.MustStart(t, leaktest.ChanRecv, 5)
	f.Release()
	for _, id := range f.IDs {
		waitGone(t, id)
	}
	res, err := Check(t.Context(), base)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Leaks) != 0 || len(res.Clusters) != 0 || res.TimedOut {
		t.Errorf("clean check: %d leaks, %d clusters, timed out %v; want none", len(res.Leaks), len(res.Clusters), res.TimedOut)
	}
	if res.Snapshots != 1 || res.Polls != 1 {
		t.Errorf("clean check took %d full snapshots and %d polls, want 1 and 1", res.Snapshots, res.Polls)
	}
	if res.Final == nil || res.Baseline != base {
		t.Errorf("Final = %p, Baseline = %p (base %p): want a final snapshot and the baseline", res.Final, res.Baseline, base)
	}
	if res.Settle > 500*time.Millisecond {
		t.Errorf("clean check settled in %v, want well under the timeout", res.Settle)
	}
	if want := ProofAvailable(); res.ProofUsed != want {
		t.Errorf("ProofUsed = %v, want %v", res.ProofUsed, want)
	}
}

// TestCheckFinalIsBaseline checks Check's partial final snapshot and uses
// it as the next check's baseline, with a Recorder, as a test runner does
// after every test.
func TestCheckFinalIsBaseline(t *testing.T) {
	before := leaktest.MustStart(t, leaktest.ChanRecv, 3)
	base := Capture()
	var r Recorder
	res, err := Check(t.Context(), base, WithRecorder(&r))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Leaks) != 0 {
		t.Fatalf("clean check leaked %v", res.Clusters)
	}
	for _, id := range before.IDs {
		if !res.Final.Contains(id) {
			t.Errorf("Final.Contains(%d) = false for a baseline goroutine", id)
		}
		if _, parsed := res.Final.Find(id); parsed {
			t.Errorf("Final parsed baseline goroutine %d", id)
		}
	}
	if res.Final.Len() < len(before.IDs) {
		t.Errorf("Final.Len() = %d, want at least %d", res.Final.Len(), len(before.IDs))
	}

	leak := leaktest.MustStart(t, leaktest.NilChanRecv, 2)
	next, err := Check(t.Context(), res.Final, WithRecorder(&r))
	if err != nil {
		t.Fatal(err)
	}
	var got []uint64
	for _, g := range next.Leaks {
		got = append(got, g.ID)
	}
	if diff := cmp.Diff(slices.Sorted(slices.Values(leak.IDs)), got); diff != "" {
		t.Errorf("leaks of the check against the previous final (-want +got):\n%s", diff)
	}
}

// TestCheckLateExits starts goroutines that finish 5ms, 50ms and 500ms
// after the check starts: none is reported with the default timeout, and
// settling ends soon after the last exit.
func TestCheckLateExits(t *testing.T) {
	base := Capture()
	p := newParkedGroup(t)
	delays := []time.Duration{5 * time.Millisecond, 50 * time.Millisecond, 500 * time.Millisecond}
	// Each goroutine waits for a timer, then for it to fire: no other
	// goroutine starts or exits meanwhile (time.AfterFunc would start one).
	timers := make(chan *time.Timer)
	var ids []uint64
	var lastExit atomic.Int64
	for range delays {
		ids = append(ids, p.start(func(release <-chan struct{}) {
			var t *time.Timer
			select {
			case t = <-timers:
			case <-release:
				return
			}
			defer t.Stop()
			select {
			case <-t.C:
			case <-release:
			}
			lastExit.Store(time.Now().UnixNano())
		}))
	}
	if err := leaktest.WaitForState(t.Context(), leaktest.Select, ids); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for _, d := range delays {
		timers <- time.NewTimer(d)
	}
	res, err := Check(t.Context(), base)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Leaks) != 0 || res.TimedOut {
		t.Fatalf("late exits reported: %d leaks, timed out %v: %v", len(res.Leaks), res.TimedOut, res.Clusters)
	}
	exit := time.Unix(0, lastExit.Load())
	overshoot := start.Add(res.Settle).Sub(exit)
	t.Logf("settled %v after the check started, %v after the last exit, %d snapshots, %d polls", res.Settle, overshoot, res.Snapshots, res.Polls)
	if res.Settle < 490*time.Millisecond {
		t.Errorf("settled in %v, before the last goroutine exited", res.Settle)
	}
	// A few milliseconds on an idle machine (see BenchmarkSettle); the
	// bound leaves room for a loaded CI machine while still far from the
	// 1s timeout.
	if overshoot > 250*time.Millisecond {
		t.Errorf("settling ended %v after the last exit, want a few milliseconds", overshoot)
	}
	// A first look at about 10ms, one when the last goroutine exits and,
	// with the profile, one more after the 50ms exit (it may have made a
	// blocked leak provable).
	if limit := 2 + btoi(ProofAvailable()); res.Snapshots > limit {
		t.Errorf("took %d full snapshots, want at most %d", res.Snapshots, limit)
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestCheckPermanentEndsAtOnce(t *testing.T) {
	base := Capture()
	// A fresh permanent goroutine: it stays parked until the binary exits.
	f, err := leaktest.Start(leaktest.SelectNoCases, 1)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Check(t.Context(), base)
	if err != nil {
		t.Fatal(err)
	}
	if res.TimedOut || res.Settle > 500*time.Millisecond {
		t.Errorf("settle = %v, timed out %v; want an early end without timeout", res.Settle, res.TimedOut)
	}
	if res.Snapshots != 1 {
		t.Errorf("took %d full snapshots, want 1", res.Snapshots)
	}
	if len(res.Leaks) != 1 || res.Leaks[0].ID != f.ID() || res.Leaks[0].Class != ClassPermanent {
		t.Fatalf("leaks = %v, want goroutine %d, permanent", res.Leaks, f.ID())
	}
}

func TestCheckBlockedTimesOut(t *testing.T) {
	base := Capture()
	f := leaktest.MustStart(t, leaktest.Mutex, 1)
	res, err := Check(t.Context(), base, WithTimeout(100*time.Millisecond), WithPollInterval(2*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if !res.TimedOut || res.Settle < 100*time.Millisecond || res.Settle > 600*time.Millisecond {
		t.Errorf("settle = %v, timed out %v; want a timeout at about 100ms", res.Settle, res.TimedOut)
	}
	if len(res.Leaks) != 1 || res.Leaks[0].ID != f.ID() || res.Leaks[0].Class != ClassBlocked || res.Leaks[0].Proven {
		t.Fatalf("leaks = %v, want goroutine %d, blocked, not proven", res.Leaks, f.ID())
	}
	// A first look, and no more: nothing started or exited since.
	if res.Snapshots != 1 {
		t.Errorf("took %d full snapshots, want 1", res.Snapshots)
	}
	if res.Polls < 5 {
		t.Errorf("polled %d times in 100ms at 2ms, want up to 50", res.Polls)
	}
}

// churnChild is the body of the goroutines TestCheckChurn starts and ends
// all the time.
func churnChild(done chan<- struct{}) { close(done) }

// TestCheckChurn runs a check while goroutines start and exit all the time:
// the snapshots stay few (about log2(timeout/poll)+2).
func TestCheckChurn(t *testing.T) {
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			done := make(chan struct{})
			go churnChild(done)
			<-done
		}
	}()
	t.Cleanup(func() {
		close(stop)
		wg.Wait()
	})
	base := Capture()
	f := leaktest.MustStart(t, leaktest.ChanRecv, 1)
	timeout := 200 * time.Millisecond
	res, err := Check(t.Context(), base, WithTimeout(timeout),
		WithFilters(TopFunction("github.com/leakfunnel/leakfunnel/funnel.churnChild")))
	if err != nil {
		t.Fatal(err)
	}
	if !res.TimedOut || !slices.ContainsFunc(res.Leaks, func(g Goroutine) bool { return g.ID == f.ID() }) {
		t.Errorf("TimedOut %v, leaks %v; want a timeout with goroutine %d", res.TimedOut, res.Leaks, f.ID())
	}
	limit := 2 + int(math.Log2(float64(timeout/DefaultPollInterval))) + 1
	t.Logf("%d snapshots, %d polls in %v", res.Snapshots, res.Polls, res.Settle)
	if res.Snapshots > limit {
		t.Errorf("took %d full snapshots under churn, want at most %d", res.Snapshots, limit)
	}
}

// TestCheckSleepingHour checks a goroutine in time.Sleep(time.Hour). It runs
// in a testing/synctest bubble, where the hour passes at once when the test
// is over, so the goroutine exits.
func TestCheckSleepingHour(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		base := Capture()
		go func() { time.Sleep(time.Hour) }()
		synctest.Wait()
		res, err := Check(t.Context(), base, WithTimeout(100*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Leaks) != 1 || res.Leaks[0].State != "sleep" || res.Leaks[0].Class != ClassSleeping || !res.TimedOut {
			t.Errorf("leaks = %v, timed out %v; want one sleeping goroutine and a timeout", res.Leaks, res.TimedOut)
		}
		// Release: let the bubble's clock pass the hour.
		time.Sleep(time.Hour)
		synctest.Wait()
	})
}

func TestCheckFilters(t *testing.T) {
	base := Capture()
	f := leaktest.MustStart(t, leaktest.ChanRecv, 2)
	res, err := Check(t.Context(), base, WithFilters(TopFunction(f.Func)))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Leaks) != 0 || res.TimedOut {
		t.Errorf("filtered goroutines reported: %v", res.Leaks)
	}
	// One look shows that what keeps the count up is filtered out.
	if res.Snapshots != 1 || res.Settle > 500*time.Millisecond {
		t.Errorf("took %d snapshots and %v, want 1 snapshot after about ten polls", res.Snapshots, res.Settle)
	}
}

func TestCheckContext(t *testing.T) {
	base := Capture()
	f := leaktest.MustStart(t, leaktest.ChanSend, 1)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Millisecond)
	defer cancel()
	res, err := Check(ctx, base, WithTimeout(time.Minute))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Check error = %v, want one wrapping %v", err, context.DeadlineExceeded)
	}
	if res == nil {
		t.Fatal("Check returned no result when ctx ended")
	}
	if res.Settle > time.Second || !res.TimedOut {
		t.Errorf("settle = %v, timed out %v; want an end soon after ctx, marked timed out", res.Settle, res.TimedOut)
	}
	// The goroutine the context's deadline timer started to cancel it may
	// still be running at the final look; the fixture must be there.
	if !slices.ContainsFunc(res.Leaks, func(g Goroutine) bool { return g.ID == f.ID() }) {
		t.Errorf("leaks = %v, want goroutine %d among them", res.Leaks, f.ID())
	}
}

func TestCheckSampler(t *testing.T) {
	base := Capture()
	s := StartSampler(time.Millisecond)
	f := leaktest.MustStart(t, leaktest.ChanRecv, 3)
	f.Release()
	for _, id := range f.IDs {
		waitGone(t, id)
	}
	res, err := Check(t.Context(), base, WithSampler(s))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Leaks) != 0 {
		t.Errorf("leaks = %v, want none", res.Leaks)
	}
	// The sampler started after the baseline is counted in: the count is
	// back at the baseline at once, and one snapshot confirms.
	if res.Snapshots != 1 || res.Polls != 1 {
		t.Errorf("took %d snapshots and %d polls, want 1 and 1", res.Snapshots, res.Polls)
	}
	if res.Settle > 500*time.Millisecond {
		t.Errorf("settled in %v, want well under the timeout", res.Settle)
	}
	if res.Timeline == nil || len(res.Timeline.Samples) < 2 {
		t.Fatalf("Timeline = %v, want the sampler's samples", res.Timeline)
	}
	if s.running() {
		t.Error("Check left the sampler running")
	}
}

// TestCheckProof: with the goroutineleak profile, a goroutine nothing can
// reach ends settling at once, proven; with WithProof(false) or without the
// profile it is not proven and settling waits out the timeout.
func TestCheckProof(t *testing.T) {
	if !ProofAvailable() {
		base := Capture()
		f := leaktest.MustStart(t, leaktest.ChanRecv, 1)
		res, err := Check(t.Context(), base, WithTimeout(50*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		if res.ProofUsed || !res.TimedOut || len(res.Leaks) != 1 || res.Leaks[0].ID != f.ID() || res.Leaks[0].Proven {
			t.Errorf("without the profile: ProofUsed %v, TimedOut %v, leaks %v; want not proven, timed out", res.ProofUsed, res.TimedOut, res.Leaks)
		}
		return
	}
	base := Capture()
	id := unreachableLeak(t)
	res, err := Check(t.Context(), base, WithProof(false), WithTimeout(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if res.ProofUsed || !res.TimedOut || len(res.Leaks) != 1 || res.Leaks[0].Proven {
		t.Errorf("WithProof(false): ProofUsed %v, TimedOut %v, leaks %v; want not proven, timed out", res.ProofUsed, res.TimedOut, res.Leaks)
	}

	res, err = Check(t.Context(), base)
	if err != nil {
		t.Fatal(err)
	}
	if !res.ProofUsed || res.TimedOut || res.Settle >= DefaultTimeout {
		t.Errorf("ProofUsed %v, TimedOut %v, settle %v; want proof used and an early end", res.ProofUsed, res.TimedOut, res.Settle)
	}
	if len(res.Leaks) != 1 || res.Leaks[0].ID != id || !res.Leaks[0].Proven || res.Clusters[0].Proven != 1 {
		t.Errorf("leaks = %v, clusters = %v; want goroutine %d proven", res.Leaks, res.Clusters, id)
	}
}

// TestCheckFindsEveryClass is the funnel's end-to-end case: real leaks of
// every class are found, classified, clustered and attributed.
func TestCheckFindsEveryClass(t *testing.T) {
	enableTraceLabels(t)
	bg := startBackgroundWorker(t)
	base := Capture()

	// Permanent: fresh goroutines, parked until the binary exits.
	nilChan, err := leaktest.Start(leaktest.NilChanRecv, 1)
	if err != nil {
		t.Fatal(err)
	}
	fixtures := map[leaktest.Kind]*leaktest.Fixture{leaktest.NilChanRecv: nilChan}
	for _, k := range []leaktest.Kind{leaktest.ChanSend, leaktest.ChanRecv, leaktest.Select,
		leaktest.Mutex, leaktest.WaitGroup, leaktest.Cond, leaktest.Sleep, leaktest.IOWait} {
		fixtures[k] = leaktest.MustStart(t, k, 1)
	}

	p := newParkedGroup(t)
	// 100 identical workers, started by a goroutine that then exits.
	workers := make(chan []uint64)
	go func() {
		var ids []uint64
		for range 100 {
			ids = append(ids, p.start(workerWait))
		}
		workers <- ids
	}()
	workerIDs := <-workers

	// A grandchild of labelled code, whose parent has exited.
	var grandchild, parent uint64
	parentDone := make(chan struct{})
	pprof.Do(context.Background(), pprof.Labels("spec", "grandchild"), func(context.Context) {
		go func() {
			defer close(parentDone)
			parent = leaktest.CurrentID()
			grandchild = p.start(grandchildWait)
		}()
	})
	<-parentDone

	// A leak started by a background goroutine that predates the baseline.
	var background uint64
	bg.do(func() { background = p.start(backgroundWait) })

	parked := append(slices.Clone(workerIDs), grandchild, background)
	if err := leaktest.WaitForState(t.Context(), leaktest.ChanRecv, parked); err != nil {
		t.Fatal(err)
	}
	waitGone(t, parent)

	res, err := Check(t.Context(), base, WithTimeout(200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if !res.TimedOut {
		t.Error("TimedOut = false with blocked leaks that are not proven")
	}
	if res.Snapshots > 3 {
		t.Errorf("took %d full snapshots, want at most 3", res.Snapshots)
	}

	byID := map[uint64]*Cluster{}
	for i := range res.Clusters {
		for _, id := range res.Clusters[i].IDs {
			byID[id] = &res.Clusters[i]
		}
	}
	leakClass := map[uint64]Class{}
	for _, g := range res.Leaks {
		leakClass[g.ID] = g.Class
	}
	for k, f := range fixtures {
		want := classOfKind[k]
		if got, ok := leakClass[f.ID()]; !ok || got != want {
			t.Errorf("%s fixture %d: found %v, class %q; want found, class %q", k, f.ID(), ok, got, want)
		}
		if c := byID[f.ID()]; c == nil || c.Class != want {
			t.Errorf("%s fixture %d: cluster %v, want one of class %q", k, f.ID(), c, want)
		}
	}

	// The 100 workers form one cluster of 100, the largest, listed first.
	wc := byID[workerIDs[0]]
	if wc == nil {
		t.Fatal("workers not clustered")
	}
	if diff := cmp.Diff(slices.Sorted(slices.Values(workerIDs)), wc.IDs); diff != "" || wc.Count != 100 {
		t.Errorf("worker cluster: count %d, IDs mismatch (-want +got):\n%s", wc.Count, diff)
	}
	if &res.Clusters[0] != wc {
		t.Errorf("first cluster is %v, want the 100 workers", res.Clusters[0])
	}
	if wc.Class != ClassBlocked || wc.Key.State != "chan receive" || wc.Attribution.CreatorInBaseline {
		t.Errorf("worker cluster = %v, attribution %v", wc, wc.Attribution)
	}

	gc := byID[grandchild]
	if gc == nil || gc.Count != 1 {
		t.Fatalf("grandchild cluster = %v, want one of 1", gc)
	}
	if want := (Attribution{CreatedBy: gc.Representative.CreatedBy, CreatorID: parent, Labels: map[string]string{"spec": "grandchild"}}); !cmp.Equal(want, gc.Attribution) {
		t.Errorf("grandchild attribution mismatch (-want +got):\n%s", cmp.Diff(want, gc.Attribution))
	}

	bc := byID[background]
	if bc == nil || bc.Count != 1 {
		t.Fatalf("background cluster = %v, want one of 1", bc)
	}
	if !bc.Attribution.CreatorInBaseline || bc.Attribution.CreatorID != bg.id {
		t.Errorf("background leak attribution = %v, want creator %d in baseline", bc.Attribution, bg.id)
	}

	// Clusters are in order: count descending, then key.
	if !slices.IsSortedFunc(res.Clusters, func(a, b Cluster) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return a.Key.Compare(b.Key)
	}) {
		t.Error("clusters not ordered by count descending, then key")
	}

	// The result is plain data.
	data, err := json.Marshal(res)
	if err != nil {
		t.Fatalf("json.Marshal(result): %v", err)
	}
	var back Result
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatalf("json.Unmarshal(result): %v", err)
	}
	if diff := cmp.Diff(res, &back, cmpopts.IgnoreFields(Result{}, "Baseline")); diff != "" {
		t.Errorf("result changed in a JSON round trip (-want +got):\n%s", diff)
	}
}

func TestExitsSince(t *testing.T) {
	tests := []struct {
		prev, cur Metrics
		want      int64
	}{
		{Metrics{Goroutines: 10, Created: 100}, Metrics{Goroutines: 10, Created: 100}, 0},
		{Metrics{Goroutines: 10, Created: 100}, Metrics{Goroutines: 8, Created: 100}, 2},
		{Metrics{Goroutines: 10, Created: 100}, Metrics{Goroutines: 10, Created: 103}, 3},
		{Metrics{Goroutines: 10, Created: 100}, Metrics{Goroutines: 12, Created: 103}, 1},
	}
	for _, tt := range tests {
		if got := exitsSince(tt.prev, tt.cur); got != tt.want {
			t.Errorf("exitsSince(%+v, %+v) = %d, want %d", tt.prev, tt.cur, got, tt.want)
		}
	}
}

// BenchmarkSettle measures how soon after the last new goroutine exits
// settling ends ("overshoot"), for goroutines that exit 5ms, 50ms and 500ms
// after the check starts, and what a clean check costs (the 0s case; its
// ns/op includes the baseline Capture).
func BenchmarkSettle(b *testing.B) {
	for _, d := range []time.Duration{0, 5 * time.Millisecond, 50 * time.Millisecond, 500 * time.Millisecond} {
		b.Run(d.String(), func(b *testing.B) {
			var overshoot time.Duration
			snapshots := 0
			for b.Loop() {
				base := Capture()
				var exit atomic.Int64
				done := make(chan struct{})
				release := make(chan struct{})
				if d > 0 {
					go func() {
						defer close(done)
						<-release
						exit.Store(time.Now().UnixNano())
					}()
				} else {
					close(done)
				}
				start := time.Now()
				if d > 0 {
					time.AfterFunc(d, func() { close(release) })
				}
				res, err := Check(context.Background(), base)
				if err != nil {
					b.Fatal(err)
				}
				if len(res.Leaks) != 0 {
					b.Fatalf("leaks: %v", res.Clusters)
				}
				<-done
				snapshots += res.Snapshots
				if d > 0 {
					overshoot += start.Add(res.Settle).Sub(time.Unix(0, exit.Load()))
				}
			}
			b.ReportMetric(float64(snapshots)/float64(b.N), "snapshots/op")
			if d > 0 {
				b.ReportMetric(float64(overshoot.Microseconds())/float64(b.N), "overshoot-µs/op")
			}
		})
	}
}

// BenchmarkCheckClean measures a check that finds nothing, with n other
// goroutines alive: one count read and one snapshot since the baseline
// (a dump, a scan of its headers, and a parse of the new goroutines only).
// The floor-goroutines=n runs are one runtime.Stack(buf, true) into a
// reused buffer with the same goroutines, the cost a check cannot go below.
func BenchmarkCheckClean(b *testing.B) {
	for _, n := range []int{0, 1000, 10000} {
		b.Run(fmt.Sprintf("goroutines=%d", n), func(b *testing.B) {
			parkForBench(b, n)
			base := Capture()
			snapshots := 0
			for b.Loop() {
				res, err := Check(context.Background(), base)
				if err != nil {
					b.Fatal(err)
				}
				if len(res.Leaks) != 0 {
					b.Fatalf("leaks: %v", res.Clusters)
				}
				snapshots += res.Snapshots
			}
			b.ReportMetric(float64(snapshots)/float64(b.N), "snapshots/op")
		})
		b.Run(fmt.Sprintf("floor-goroutines=%d", n), func(b *testing.B) {
			parkForBench(b, n)
			buf := make([]byte, 64<<10)
			for runtime.Stack(buf, true) == len(buf) {
				buf = make([]byte, 2*len(buf))
			}
			for b.Loop() {
				runtime.Stack(buf, true)
			}
		})
	}
}

// parkForBench parks n goroutines until the benchmark ends.
func parkForBench(b *testing.B, n int) {
	release := make(chan struct{})
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-release
		}()
	}
	b.Cleanup(func() {
		close(release)
		wg.Wait()
	})
}

// Filtered goroutines that keep the count above the baseline delay the
// first look by ten poll intervals by default, and not at all with
// WithFirstLook(0).
func TestCheckFirstLook(t *testing.T) {
	base := Capture()
	f := leaktest.MustStart(t, leaktest.ChanRecv, 2)
	ignore := WithFilters(TopFunction(f.Func))

	res, err := Check(t.Context(), base, ignore)
	if err != nil {
		t.Fatal(err)
	}
	if window := 10 * DefaultPollInterval; len(res.Leaks) != 0 || res.Snapshots != 1 || res.Settle < window {
		t.Errorf("default: %d leaks, %d snapshots, settled in %v; want 0, 1 and at least %v", len(res.Leaks), res.Snapshots, res.Settle, window)
	}

	res, err = Check(t.Context(), base, ignore, WithFirstLook(0))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Leaks) != 0 || res.Snapshots != 1 || res.Polls != 1 {
		t.Errorf("WithFirstLook(0): %d leaks, %d snapshots, %d polls; want 0, 1 and 1", len(res.Leaks), res.Snapshots, res.Polls)
	}
}
