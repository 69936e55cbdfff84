package funnel

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"runtime/pprof"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/leakfunnel/leakfunnel/internal/leaktest"
)

// enableTraceLabels turns on label dumps for the test and restores GODEBUG
// afterwards.
func enableTraceLabels(t *testing.T) {
	t.Helper()
	old, had := os.LookupEnv("GODEBUG")
	if err := EnableTraceLabels(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if had {
			_ = os.Setenv("GODEBUG", old)
		} else {
			_ = os.Unsetenv("GODEBUG")
		}
	})
}

// backgroundWorker is a goroutine that runs functions it is sent, standing
// for a worker that a suite started before the baseline.
type backgroundWorker struct {
	id    uint64
	jobs  chan func()
	wg    sync.WaitGroup
	close sync.Once
}

func startBackgroundWorker(t *testing.T) *backgroundWorker {
	t.Helper()
	w := &backgroundWorker{jobs: make(chan func())}
	started := make(chan uint64)
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		started <- leaktest.CurrentID()
		for job := range w.jobs {
			job()
		}
	}()
	w.id = <-started
	t.Cleanup(w.stop)
	return w
}

func (w *backgroundWorker) stop() {
	w.close.Do(func() {
		close(w.jobs)
		w.wg.Wait()
	})
}

// do runs f on the worker and waits for it to return.
func (w *backgroundWorker) do(f func()) {
	done := make(chan struct{})
	w.jobs <- func() {
		defer close(done)
		f()
	}
	<-done
}

// blocker is a goroutine blocked in chan receive until released.
type blocker struct {
	id      uint64
	release chan struct{}
	exited  chan struct{}
}

// startBlocker starts a blocker from the calling goroutine and waits until
// it blocks; t.Cleanup releases it and waits for its exit.
func startBlocker(t *testing.T) *blocker {
	t.Helper()
	b := &blocker{release: make(chan struct{}), exited: make(chan struct{})}
	started := make(chan uint64)
	go blockerLoop(started, b.release, b.exited)
	b.id = <-started
	t.Cleanup(b.stop)
	if err := leaktest.WaitForState(t.Context(), leaktest.ChanRecv, []uint64{b.id}); err != nil {
		t.Fatal(err)
	}
	return b
}

func (b *blocker) stop() {
	select {
	case <-b.release:
	default:
		close(b.release)
	}
	<-b.exited
}

func blockerLoop(started chan<- uint64, release <-chan struct{}, exited chan<- struct{}) {
	defer close(exited)
	started <- leaktest.CurrentID()
	<-release
}

func TestAttributeCreatorOutsideBaseline(t *testing.T) {
	base := Capture()
	b := startBlocker(t)
	g, ok := Capture().Find(b.id)
	if !ok {
		t.Fatalf("goroutine %d not in snapshot", b.id)
	}
	got := Attribute(&g, base)
	want := Attribution{CreatedBy: g.CreatedBy, CreatorID: leaktest.CurrentID()}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Attribute mismatch (-want +got):\n%s", diff)
	}
	if got.CreatedBy.Func != "github.com/leakfunnel/leakfunnel/funnel.startBlocker" {
		t.Errorf("CreatedBy.Func = %q, want startBlocker", got.CreatedBy.Func)
	}
}

func TestAttributeCreatorInBaseline(t *testing.T) {
	w := startBackgroundWorker(t)
	base := Capture()
	var b *blocker
	w.do(func() { b = startBlocker(t) })
	g, ok := Capture().Find(b.id)
	if !ok {
		t.Fatalf("goroutine %d not in snapshot", b.id)
	}
	got := Attribute(&g, base)
	want := Attribution{CreatedBy: g.CreatedBy, CreatorID: w.id, CreatorInBaseline: true, AncestorInBaseline: w.id}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Attribute mismatch (-want +got):\n%s", diff)
	}
	if got := Attribute(&g, nil); got.CreatorInBaseline || got.AncestorInBaseline != 0 {
		t.Errorf("Attribute without baseline = %+v, want no baseline knowledge", got)
	}
}

// TestAttributeLabelsThroughExitedParent starts a parent under pprof labels;
// the parent starts a child and exits. The child carries the labels.
func TestAttributeLabelsThroughExitedParent(t *testing.T) {
	enableTraceLabels(t)
	base := Capture()
	var child *blocker
	parentID := make(chan uint64, 1)
	parentDone := make(chan struct{})
	pprof.Do(context.Background(), pprof.Labels("spec", "grandchild"), func(context.Context) {
		go func() {
			defer close(parentDone)
			parentID <- leaktest.CurrentID()
			child = startBlocker(t)
		}()
	})
	<-parentDone
	parent := <-parentID
	waitGone(t, parent)

	g, ok := Capture().Find(child.id)
	if !ok {
		t.Fatalf("goroutine %d not in snapshot", child.id)
	}
	got := Attribute(&g, base)
	want := Attribution{CreatedBy: g.CreatedBy, CreatorID: parent, Labels: map[string]string{"spec": "grandchild"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Attribute mismatch (-want +got):\n%s", diff)
	}
	got.Labels["spec"] = "changed"
	if g.Labels["spec"] != "grandchild" {
		t.Error("Attribute shares its Labels map with the goroutine")
	}
}

// waitGone waits until goroutine id is no longer in a snapshot.
func waitGone(t *testing.T, id uint64) {
	t.Helper()
	ctx := t.Context()
	for Capture().Contains(id) {
		if err := pause(ctx); err != nil {
			t.Fatalf("goroutine %d did not exit: %v", id, err)
		}
	}
}

// pause waits a short while between two looks at the goroutine set.
func pause(ctx context.Context) error {
	t := time.NewTimer(200 * time.Microsecond)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

const ancestorsHelperEnv = "LEAKFUNNEL_ANCESTORS_HELPER"

// TestAttributeAncestors runs TestAttributeAncestorsHelper in a child
// process with GODEBUG=tracebackancestors=10 (read only at process start).
func TestAttributeAncestors(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestAttributeAncestorsHelper$", "-test.v")
	cmd.Env = append(os.Environ(), ancestorsHelperEnv+"=1", "GODEBUG=tracebackancestors=10")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("helper process: %v\n%s", err, out)
	}
	_, line, ok := bytes.Cut(out, []byte("ATTRIBUTION "))
	if !ok {
		t.Fatalf("helper printed no attribution:\n%s", out)
	}
	line, _, _ = bytes.Cut(line, []byte("\n"))
	var r ancestorsReport
	if err := json.Unmarshal(line, &r); err != nil {
		t.Fatalf("decode helper output %q: %v", line, err)
	}
	a := r.Attribution
	if a.CreatorID != r.Short || a.CreatorInBaseline {
		t.Errorf("creator = %d (in baseline %v), want the exited goroutine %d, not in baseline", a.CreatorID, a.CreatorInBaseline, r.Short)
	}
	if len(a.Ancestors) < 2 || a.Ancestors[0] != r.Short || a.Ancestors[1] != r.Worker {
		t.Errorf("Ancestors = %v, want [%d %d ...]", a.Ancestors, r.Short, r.Worker)
	}
	if a.AncestorInBaseline != r.Worker {
		t.Errorf("AncestorInBaseline = %d, want the background worker %d", a.AncestorInBaseline, r.Worker)
	}
}

type ancestorsReport struct {
	Worker, Short uint64
	Attribution   Attribution
}

// TestAttributeAncestorsHelper is run by TestAttributeAncestors only: a
// background worker (in the baseline) starts a short-lived goroutine, which
// starts the leak and exits.
func TestAttributeAncestorsHelper(t *testing.T) {
	if os.Getenv(ancestorsHelperEnv) != "1" {
		t.Skip("run by TestAttributeAncestors")
	}
	w := startBackgroundWorker(t)
	base := Capture()
	var leak *blocker
	var short uint64
	w.do(func() {
		done := make(chan struct{})
		go func() {
			defer close(done)
			short = leaktest.CurrentID()
			leak = startBlocker(t)
		}()
		<-done
	})
	waitGone(t, short)
	g, ok := Capture().Find(leak.id)
	if !ok {
		t.Fatalf("goroutine %d not in snapshot", leak.id)
	}
	data, err := json.Marshal(ancestorsReport{Worker: w.id, Short: short, Attribution: Attribute(&g, base)})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("ATTRIBUTION %s", data)
}

func TestAttributionStringAndJSON(t *testing.T) {
	a := Attribution{
		CreatedBy:          Frame{Func: "example.com/pool.New", File: "/src/pool.go", Line: 42},
		CreatorID:          7,
		CreatorInBaseline:  true,
		Ancestors:          []uint64{7, 3},
		AncestorInBaseline: 7,
		Labels:             map[string]string{"spec": "3", "node": "It"},
	}
	if got, want := a.String(), "created by example.com/pool.New at /src/pool.go:42 in goroutine 7 (in baseline), labels {node=It, spec=3}"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	data, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	var back Attribution
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(a, back); diff != "" {
		t.Errorf("JSON round trip changed the attribution (-want +got):\n%s", diff)
	}
	if got, want := (Attribution{}).String(), "creator unknown"; got != want {
		t.Errorf("zero Attribution String() = %q, want %q", got, want)
	}
	if got := Attribute(nil, nil); !cmp.Equal(got, Attribution{}) {
		t.Errorf("Attribute(nil, nil) = %+v, want zero", got)
	}
}
