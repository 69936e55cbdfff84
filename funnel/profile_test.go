package funnel_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/pprof/profile"
	"github.com/leakfunnel/leakfunnel/funnel"
	"github.com/leakfunnel/leakfunnel/internal/leaktest"
)

func writeProfileFile(t *testing.T, path string, s *funnel.Snapshot, opts ...funnel.ProfileOption) {
	t.Helper()
	var b bytes.Buffer
	if err := funnel.WriteProfile(&b, s, opts...); err != nil {
		t.Fatalf("WriteProfile() = %v", err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// pprofTop runs the real `go tool pprof -top` with args and returns the flat
// count of the row for fn, or -1 when there is none.
func pprofTop(t *testing.T, fn string, args ...string) int {
	t.Helper()
	gotool := filepath.Join(runtime.GOROOT(), "bin", "go")
	cmd := exec.Command(gotool, append([]string{"tool", "pprof", "-top", "-nodecount=1000"}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", cmd, err, out)
	}
	for line := range strings.Lines(string(out)) {
		fields := strings.Fields(line)
		if len(fields) == 6 && fields[5] == fn {
			var n int
			if _, err := fmtSscan(fields[0], &n); err != nil {
				t.Fatalf("row %q: %v", line, err)
			}
			return n
		}
	}
	t.Logf("%s:\n%s", cmd, out)
	return -1
}

func TestWriteProfilePprofTool(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go tool pprof")
	}
	dir := t.TempDir()
	base := funnel.Capture()
	f := leaktest.MustStart(t, leaktest.ChanRecv, 3)
	cur := funnel.Capture()
	basePath, curPath := filepath.Join(dir, "baseline.pb.gz"), filepath.Join(dir, "current.pb.gz")
	writeProfileFile(t, basePath, base)
	writeProfileFile(t, curPath, cur)

	if got := pprofTop(t, f.Func, curPath); got != 3 {
		t.Errorf("pprof -top current: %s flat = %d, want 3", f.Func, got)
	}
	if got := pprofTop(t, f.Func, basePath); got != -1 {
		t.Errorf("pprof -top baseline: %s flat = %d, want no row", f.Func, got)
	}
	if got := pprofTop(t, f.Func, "-base", basePath, curPath); got != 3 {
		t.Errorf("pprof -top -base: %s flat = %d, want 3", f.Func, got)
	}
	if got := pprofTop(t, f.Func, "-tagfocus", "state=chan receive", curPath); got != 3 {
		t.Errorf("pprof -top -tagfocus state: %s flat = %d, want 3", f.Func, got)
	}
}

func TestWriteProfileContents(t *testing.T) {
	enableTraceLabels(t)
	f := leaktest.MustStart(t, leaktest.ChanRecv, 2, "spec", "profile", "state", "clashing")
	base := funnel.Capture()
	s := &funnel.Snapshot{Time: base.Time}
	for _, id := range f.IDs {
		g, _ := base.Find(id)
		s.Goroutines = append(s.Goroutines, g)
	}
	leaks, err := funnel.Leaked(&funnel.Snapshot{}, s, nil)
	if err != nil {
		t.Fatal(err)
	}
	clusters := funnel.ClusterLeaks(leaks, &funnel.Snapshot{})
	var b bytes.Buffer
	if err := funnel.WriteProfile(&b, s, funnel.ProfileClusters(clusters)); err != nil {
		t.Fatalf("WriteProfile() = %v", err)
	}
	p, err := profile.Parse(&b)
	if err != nil {
		t.Fatalf("profile.Parse() = %v", err)
	}
	if len(p.SampleType) != 1 || p.SampleType[0].Type != "goroutine" || p.SampleType[0].Unit != "count" {
		t.Errorf("SampleType = %v, want [goroutine/count]", p.SampleType)
	}
	if p.TimeNanos != base.Time.UnixNano() {
		t.Errorf("TimeNanos = %d, want %d", p.TimeNanos, base.Time.UnixNano())
	}
	if len(p.Sample) != 2 {
		t.Fatalf("got %d samples, want 2", len(p.Sample))
	}
	for i, sample := range p.Sample {
		g := s.Goroutines[i]
		want := map[string][]string{
			"state":       {"chan receive"},
			"class":       {string(funnel.Classify(&g))},
			"cluster":     {clusters[0].Key.String()},
			"created_by":  {g.CreatedBy.Func},
			"spec":        {"profile"},
			"label:state": {"clashing"},
		}
		if diff := cmp.Diff(want, sample.Label); diff != "" {
			t.Errorf("sample %d labels (-want +got):\n%s", i, diff)
		}
		if diff := cmp.Diff(map[string][]int64{"goroutine": {int64(g.ID)}}, sample.NumLabel); diff != "" {
			t.Errorf("sample %d numeric labels (-want +got):\n%s", i, diff)
		}
		if diff := cmp.Diff([]int64{1}, sample.Value); diff != "" {
			t.Errorf("sample %d value (-want +got):\n%s", i, diff)
		}
		var frames []funnel.Frame
		for _, l := range sample.Location {
			frames = append(frames, funnel.Frame{Func: l.Line[0].Function.Name, File: l.Line[0].Function.Filename, Line: int(l.Line[0].Line)})
		}
		if diff := cmp.Diff(g.Frames, frames); diff != "" {
			t.Errorf("sample %d stack (-want +got):\n%s", i, diff)
		}
	}
}

func TestWriteProfileErrors(t *testing.T) {
	if err := funnel.WriteProfile(&bytes.Buffer{}, nil); !errors.Is(err, funnel.ErrNilSnapshot) {
		t.Errorf("WriteProfile(nil snapshot) = %v, want ErrNilSnapshot", err)
	}
	if err := funnel.WriteProfile(nil, &funnel.Snapshot{}); err == nil {
		t.Errorf("WriteProfile(nil writer) = nil, want an error")
	}
	errWrite := errors.New("disk full")
	if err := funnel.WriteProfile(failingWriter{errWrite}, funnel.Capture()); !errors.Is(err, errWrite) {
		t.Errorf("WriteProfile(failing writer) = %v, want it to wrap %v", err, errWrite)
	}
	var b bytes.Buffer
	if err := funnel.WriteProfile(&b, &funnel.Snapshot{}); err != nil {
		t.Errorf("WriteProfile(empty snapshot) = %v", err)
	}
	if _, err := profile.Parse(&b); err != nil {
		t.Errorf("profile.Parse(empty snapshot's profile) = %v", err)
	}
}

type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }
