package bench

import (
	"context"
	"errors"
	"fmt"
	"runtime"

	"github.com/leakfunnel/leakfunnel/funnel"
	"github.com/onsi/gomega"
	"github.com/onsi/gomega/gleak"
	"go.uber.org/goleak"
)

// Verdict is what a checker concluded at the end of a spec.
type Verdict struct {
	// Leaked is set when the checker found a leak.
	Leaked bool
	// Message is the checker's failure text; empty when Leaked is false or
	// when the checker produces no text of its own.
	Message string
	// Snapshots is the number of full goroutine snapshots the verdict took,
	// not counting the baseline. For goleak, which does not say, it is the
	// number of stop-the-world dumps divided by the number its baseline
	// snapshot needed.
	Snapshots float64
}

// Checker is one leak checker used the way a suite uses it for one spec:
// Begin at the start of the spec, End at its end.
//
// A Checker is not safe for concurrent use.
type Checker interface {
	// Name identifies the checker in benchmark names.
	Name() string
	// Begin records the baseline.
	Begin() error
	// End decides whether goroutines leaked since Begin.
	End() (Verdict, error)
}

// Floor is the cost no checker can go below: one runtime.Stack(buf, true)
// into a buffer that is reused from spec to spec. It decides nothing.
//
// The zero Floor is ready to use.
type Floor struct{ buf []byte }

// Name implements [Checker].
func (*Floor) Name() string { return "floor" }

// Begin implements [Checker]; the floor needs no baseline.
func (*Floor) Begin() error { return nil }

// End implements [Checker]. It grows the buffer until the dump fits, which
// happens only the first time at a given size.
func (f *Floor) End() (Verdict, error) {
	if len(f.buf) == 0 {
		f.buf = make([]byte, 64<<10)
	}
	for {
		n := runtime.Stack(f.buf, true)
		if n < len(f.buf) {
			return Verdict{Snapshots: 1}, nil
		}
		f.buf = make([]byte, 2*len(f.buf))
	}
}

// Leakfunnel is the documented per-spec protocol: funnel.Capture at the start,
// funnel.Check at the end.
//
// The zero Leakfunnel uses Check's defaults; Options are passed to every Check.
type Leakfunnel struct {
	Options []funnel.Option
	// Result is the last Check's result.
	Result *funnel.Result
	base   *funnel.Snapshot
}

// Name implements [Checker].
func (*Leakfunnel) Name() string { return "leakfunnel" }

// Begin implements [Checker].
func (l *Leakfunnel) Begin() error {
	l.base = funnel.Capture()
	return nil
}

// End implements [Checker].
func (l *Leakfunnel) End() (Verdict, error) {
	res, err := funnel.Check(context.Background(), l.base, l.Options...)
	if err != nil {
		return Verdict{}, fmt.Errorf("leakfunnel check: %w", err)
	}
	l.Result = res
	return Verdict{Leaked: len(res.Leaks) > 0, Snapshots: float64(res.Snapshots)}, nil
}

// LeakfunnelReuse is the per-spec fast path: when
// [funnel.Snapshot.IsCurrent] says that no goroutine was created since a
// snapshot was taken, every goroutine alive is in it, so it is still an
// exact baseline and the spec needs no capture of its own; a clean spec then
// costs one dump instead of two. The candidates are the previous clean
// check's final snapshot (full or partial: a partial snapshot lists every
// goroutine ID) and the previous baseline. Otherwise it captures. All
// snapshots go into one [funnel.Recorder] ([funnel.WithRecorder]), whose
// dump buffer survives garbage collections.
//
// The zero LeakfunnelReuse is ready to use.
type LeakfunnelReuse struct {
	Options []funnel.Option
	// Reused counts the baselines taken over from an earlier check.
	Reused int
	rec    funnel.Recorder
	prev   *funnel.Snapshot
	base   *funnel.Snapshot
}

// Name implements [Checker].
func (*LeakfunnelReuse) Name() string { return "leakfunnel-reuse" }

// Begin implements [Checker].
func (l *LeakfunnelReuse) Begin() error {
	for _, s := range []*funnel.Snapshot{l.prev, l.base} {
		if s.IsCurrent() {
			l.base = s
			l.Reused++
			return nil
		}
	}
	l.base = l.rec.Capture()
	return nil
}

// End implements [Checker]. A clean verdict's final snapshot becomes a
// candidate baseline of the next spec; a leaky one is never reused.
func (l *LeakfunnelReuse) End() (Verdict, error) {
	opts := append([]funnel.Option{funnel.WithRecorder(&l.rec)}, l.Options...)
	res, err := funnel.Check(context.Background(), l.base, opts...)
	l.prev = nil
	if err != nil {
		l.base = nil
		return Verdict{}, fmt.Errorf("leakfunnel check: %w", err)
	}
	if len(res.Leaks) > 0 {
		l.base = nil
	} else if f := res.Final; f != nil && f.Err == "" {
		l.prev = f
	}
	return Verdict{Leaked: len(res.Leaks) > 0, Snapshots: float64(res.Snapshots)}, nil
}

// LeakfunnelSince is the bare clean-spec path, without Check: a baseline
// reused while it is current (as [LeakfunnelReuse]), and at spec end one
// dump into a [funnel.Recorder]'s kept buffer, parsing only the goroutines
// not in the baseline ([funnel.Recorder.CaptureSince]), then [funnel.Leaked]
// with the standard filters. It does not settle: it is the cost of Check's
// first look on a clean spec, which is where a clean spec's check ends, so
// the difference to [LeakfunnelReuse] is what Check adds around it.
//
// The zero LeakfunnelSince is ready to use.
type LeakfunnelSince struct {
	rec  funnel.Recorder
	base *funnel.Snapshot
}

// Name implements [Checker].
func (*LeakfunnelSince) Name() string { return "leakfunnel-since" }

// Begin implements [Checker].
func (l *LeakfunnelSince) Begin() error {
	if !l.base.IsCurrent() {
		l.base = l.rec.Capture()
	}
	return nil
}

// End implements [Checker].
func (l *LeakfunnelSince) End() (Verdict, error) {
	snap := l.rec.CaptureSince(l.base)
	leaks, err := funnel.Leaked(l.base, snap, funnel.StandardFilters())
	if err != nil {
		return Verdict{}, fmt.Errorf("leakfunnel leaked: %w", err)
	}
	if len(leaks) > 0 {
		l.base = nil
	}
	return Verdict{Leaked: len(leaks) > 0, Snapshots: 1}, nil
}

// Goleak is goleak's per-test protocol: goleak.IgnoreCurrent at the start,
// goleak.Find at the end, with goleak's fixed retry budget.
//
// The zero Goleak is ready to use.
type Goleak struct {
	ignore      goleak.Option
	dumpsPerSet uint64
}

// Name implements [Checker].
func (*Goleak) Name() string { return "goleak" }

// Begin implements [Checker]. It also counts the dumps one goleak snapshot
// takes (goleak doubles its buffer from 64 KiB and dumps again each time).
func (g *Goleak) Begin() error {
	before := STWPauses()
	g.ignore = goleak.IgnoreCurrent()
	g.dumpsPerSet = STWPauses() - before
	return nil
}

// End implements [Checker].
func (g *Goleak) End() (Verdict, error) {
	before := STWPauses()
	err := goleak.Find(g.ignore)
	v := Verdict{Leaked: err != nil}
	if err != nil {
		v.Message = err.Error()
	}
	if g.dumpsPerSet > 0 {
		v.Snapshots = float64(STWPauses()-before) / float64(g.dumpsPerSet)
	}
	return v, nil
}

// Gleak is gleak's per-spec protocol: gleak.Goroutines() at the start and
// Eventually(gleak.Goroutines).ShouldNot(gleak.HaveLeaked(baseline)) at the
// end, with Eventually's defaults (1s timeout, 10ms polling).
//
// The zero Gleak is ready to use.
type Gleak struct {
	base []gleak.Goroutine
	g    gomega.Gomega
	msg  string
	fail bool
}

// Name implements [Checker].
func (*Gleak) Name() string { return "gleak" }

// Begin implements [Checker].
func (g *Gleak) Begin() error {
	if g.g == nil {
		g.g = gomega.NewGomega(func(message string, _ ...int) {
			g.fail = true
			g.msg = message
		})
	}
	g.base = gleak.Goroutines()
	return nil
}

// End implements [Checker].
func (g *Gleak) End() (Verdict, error) {
	if g.g == nil {
		return Verdict{}, errors.New("gleak: End before Begin")
	}
	g.fail, g.msg = false, ""
	polls := 0
	g.g.Eventually(func() []gleak.Goroutine {
		polls++
		return gleak.Goroutines()
	}).ShouldNot(gleak.HaveLeaked(g.base))
	return Verdict{Leaked: g.fail, Message: g.msg, Snapshots: float64(polls)}, nil
}

// Checkers returns a fresh instance of every checker under comparison, the
// floor first.
func Checkers() []Checker {
	return []Checker{&Floor{}, &Leakfunnel{}, &LeakfunnelReuse{}, &LeakfunnelSince{}, &Goleak{}, &Gleak{}}
}
