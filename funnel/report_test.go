package funnel

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// reportTestCluster builds a cluster of n goroutines whose stack is frames
// calls of fn, for the report tests.
func reportTestCluster(n int, fn string, frames int) Cluster {
	g := Goroutine{ID: 100, State: "chan receive", Class: ClassBlocked,
		CreatedBy: Frame{Func: "example.com/app.start", File: "/src/example.com/app/start.go", Line: 9}, CreatorID: 1}
	for i := range frames {
		g.Frames = append(g.Frames, Frame{Func: fn, File: "/src/example.com/app/wait.go", Line: 10 + i})
	}
	ids := make([]uint64, n)
	for i := range ids {
		ids[i] = 100 + uint64(i)
	}
	return Cluster{Count: n, IDs: ids, Representative: g, Class: ClassBlocked,
		Attribution: Attribution{CreatedBy: g.CreatedBy, CreatorID: 1}}
}

func TestFormatClusters(t *testing.T) {
	tests := []struct {
		name     string
		clusters []Cluster
		opts     FormatOptions
		want     string
	}{
		{
			name: "no clusters",
			want: "leakfunnel: 0 goroutines leaked in 0 clusters (proof not used)\n",
		},
		{
			name:     "one goroutine, full paths, proof",
			clusters: []Cluster{reportTestCluster(1, "example.com/app.wait", 1)},
			opts:     FormatOptions{FullPaths: true, ProofUsed: true, Indent: "> "},
			want: `> leakfunnel: 1 goroutine leaked in 1 cluster (0 proven)
> [1] 1 goroutine, blocked (chan receive), not proven
>     waits in:   example.com/app.wait at /src/example.com/app/wait.go:10
>     started by: example.com/app.start at /src/example.com/app/start.go:9, in goroutine 1
>     stack:      example.com/app.wait at /src/example.com/app/wait.go:10
>     goroutines: 100
`,
		},
		{
			name:     "caps frames, IDs and clusters",
			clusters: []Cluster{reportTestCluster(4, "example.com/app.wait", 3), reportTestCluster(2, "example.com/app.other", 1), reportTestCluster(1, "example.com/app.third", 1)},
			opts:     FormatOptions{MaxClusters: 1, MaxFrames: 2, MaxIDs: 3},
			want: `leakfunnel: 7 goroutines leaked in 3 clusters (proof not used)
[1] 4 goroutines, blocked (chan receive)
    waits in:   example.com/app.wait at app/wait.go:10
    started by: example.com/app.start at app/start.go:9, in goroutine 1
    stack:      example.com/app.wait at app/wait.go:10
                example.com/app.wait at app/wait.go:11
                ... 1 more frame
    goroutines: 100, 101, 102 and 1 more
... and 2 more clusters (3 goroutines)
`,
		},
		{
			name:     "negative caps mean none",
			clusters: []Cluster{reportTestCluster(1, "example.com/app.wait", 1), reportTestCluster(1, "example.com/app.other", 1)},
			opts:     FormatOptions{MaxClusters: -1, MaxFrames: -1, MaxIDs: -1},
			want: `leakfunnel: 2 goroutines leaked in 2 clusters (proof not used)
[1] 1 goroutine, blocked (chan receive)
    waits in:   example.com/app.wait at app/wait.go:10
    started by: example.com/app.start at app/start.go:9, in goroutine 1
    stack:      example.com/app.wait at app/wait.go:10
    goroutines: 100
[2] 1 goroutine, blocked (chan receive)
    waits in:   example.com/app.other at app/wait.go:10
    started by: example.com/app.start at app/start.go:9, in goroutine 1
    stack:      example.com/app.other at app/wait.go:10
    goroutines: 100
`,
		},
		{
			name:     "unknown creator and unclassified",
			clusters: []Cluster{{Count: 1, IDs: []uint64{5}, Representative: Goroutine{ID: 5, State: "select (no cases)"}}},
			want: `leakfunnel: 1 goroutine leaked in 1 cluster (proof not used)
[1] 1 goroutine, unclassified (select (no cases))
    started by: unknown (the runtime or the main goroutine)
    goroutines: 5
`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			if err := FormatClusters(&b, tt.clusters, tt.opts); err != nil {
				t.Fatalf("FormatClusters() error = %v", err)
			}
			if diff := cmp.Diff(tt.want, b.String()); diff != "" {
				t.Errorf("FormatClusters() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

func TestFormatErrors(t *testing.T) {
	boom := errors.New("disk full")
	if err := FormatClusters(failingWriter{boom}, nil, FormatOptions{}); !errors.Is(err, boom) {
		t.Errorf("FormatClusters() error = %v, want it to wrap %v", err, boom)
	}
	if err := FormatResult(failingWriter{boom}, &Result{}, FormatOptions{}); !errors.Is(err, boom) {
		t.Errorf("FormatResult() error = %v, want it to wrap %v", err, boom)
	}
	if err := FormatResult(&strings.Builder{}, nil, FormatOptions{}); err == nil {
		t.Error("FormatResult(nil) error = nil, want an error")
	}
}

func TestFormatResult(t *testing.T) {
	r := &Result{
		Baseline:  &Snapshot{Goroutines: make([]Goroutine, 2)},
		Final:     &Snapshot{Goroutines: make([]Goroutine, 3)},
		Clusters:  []Cluster{reportTestCluster(1, "example.com/app.wait", 1)},
		Settle:    1234567 * time.Nanosecond,
		Snapshots: 1,
		ProofUsed: true,
		Timeline: &Timeline{Samples: make([]Sample, 2),
			Summary: TimelineSummary{BlockedRatio: 0.5, PeakGoroutines: 7}},
	}
	r.Clusters[0].Proven = 1
	var b strings.Builder
	if err := FormatResult(&b, r, FormatOptions{}); err != nil {
		t.Fatalf("FormatResult() error = %v", err)
	}
	want := `leakfunnel: 1 goroutine leaked in 1 cluster (1 proven)
[1] 1 goroutine, blocked (chan receive), proven
    waits in:   example.com/app.wait at app/wait.go:10
    started by: example.com/app.start at app/start.go:9, in goroutine 1
    stack:      example.com/app.wait at app/wait.go:10
    goroutines: 100
goroutines 2 -> 3, settled in 1ms (1 snapshot), blocked ratio 0.50, peak 7
`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("FormatResult() mismatch (-want +got):\n%s", diff)
	}
	if got := ResultFigures(nil); got != "" {
		t.Errorf("ResultFigures(nil) = %q, want empty", got)
	}
}
