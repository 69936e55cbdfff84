package matchers

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/leakfunnel/leakfunnel/funnel"
	"github.com/onsi/gomega"
	"github.com/onsi/gomega/gleak"
	"github.com/onsi/gomega/types"
)

func TestIsGleakMatcher(t *testing.T) {
	if !isGleakMatcher(gleak.IgnoringTopFunction("pkg.f")) {
		t.Errorf("isGleakMatcher(gleak.IgnoringTopFunction) = false, want true; has gleak moved to another package than %q?", gleakPackage)
	}
	if !isGleakMatcher(gleak.IgnoringGoroutines(nil)) {
		t.Error("isGleakMatcher(gleak.IgnoringGoroutines) = false, want true")
	}
	if isGleakMatcher(gomega.Equal(1)) {
		t.Error("isGleakMatcher(gomega.Equal) = true, want false")
	}
}

func TestToGleak(t *testing.T) {
	g := funnel.Goroutine{
		ID:             42,
		State:          "chan receive",
		Wait:           3 * time.Minute,
		LockedToThread: true,
		Frames: []funnel.Frame{
			{Func: "example.com/p.wait", File: "/src/p/wait.go", Line: 12},
			{Func: "example.com/p.run", File: "/src/p/run.go", Line: 7},
		},
		Elided:    true,
		CreatedBy: funnel.Frame{Func: "example.com/p.Start", File: "/src/p/start.go", Line: 3},
		CreatorID: 9,
	}
	want := gleak.Goroutine{
		ID:              42,
		State:           "chan receive, 3 minutes, locked to thread",
		TopFunction:     "example.com/p.wait",
		CreatorFunction: "example.com/p.Start",
		BornAt:          "/src/p/start.go:3",
		Backtrace: "example.com/p.wait(...)\n\t/src/p/wait.go:12\n" +
			"example.com/p.run(...)\n\t/src/p/run.go:7\n" +
			"...additional frames elided...\n" +
			"created by example.com/p.Start in goroutine 9\n\t/src/p/start.go:3\n",
	}
	if diff := cmp.Diff(want, toGleak(g)); diff != "" {
		t.Errorf("toGleak() mismatch (-want +got):\n%s", diff)
	}

	bare := toGleak(funnel.Goroutine{ID: 1, State: "running", Scan: true, Wait: time.Minute})
	if diff := cmp.Diff(gleak.Goroutine{ID: 1, State: "running (scan), 1 minute"}, bare); diff != "" {
		t.Errorf("toGleak(bare) mismatch (-want +got):\n%s", diff)
	}
}

func TestMatchGoroutine(t *testing.T) {
	g := funnel.Goroutine{ID: 7, State: "select", Frames: []funnel.Frame{{Func: "pkg.f"}}}
	tests := []struct {
		name    string
		m       types.GomegaMatcher
		want    bool
		wantErr bool
	}{
		{"gleak matcher", gleak.IgnoringTopFunction("pkg.f [select]"), true, false},
		{"gleak matcher, other state", gleak.IgnoringTopFunction("pkg.f [chan send]"), false, false},
		{"funnel matcher", gomega.HaveField("State", "select"), true, false},
		{"matcher for gleak.Goroutine", gomega.WithTransform(func(g gleak.Goroutine) uint64 { return g.ID }, gomega.Equal(uint64(7))), true, false},
		{"matcher for neither", gomega.HaveLen(1), false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := matchGoroutine(tt.m, g)
			if (err != nil) != tt.wantErr {
				t.Fatalf("matchGoroutine() error = %v, want error %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("matchGoroutine() = %v, want %v", got, tt.want)
			}
		})
	}
}
