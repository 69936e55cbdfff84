package funnel

import (
	"testing"

	"github.com/leakfunnel/leakfunnel/internal/leaktest"
)

// classOfKind is the class each leaktest fixture kind must get: one real
// goroutine per row of the table documented on Classify.
var classOfKind = map[leaktest.Kind]Class{
	leaktest.ChanRecv:      ClassBlocked,
	leaktest.ChanSend:      ClassBlocked,
	leaktest.Select:        ClassBlocked,
	leaktest.NilChanRecv:   ClassPermanent,
	leaktest.NilChanSend:   ClassPermanent,
	leaktest.SelectNoCases: ClassPermanent,
	leaktest.Mutex:         ClassBlocked,
	leaktest.RWMutexLock:   ClassBlocked,
	leaktest.RWMutexRLock:  ClassBlocked,
	leaktest.WaitGroup:     ClassBlocked,
	leaktest.Cond:          ClassBlocked,
	leaktest.Sleep:         ClassSleeping,
	leaktest.IOWait:        ClassIO,
	leaktest.Busy:          ClassRunning,
}

// permanentFixtures holds one fixture per permanent kind for the whole test
// binary: their goroutines can never be released, so tests share them
// rather than park new ones each time.
var permanentFixtures = map[leaktest.Kind]*leaktest.Fixture{}

// startFixture starts n goroutines of kind k for the test and releases them
// in t.Cleanup. Permanent kinds start once per binary (n must then be 1).
func startFixture(t *testing.T, k leaktest.Kind, n int, labels ...string) *leaktest.Fixture {
	t.Helper()
	if !k.Permanent() {
		return leaktest.MustStart(t, k, n, labels...)
	}
	if f := permanentFixtures[k]; f != nil && n == 1 && len(labels) == 0 {
		return f
	}
	f, err := leaktest.Start(k, n, labels...)
	if err != nil {
		t.Fatal(err)
	}
	if n == 1 && len(labels) == 0 {
		permanentFixtures[k] = f
	}
	return f
}

// captureInState captures snapshots until goroutine id is in the wait state
// of kind k (a sleeping or busy fixture is briefly elsewhere between its
// steps) and returns it.
func captureInState(t *testing.T, k leaktest.Kind, id uint64) Goroutine {
	t.Helper()
	var g Goroutine
	for range 1000 {
		var ok bool
		g, ok = Capture().Find(id)
		if !ok {
			t.Fatalf("goroutine %d of %q is not in the snapshot", id, k)
		}
		if g.State == string(k) || k == leaktest.Busy && (g.State == "running" || g.State == "runnable") {
			return g
		}
		if err := leaktest.WaitForState(t.Context(), k, []uint64{id}); err != nil {
			t.Fatal(err)
		}
	}
	t.Fatalf("goroutine %d never captured in %q; last state %q", id, k, g.State)
	return g
}

func TestClassifyRealGoroutines(t *testing.T) {
	for _, k := range leaktest.Kinds() {
		t.Run(string(k), func(t *testing.T) {
			want, ok := classOfKind[k]
			if !ok {
				t.Fatalf("no class listed for fixture kind %q", k)
			}
			f := startFixture(t, k, 1)
			g := captureInState(t, k, f.ID())
			if got := Classify(&g); got != want {
				t.Errorf("Classify(goroutine in %q) = %q, want %q; frames %v", g.State, got, want, g.Frames)
			}
		})
	}
}

// TestClassifyByFrames hides the wait reason of real goroutines, as a wait
// reason unknown to the table would, and checks that the frames alone give
// the class where the standard library's frames show the primitive. The
// runtime's own frames (runtime.chanrecv, runtime.selectgo, runtime.block)
// are not in a default dump, so channel waits fall back to ClassOther.
func TestClassifyByFrames(t *testing.T) {
	tests := []struct {
		kind leaktest.Kind
		want Class
	}{
		{leaktest.ChanRecv, ClassOther},
		{leaktest.SelectNoCases, ClassOther},
		{leaktest.Mutex, ClassBlocked},
		{leaktest.RWMutexLock, ClassBlocked},
		{leaktest.RWMutexRLock, ClassBlocked},
		{leaktest.WaitGroup, ClassBlocked},
		{leaktest.Cond, ClassBlocked},
		{leaktest.Sleep, ClassSleeping},
		{leaktest.IOWait, ClassIO},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			f := startFixture(t, tt.kind, 1)
			g := captureInState(t, tt.kind, f.ID())
			g.State = "waiting"
			// A goroutine the goroutineleak profile already marked would
			// be permanent by that mark; only the frames count here.
			g.Leaked = false
			if got := Classify(&g); got != tt.want {
				t.Errorf("Classify(%q goroutine with state hidden) = %q, want %q; frames %v", tt.kind, got, tt.want, g.Frames)
			}
		})
	}
}

func TestClassifyDurableAndLeaked(t *testing.T) {
	f := startFixture(t, leaktest.ChanRecv, 1)
	g := captureInState(t, leaktest.ChanRecv, f.ID())

	durable := g
	durable.State += " (durable)"
	if got := Classify(&durable); got != ClassBlocked {
		t.Errorf("Classify(%q) = %q, want %q", durable.State, got, ClassBlocked)
	}

	unknown := g
	unknown.State = "a wait reason of a later Go"
	unknown.Leaked = true
	if got := Classify(&unknown); got != ClassPermanent {
		t.Errorf("Classify(leaked goroutine in unknown state) = %q, want %q", got, ClassPermanent)
	}
	unknown.Leaked = false
	if got := Classify(&unknown); got != ClassOther {
		t.Errorf("Classify(goroutine in unknown state) = %q, want %q", got, ClassOther)
	}

	// semacquire: blocked on a sync primitive, unless it is the runtime's
	// own wait for a GC cycle or a stop-the-world. The second case cannot be
	// caught reliably in a live process, so its frames are typed here.
	wg := captureInState(t, leaktest.WaitGroup, startFixture(t, leaktest.WaitGroup, 1).ID())
	wg.State = "semacquire"
	if got := Classify(&wg); got != ClassBlocked {
		t.Errorf("Classify(semacquire in WaitGroup.Wait) = %q, want %q", got, ClassBlocked)
	}
	gc := Goroutine{State: "semacquire", Frames: []Frame{{Func: "runtime.GC"}, {Func: "example.com/p.f"}}}
	if got := Classify(&gc); got != ClassRunning {
		t.Errorf("Classify(semacquire in runtime.GC) = %q, want %q", got, ClassRunning)
	}

	if got := Classify(nil); got != ClassOther {
		t.Errorf("Classify(nil) = %q, want %q", got, ClassOther)
	}
}

func TestWaitSite(t *testing.T) {
	for _, k := range []leaktest.Kind{leaktest.ChanRecv, leaktest.Mutex, leaktest.WaitGroup, leaktest.Cond, leaktest.Sleep, leaktest.IOWait} {
		t.Run(string(k), func(t *testing.T) {
			f := startFixture(t, k, 1)
			g := captureInState(t, k, f.ID())
			if got := WaitSite(&g).Func; got != f.Func {
				t.Errorf("WaitSite(%q goroutine).Func = %q, want %q; frames %v", k, got, f.Func, g.Frames)
			}
		})
	}
	if got := WaitSite(nil); got != (Frame{}) {
		t.Errorf("WaitSite(nil) = %+v, want the zero Frame", got)
	}
	std := Goroutine{Frames: []Frame{{Func: "runtime.gopark"}, {Func: "context.(*cancelCtx).propagateCancel.func2"}}}
	if got, want := WaitSite(&std).Func, "context.(*cancelCtx).propagateCancel.func2"; got != want {
		t.Errorf("WaitSite(standard library goroutine).Func = %q, want %q", got, want)
	}
}

func TestPackageOf(t *testing.T) {
	tests := map[string]string{
		"sync.(*Mutex).Lock":                          "sync",
		"internal/poll.runtime_pollWait":              "internal/poll",
		"github.com/a/b.(*T[...]).m.func1":            "github.com/a/b",
		"main.main":                                   "main",
		"github.com/leakfunnel/leakfunnel/funnel.Cap": "github.com/leakfunnel/leakfunnel/funnel",
		"noDot": "noDot",
	}
	for fn, want := range tests {
		if got := packageOf(fn); got != want {
			t.Errorf("packageOf(%q) = %q, want %q", fn, got, want)
		}
	}
}

// FuzzClassify feeds Classify, WaitSite, ClusterKeyOf and packageOf arbitrary
// wait reasons and function names: they never panic, Classify never returns
// the zero Class, and a key is a function of the goroutine.
func FuzzClassify(f *testing.F) {
	for state := range stateClasses {
		f.Add(state, "runtime.gopark", "example.com/p.f")
	}
	for fn := range frameClasses {
		f.Add("waiting", fn, "example.com/p.(*T[...]).m.func1")
	}
	f.Add("", "", "")
	f.Add("semacquire", "runtime.GC", "/.")
	f.Fuzz(func(t *testing.T, state, fn1, fn2 string) {
		g := Goroutine{ID: 1, State: state, Frames: []Frame{{Func: fn1}, {Func: fn2}}}
		c := Classify(&g)
		if c == "" {
			t.Fatalf("Classify(%q, %q, %q) returned the zero Class", state, fn1, fn2)
		}
		_ = WaitSite(&g)
		_ = packageOf(fn1)
		if k1, k2 := ClusterKeyOf(&g), ClusterKeyOf(&g); k1 != k2 || k1.Class != c {
			t.Fatalf("ClusterKeyOf not deterministic or class differs: %+v, %+v, class %q", k1, k2, c)
		}
	})
}
