package funnel_test

import (
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/leakfunnel/leakfunnel/funnel"
)

func TestFilters(t *testing.T) {
	g := funnel.Goroutine{
		ID:        7,
		State:     "chan receive",
		Frames:    []funnel.Frame{{Func: "example.com/pool.(*Pool).wait"}, {Func: "example.com/pool.(*Pool).worker"}},
		CreatedBy: funnel.Frame{Func: "example.com/pool.New", File: "/src/pool.go", Line: 42},
	}
	tests := []struct {
		filter funnel.Filter
		desc   string
		want   bool
	}{
		{funnel.TopFunction("example.com/pool.(*Pool).wait"), `top function "example.com/pool.(*Pool).wait"`, true},
		{funnel.TopFunction("example.com/pool.(*Pool).worker"), `top function "example.com/pool.(*Pool).worker"`, false},
		{funnel.TopFunction("example.com/pool.(*Pool)"), `top function "example.com/pool.(*Pool)"`, false},
		{funnel.TopFunctionPrefix("example.com/pool."), `top function prefix "example.com/pool."`, true},
		{funnel.TopFunctionPrefix("example.com/other."), `top function prefix "example.com/other."`, false},
		{funnel.CreatedByFunction("example.com/pool.New"), `created by "example.com/pool.New"`, true},
		{funnel.CreatedByFunction("example.com/pool.Ne"), `created by "example.com/pool.Ne"`, false},
		{funnel.AnyFrame("example.com/pool.(*Pool).worker"), `any frame "example.com/pool.(*Pool).worker"`, true},
		{funnel.AnyFrame("example.com/pool.(*Pool).run"), `any frame "example.com/pool.(*Pool).run"`, false},
		{funnel.InState("chan receive"), `state "chan receive"`, true},
		{funnel.InState("chan receive (nil chan)"), `state "chan receive (nil chan)"`, false},
		{funnel.InSnapshot(&funnel.Snapshot{Goroutines: []funnel.Goroutine{{ID: 3}, {ID: 7}}}), "in snapshot of 2 goroutines", true},
		{funnel.InSnapshot(&funnel.Snapshot{Goroutines: []funnel.Goroutine{{ID: 8}}}), "in snapshot of 1 goroutines", false},
		{funnel.InSnapshot(nil), "in snapshot of 0 goroutines", false},
		{funnel.FilterFunc("odd IDs", func(g funnel.Goroutine) bool { return g.ID%2 == 1 }), "odd IDs", true},
		{funnel.FilterFunc("nil func", nil), "ignore nothing", false},
		{funnel.Filter{}, "ignore nothing", false},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			if got := tt.filter.String(); got != tt.desc {
				t.Errorf("String() = %q, want %q", got, tt.desc)
			}
			if got := tt.filter.Ignores(&g); got != tt.want {
				t.Errorf("Ignores(%v) = %t, want %t", g.ID, got, tt.want)
			}
			if got := tt.filter.IgnoresIn(&g, &funnel.Snapshot{}); got != tt.want {
				t.Errorf("IgnoresIn(%v, empty) = %t, want %t", g.ID, got, tt.want)
			}
			if tt.filter.Ignores(nil) {
				t.Errorf("Ignores(nil) = true")
			}
		})
	}
	t.Run("no frames", func(t *testing.T) {
		bare := funnel.Goroutine{ID: 1}
		for _, f := range []funnel.Filter{funnel.TopFunction(""), funnel.TopFunctionPrefix(""), funnel.AnyFrame("")} {
			if f.Ignores(&bare) {
				t.Errorf("%s ignores a goroutine without frames", f)
			}
		}
	})
}

func TestStandardFiltersFreshCopy(t *testing.T) {
	a := funnel.StandardFilters()
	n := len(a)
	a = append(a[:1], funnel.InState("sleep"))
	b := funnel.StandardFilters()
	if len(b) != n || b[1].String() == "state \"sleep\"" {
		t.Errorf("StandardFilters() changed after a caller appended to an earlier result: %v", b)
	}
	_ = a
}

func TestStandardFiltersParallelClientNeedsSnapshot(t *testing.T) {
	runner := funnel.Goroutine{ID: 5, Frames: []funnel.Frame{{Func: "github.com/onsi/ginkgo/v2.RunSpecs"}}}
	client := funnel.Goroutine{ID: 9, CreatorID: 5, Frames: []funnel.Frame{{Func: "net/rpc.(*Client).input"}},
		CreatedBy: funnel.Frame{Func: "net/rpc.NewClientWithCodec"}}
	users := client
	users.ID, users.CreatorID = 11, 6
	user := funnel.Goroutine{ID: 6, Frames: []funnel.Frame{{Func: "example.com/app.dial"}}}
	s := &funnel.Snapshot{Goroutines: []funnel.Goroutine{runner, user, client, users}}
	ignoredBy := func(g funnel.Goroutine, s *funnel.Snapshot) []string {
		var out []string
		for _, f := range funnel.StandardFilters() {
			if f.IgnoresIn(&g, s) {
				out = append(out, f.String())
			}
		}
		return out
	}
	if got := ignoredBy(client, s); len(got) != 1 {
		t.Errorf("Ginkgo's rpc client is ignored by %q, want one parallel client filter", got)
	}
	if got := ignoredBy(client, nil); len(got) != 0 {
		t.Errorf("without a snapshot Ginkgo's rpc client is ignored by %q, want none", got)
	}
	if got := ignoredBy(users, s); len(got) != 0 {
		t.Errorf("a user's rpc client is ignored by %q, want none", got)
	}
}

// goroutineIDs is a list of goroutines as the suite reports them.
type goroutineIDs []struct {
	ID uint64 `json:"id"`
}

func (gs goroutineIDs) sorted() []uint64 {
	var out []uint64
	for _, g := range gs {
		out = append(out, g.ID)
	}
	slices.Sort(out)
	return out
}

// filterReport mirrors what testdata/ginkgosuite writes for each spec.
type filterReport struct {
	Process   int            `json:"process"`
	Spec      string         `json:"spec"`
	Planted   []uint64       `json:"planted"`
	Survivors goroutineIDs   `json:"survivors"`
	Leaked    goroutineIDs   `json:"leaked"`
	Matches   map[string]int `json:"matches"`
	Err       string         `json:"err"`
}

// TestStandardFiltersGinkgo runs the real Ginkgo suite in
// testdata/ginkgosuite with --procs=2, over both parallel protocols. Each
// spec plants leaks (two goroutines of its own, one abandoned by Gomega's
// gbytes, in two specs a finalizer that blocks, in one the capture runs
// off the node goroutine), captures every goroutine and reports what the
// standard filters matched. Nothing but the spec's own planted goroutines
// may survive, and every standard filter must match something in the run.
func TestStandardFiltersGinkgo(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a Ginkgo suite")
	}
	// Compile the suite and the ginkgo CLI into a temp dir and run the
	// binary from there: ginkgo would otherwise write the compiled suite
	// into the source tree.
	dir := t.TempDir()
	gotool := filepath.Join(runtime.GOROOT(), "bin", "go")
	bin, ginkgo := filepath.Join(dir, "ginkgosuite.test"), filepath.Join(dir, "ginkgo")
	for _, build := range []*exec.Cmd{
		exec.Command(gotool, "test", "-c", "-o", bin, "./testdata/ginkgosuite"),
		exec.Command(gotool, "build", "-o", ginkgo, "github.com/onsi/ginkgo/v2/ginkgo"),
	} {
		if b, err := build.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", build, err, b)
		}
	}
	for _, protocol := range []string{"", "HTTP"} {
		name := "rpc"
		if protocol != "" {
			name = protocol
		}
		t.Run(name, func(t *testing.T) {
			t.Setenv("GINKGO_PARALLEL_PROTOCOL", protocol)
			out := t.TempDir()
			cmd := exec.Command(ginkgo, "--procs=2", "--no-color", bin)
			cmd.Env = append(os.Environ(), "LEAKFUNNEL_FILTER_REPORT="+out)
			cmd.Dir = out
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%s: %v\n%s", cmd, err, b)
			}
			files, err := filepath.Glob(filepath.Join(out, "*.json"))
			if err != nil || len(files) != 4 {
				t.Fatalf("suite wrote %v (%v), want 4 reports", files, err)
			}
			matched := map[string]int{}
			for _, file := range files {
				b, err := os.ReadFile(file)
				if err != nil {
					t.Fatal(err)
				}
				var r filterReport
				if err := json.Unmarshal(b, &r); err != nil {
					t.Fatalf("%s: %v", file, err)
				}
				if r.Err != "" {
					t.Errorf("%s: snapshot error %q", r.Spec, r.Err)
				}
				planted := slices.Sorted(slices.Values(r.Planted))
				if diff := cmp.Diff(planted, r.Survivors.sorted()); diff != "" {
					t.Errorf("%s (process %d): goroutines surviving the standard filters (-planted +survivors):\n%s\nreport: %s", r.Spec, r.Process, diff, b)
				}
				if diff := cmp.Diff(planted, r.Leaked.sorted()); diff != "" {
					t.Errorf("%s (process %d): Leaked(base, cur, StandardFilters()) (-planted +leaked):\n%s", r.Spec, r.Process, diff)
				}
				for desc, n := range r.Matches {
					matched[desc] += n
				}
			}
			var want, unmatched []string
			for _, f := range funnel.StandardFilters() {
				want = append(want, f.String())
				if matched[f.String()] == 0 {
					unmatched = append(unmatched, f.String())
				}
			}
			slices.Sort(want)
			if diff := cmp.Diff(want, slices.Sorted(maps.Keys(matched))); diff != "" {
				t.Errorf("standard filters (-this process +suite):\n%s", diff)
			}
			if len(unmatched) > 0 {
				t.Errorf("standard filters that matched no goroutine of a real Ginkgo --procs=2 run: %q", unmatched)
			}
		})
	}
}

func TestStandardFiltersTable(t *testing.T) {
	frames := func(fns ...string) []funnel.Frame {
		var fs []funnel.Frame
		for _, fn := range fns {
			fs = append(fs, funnel.Frame{Func: fn})
		}
		return fs
	}
	created := func(fn string) funnel.Frame { return funnel.Frame{Func: fn} }
	tests := []struct {
		name string
		g    funnel.Goroutine
		want bool
	}{
		{"user worker", funnel.Goroutine{Frames: frames("example.com/app.worker"), CreatedBy: created("example.com/app.Start")}, false},
		{"user goroutine started from a test", funnel.Goroutine{Frames: frames("example.com/app.worker"), CreatedBy: created("example.com/app_test.TestX")}, false},
		{"user goroutine in a runtime frame", funnel.Goroutine{Frames: frames("runtime.Gosched", "example.com/app.spin"), CreatedBy: created("example.com/app.Start")}, false},
		{"finalizer goroutine running a finalizer", funnel.Goroutine{Frames: frames("example.com/app.finalize", "runtime.runFinalizers")}, true},
		{"elided user stack", funnel.Goroutine{Frames: frames("example.com/app.deep", "runtime.cgocallback"), Elided: true, CreatedBy: created("example.com/app.Start")}, false},
		{"subtest", funnel.Goroutine{Frames: frames("testing.tRunner"), CreatedBy: created("testing.(*T).Run")}, true},
		{"signal loop", funnel.Goroutine{Frames: frames("os/signal.signal_recv", "os/signal.loop"), CreatedBy: created("os/signal.Notify.func1.1")}, true},
		{"ginkgo node", funnel.Goroutine{Frames: frames("example.com/app_test.init.func1.1"), CreatedBy: created("github.com/onsi/ginkgo/v2/internal.(*Suite).runNode")}, true},
		{"gbytes timeout reader", funnel.Goroutine{Frames: frames("io.(*pipe).read"), CreatedBy: created("github.com/onsi/gomega/gbytes.timeoutReaderWriterCloser.Read")}, true},
		{"gexec session monitor", funnel.Goroutine{Frames: frames("os.(*Process).Wait"), CreatedBy: created("github.com/onsi/gomega/gexec.Start")}, false},
		{"user rpc client", funnel.Goroutine{Frames: frames("net/rpc.(*Client).input"), CreatedBy: created("net/rpc.NewClientWithCodec")}, false},
		{"user http connection", funnel.Goroutine{Frames: frames("net/http.(*persistConn).readLoop"), CreatedBy: created("net/http.(*Transport).dialConn")}, false},
	}
	t.Setenv("GINKGO_PARALLEL_PROTOCOL", "")
	filters := funnel.StandardFilters()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var by []string
			for _, f := range filters {
				if f.IgnoresIn(&tt.g, &funnel.Snapshot{Goroutines: []funnel.Goroutine{tt.g}}) {
					by = append(by, f.String())
				}
			}
			if got := len(by) > 0; got != tt.want {
				t.Errorf("ignored = %t (by %q), want %t", got, by, tt.want)
			}
		})
	}
}

// A goroutine that has been started but has not run yet lists
// runtime.goexit as its outermost frame; the standard filters must not take
// it for a runtime goroutine, or a leak started just before a check is lost.
func TestStandardFiltersKeepGoroutineNotYetRun(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })

	base := funnel.Capture()
	// With one P and no scheduling point between the go statement and the
	// dump, the new goroutine is still waiting for its first run.
	prev := runtime.GOMAXPROCS(1)
	go waitFor(release) // a call with arguments runs through a gowrap frame
	snap := funnel.Capture()
	runtime.GOMAXPROCS(prev)

	leaks, err := funnel.Leaked(base, snap, funnel.StandardFilters())
	if err != nil {
		t.Fatal(err)
	}
	if len(leaks) != 1 {
		t.Fatalf("Leaked found %d goroutines, want the 1 just started: %v", len(leaks), leaks)
	}
	g := leaks[0]
	if n := len(g.Frames); n == 0 || g.Frames[n-1].Func != "runtime.goexit" {
		t.Logf("the goroutine ran before the dump (frames %v); the not-yet-run case was not exercised", g.Frames)
	}
}

func waitFor(ch <-chan struct{}) { <-ch }
