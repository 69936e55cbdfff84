package funnel_test

import (
	"context"
	"os"
	"runtime/pprof"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/leakfunnel/leakfunnel/funnel"
	"github.com/leakfunnel/leakfunnel/internal/leaktest"
)

// enableTraceLabels calls EnableTraceLabels and restores GODEBUG when t ends.
func enableTraceLabels(t *testing.T) {
	t.Helper()
	t.Setenv("GODEBUG", os.Getenv("GODEBUG"))
	if err := funnel.EnableTraceLabels(); err != nil {
		t.Fatalf("EnableTraceLabels() = %v", err)
	}
}

func TestEnableTraceLabelsEnvironment(t *testing.T) {
	tests := []struct {
		name, before, want string
	}{
		{"unset", "", "tracebacklabels=1"},
		{"others kept", "gctrace=0,madvdontneed=1", "gctrace=0,madvdontneed=1,tracebacklabels=1"},
		{"off replaced in place", "a=1,tracebacklabels=0,b=2", "a=1,tracebacklabels=1,b=2"},
		{"already on", "tracebacklabels=1", "tracebacklabels=1"},
		{"duplicates dropped", "tracebacklabels=0,x=1,tracebacklabels=0", "tracebacklabels=1,x=1"},
		{"empty items dropped", ",x=1,,", "x=1,tracebacklabels=1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("GODEBUG", tt.before)
			for range 2 { // idempotent
				if err := funnel.EnableTraceLabels(); err != nil {
					t.Fatalf("EnableTraceLabels() = %v", err)
				}
				if got := os.Getenv("GODEBUG"); got != tt.want {
					t.Errorf("GODEBUG = %q, want %q", got, tt.want)
				}
			}
		})
	}
}

func TestEnableTraceLabelsCapture(t *testing.T) {
	enableTraceLabels(t)
	started := make(chan uint64)
	release := make(chan struct{})
	labels := pprof.Labels("spec", "reads labels", "quote", `say "hi", then {go}`)
	go pprof.Do(context.Background(), labels, func(context.Context) {
		started <- leaktest.CurrentID()
		<-release
	})
	id := <-started
	defer close(release)
	ctx, cancel := context.WithTimeout(context.Background(), leaktest.DefaultTimeout)
	defer cancel()
	if err := leaktest.WaitForState(ctx, leaktest.ChanRecv, []uint64{id}); err != nil {
		t.Fatal(err)
	}
	g, ok := funnel.Capture().Find(id)
	if !ok {
		t.Fatalf("Capture() lacks goroutine %d", id)
	}
	want := map[string]string{"spec": "reads labels", "quote": `say "hi", then {go}`}
	if diff := cmp.Diff(want, g.Labels); diff != "" {
		t.Errorf("goroutine %d labels (-want +got):\n%s", id, diff)
	}
}
