package leaktest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
	"runtime/pprof"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Kind is the way a fixture goroutine blocks. Its value is the wait reason
// the Go runtime prints in a stack dump header for such a goroutine
// ("chan receive", "sync.Mutex.Lock"), except for [Busy], which is
// "runnable" or "running" at any moment.
type Kind string

// The fixture kinds.
const (
	// ChanRecv receives from an unbuffered channel nobody sends on.
	ChanRecv Kind = "chan receive"
	// ChanSend sends on an unbuffered channel nobody receives from.
	ChanSend Kind = "chan send"
	// Select waits in a two-case select on channels nobody uses.
	Select Kind = "select"
	// NilChanRecv receives from a nil channel. Permanent: Release does nothing.
	NilChanRecv Kind = "chan receive (nil chan)"
	// NilChanSend sends on a nil channel. Permanent: Release does nothing.
	NilChanSend Kind = "chan send (nil chan)"
	// SelectNoCases runs select {}. Permanent: Release does nothing.
	SelectNoCases Kind = "select (no cases)"
	// Mutex waits in sync.Mutex.Lock on a mutex the fixture holds.
	Mutex Kind = "sync.Mutex.Lock"
	// RWMutexLock waits in sync.RWMutex.Lock on a mutex of its own while the
	// fixture holds a read lock of it.
	RWMutexLock Kind = "sync.RWMutex.Lock"
	// RWMutexRLock waits in sync.RWMutex.RLock while the fixture holds the write lock.
	RWMutexRLock Kind = "sync.RWMutex.RLock"
	// WaitGroup waits in sync.WaitGroup.Wait on a group with one pending Done.
	WaitGroup Kind = "sync.WaitGroup.Wait"
	// Cond waits in sync.Cond.Wait.
	Cond Kind = "sync.Cond.Wait"
	// Sleep sleeps in time.Sleep, in steps of [SleepStep] until released, so
	// a dump shows it as "sleep" nearly always. Release takes up to one step.
	Sleep Kind = "sleep"
	// IOWait waits in net.Listener.Accept on a loopback TCP listener of its
	// own (the network poller: "IO wait"). Release closes the listeners.
	IOWait Kind = "IO wait"
	// Busy spins calling runtime.Gosched until released; it is "runnable"
	// or "running" whenever it is looked at.
	Busy Kind = "runnable"
)

// SleepStep is how long one time.Sleep call of a [Sleep] fixture lasts.
const SleepStep = 50 * time.Millisecond

// Kinds lists every fixture kind, for table-driven tests. It returns a fresh
// slice on each call.
func Kinds() []Kind {
	return []Kind{ChanRecv, ChanSend, Select, NilChanRecv, NilChanSend, SelectNoCases,
		Mutex, RWMutexLock, RWMutexRLock, WaitGroup, Cond, Sleep, IOWait, Busy}
}

// Permanent reports whether goroutines of kind k can never be woken up, so
// that Release leaves them in place.
func (k Kind) Permanent() bool {
	return k == NilChanRecv || k == NilChanSend || k == SelectNoCases
}

// matches reports whether a wait reason printed by the runtime is the one k
// produces.
func (k Kind) matches(state string) bool {
	if k == Busy {
		return state == "runnable" || state == "running"
	}
	return state == string(k)
}

// Fixture is a group of goroutines started by [Start], all blocked the same
// way. Fields are read-only. Release may be called from any goroutine, any
// number of times.
type Fixture struct {
	// Kind is how the goroutines block.
	Kind Kind
	// IDs are the goroutine IDs, in start order.
	IDs []uint64
	// Func is the function every fixture goroutine runs (its frame appears
	// in each goroutine's stack), for example
	// "github.com/leakfunnel/leakfunnel/internal/leaktest.chanRecv".
	Func string

	once    sync.Once
	release func()
	exited  sync.WaitGroup
}

// ID returns the ID of the first goroutine of the fixture.
func (f *Fixture) ID() uint64 { return f.IDs[0] }

// Release unblocks the goroutines and waits until all of them have exited:
// until their functions returned and the runtime no longer lists them, so
// that goroutine counts read afterwards do not include them. It gives up
// waiting after [DefaultTimeout]. For permanent kinds it does nothing. It
// is safe to call more than once.
func (f *Fixture) Release() {
	if f.Kind.Permanent() {
		return
	}
	f.once.Do(func() {
		f.release()
		f.exited.Wait()
		ctx, cancel := context.WithTimeout(context.Background(), DefaultTimeout)
		defer cancel()
		// The only error is the timeout, after which there is nothing
		// better to do than return.
		_ = waitGone(ctx, f.IDs)
	})
}

// DefaultTimeout is how long [Start] waits for the goroutines to reach
// their state.
const DefaultTimeout = 10 * time.Second

// Start starts n goroutines of kind k and waits until each has signalled that
// it started and the runtime shows it blocked in k's wait state. labels, in
// key, value pairs, become the goroutines' pprof labels (set with pprof.Do
// around the go statements, so the goroutines inherit them).
//
// It returns an error for an unknown kind, n < 1, an odd number of labels,
// or when the goroutines do not reach their state within [DefaultTimeout];
// in the last case the goroutines it started are released first.
func Start(k Kind, n int, labels ...string) (*Fixture, error) {
	return StartContext(context.Background(), k, n, labels...)
}

// StartContext is [Start] with a context that bounds the wait instead of
// [DefaultTimeout] when it has a deadline.
func StartContext(ctx context.Context, k Kind, n int, labels ...string) (*Fixture, error) {
	if n < 1 {
		return nil, fmt.Errorf("leaktest: start %d goroutines of %q: need at least one", n, k)
	}
	if len(labels)%2 != 0 {
		return nil, fmt.Errorf("leaktest: labels %q: need key, value pairs", labels)
	}
	f := &Fixture{Kind: k}
	name, body, release, err := f.prepare(k, n)
	if err != nil {
		return nil, err
	}
	f.release = release
	f.Func = pkgPath + "." + name

	ids := make(chan uint64, n)
	launch := func(context.Context) {
		for i := range n {
			f.exited.Add(1)
			go func() {
				defer f.exited.Done()
				body(i, ids)
			}()
		}
	}
	if len(labels) > 0 {
		pprof.Do(context.Background(), pprof.Labels(labels...), launch)
	} else {
		launch(context.Background())
	}
	f.IDs = make([]uint64, 0, n)
	for range n {
		f.IDs = append(f.IDs, <-ids)
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultTimeout)
		defer cancel()
	}
	if err := WaitForState(ctx, k, f.IDs); err != nil {
		f.Release()
		return nil, err
	}
	return f, nil
}

// TB is the part of testing.TB (and of Ginkgo's GinkgoT()) that [MustStart]
// needs.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Cleanup(func())
}

// MustStart is [Start] for tests: it fails tb on error and registers
// [Fixture.Release] with tb.Cleanup.
func MustStart(tb TB, k Kind, n int, labels ...string) *Fixture {
	tb.Helper()
	f, err := Start(k, n, labels...)
	if err != nil {
		tb.Fatalf("%v", err)
		return nil
	}
	tb.Cleanup(f.Release)
	return f
}

// prepare returns the name of the function each goroutine runs, a body that
// calls it and the func that releases all of them. A body sends its
// goroutine ID on started, then blocks. Where goroutines waiting on one
// primitive would queue behind each other in another state (a second writer
// of an RWMutex waits in sync.Mutex.Lock), each goroutine i gets its own.
func (f *Fixture) prepare(k Kind, n int) (name string, body func(i int, started chan<- uint64), release func(), err error) {
	switch k {
	case ChanRecv:
		ch := make(chan struct{})
		return "chanRecv", func(_ int, s chan<- uint64) { chanRecv(s, ch) }, func() { close(ch) }, nil
	case ChanSend:
		ch := make(chan struct{})
		return "chanSend", func(_ int, s chan<- uint64) { chanSend(s, ch) }, func() {
			for range n {
				<-ch
			}
		}, nil
	case Select:
		a, b := make(chan struct{}), make(chan struct{})
		return "selectTwo", func(_ int, s chan<- uint64) { selectTwo(s, a, b) }, func() { close(a) }, nil
	case NilChanRecv:
		return "nilChanRecv", func(_ int, s chan<- uint64) { nilChanRecv(s) }, func() {}, nil
	case NilChanSend:
		return "nilChanSend", func(_ int, s chan<- uint64) { nilChanSend(s) }, func() {}, nil
	case SelectNoCases:
		return "selectNoCases", func(_ int, s chan<- uint64) { selectNoCases(s) }, func() {}, nil
	case Mutex:
		mu := new(sync.Mutex)
		mu.Lock()
		return "lockMutex", func(_ int, s chan<- uint64) { lockMutex(s, mu) }, mu.Unlock, nil
	case RWMutexLock:
		mus := make([]sync.RWMutex, n)
		for i := range mus {
			mus[i].RLock()
		}
		return "lockRW", func(i int, s chan<- uint64) { lockRW(s, &mus[i]) }, func() {
			for i := range mus {
				mus[i].RUnlock()
			}
		}, nil
	case RWMutexRLock:
		mu := new(sync.RWMutex)
		mu.Lock()
		return "rlockRW", func(_ int, s chan<- uint64) { rlockRW(s, mu) }, mu.Unlock, nil
	case WaitGroup:
		wg := new(sync.WaitGroup)
		wg.Add(1)
		return "waitGroup", func(_ int, s chan<- uint64) { waitGroup(s, wg) }, wg.Done, nil
	case Cond:
		c := &condition{cond: sync.NewCond(new(sync.Mutex))}
		return "condWait", func(_ int, s chan<- uint64) { condWait(s, c) }, c.release, nil
	case Sleep:
		var done atomic.Bool
		return "sleep", func(_ int, s chan<- uint64) { sleep(s, &done) }, func() { done.Store(true) }, nil
	case IOWait:
		lns := make([]net.Listener, n)
		closeAll := func() {
			for _, ln := range lns {
				if ln != nil {
					_ = ln.Close()
				}
			}
		}
		for i := range lns {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				closeAll()
				return "", nil, nil, fmt.Errorf("leaktest: listen for %q: %w", k, err)
			}
			lns[i] = ln
		}
		return "accept", func(i int, s chan<- uint64) { accept(s, lns[i]) }, closeAll, nil
	case Busy:
		var done atomic.Bool
		return "busy", func(_ int, s chan<- uint64) { busy(s, &done) }, func() { done.Store(true) }, nil
	}
	return "", nil, nil, fmt.Errorf("leaktest: unknown kind %q", k)
}

// The goroutine bodies are named functions so that their frames are stable
// and recognisable in dumps.

func chanRecv(started chan<- uint64, ch chan struct{}) {
	started <- CurrentID()
	<-ch
}

func chanSend(started chan<- uint64, ch chan struct{}) {
	started <- CurrentID()
	ch <- struct{}{}
}

func selectTwo(started chan<- uint64, a, b chan struct{}) {
	started <- CurrentID()
	select {
	case <-a:
	case <-b:
	}
}

func nilChanRecv(started chan<- uint64) {
	started <- CurrentID()
	var ch chan struct{}
	<-ch
}

func nilChanSend(started chan<- uint64) {
	started <- CurrentID()
	var ch chan struct{}
	ch <- struct{}{}
}

func selectNoCases(started chan<- uint64) {
	started <- CurrentID()
	select {}
}

func lockMutex(started chan<- uint64, mu *sync.Mutex) {
	started <- CurrentID()
	mu.Lock()
	// The next waiter gets the mutex in turn.
	mu.Unlock()
}

func lockRW(started chan<- uint64, mu *sync.RWMutex) {
	started <- CurrentID()
	mu.Lock()
	mu.Unlock()
}

func rlockRW(started chan<- uint64, mu *sync.RWMutex) {
	started <- CurrentID()
	mu.RLock()
	mu.RUnlock()
}

func waitGroup(started chan<- uint64, wg *sync.WaitGroup) {
	started <- CurrentID()
	wg.Wait()
}

type condition struct {
	cond     *sync.Cond
	released bool
}

func (c *condition) release() {
	c.cond.L.Lock()
	c.released = true
	c.cond.L.Unlock()
	c.cond.Broadcast()
}

func condWait(started chan<- uint64, c *condition) {
	started <- CurrentID()
	c.cond.L.Lock()
	for !c.released {
		c.cond.Wait()
	}
	c.cond.L.Unlock()
}

func sleep(started chan<- uint64, done *atomic.Bool) {
	started <- CurrentID()
	for !done.Load() {
		time.Sleep(SleepStep)
	}
}

func accept(started chan<- uint64, ln net.Listener) {
	started <- CurrentID()
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		_ = c.Close()
	}
}

func busy(started chan<- uint64, done *atomic.Bool) {
	started <- CurrentID()
	for !done.Load() {
		runtime.Gosched()
	}
}

// pkgPath qualifies the names of the goroutine bodies in stack dumps.
const pkgPath = "github.com/leakfunnel/leakfunnel/internal/leaktest"

// CurrentID returns the ID of the calling goroutine, read from the header of
// its own stack trace.
func CurrentID() uint64 {
	var buf [64]byte
	n := runtime.Stack(buf[:], false)
	id, _ := headerID(buf[:n])
	return id
}

// headerID reads N from a line starting "goroutine N [".
func headerID(line []byte) (uint64, bool) {
	rest, ok := bytes.CutPrefix(line, []byte("goroutine "))
	if !ok {
		return 0, false
	}
	end := bytes.IndexByte(rest, ' ')
	if end < 0 {
		return 0, false
	}
	id, err := strconv.ParseUint(string(rest[:end]), 10, 64)
	return id, err == nil
}

// errNotReached is wrapped by WaitForState when the deadline passes.
var errNotReached = errors.New("goroutines did not reach their state")

// WaitForState polls the runtime's dump of all goroutines until every
// goroutine in ids shows kind k's wait state, or ctx ends. Between polls it
// yields and then backs off from 100µs up to 10ms. The error names the
// goroutines still elsewhere, with their last seen state ("missing" when a
// goroutine was not in the dump at all).
func WaitForState(ctx context.Context, k Kind, ids []uint64) error {
	want := make(map[uint64]string, len(ids))
	for _, id := range ids {
		want[id] = "missing"
	}
	buf := make([]byte, 64<<10)
	backoff := 100 * time.Microsecond
	for attempt := 0; ; attempt++ {
		buf = dump(buf)
		pending := 0
		for id := range want {
			want[id] = "missing"
		}
		for line := range bytes.Lines(buf) {
			id, ok := headerID(line)
			if !ok {
				continue
			}
			if _, tracked := want[id]; !tracked {
				continue
			}
			want[id] = headerState(line)
		}
		for _, state := range want {
			if !k.matches(state) {
				pending++
			}
		}
		if pending == 0 {
			return nil
		}
		if attempt < 3 {
			runtime.Gosched()
			continue
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			var report []string
			for _, id := range ids {
				if !k.matches(want[id]) {
					report = append(report, fmt.Sprintf("goroutine %d in %q", id, want[id]))
				}
			}
			return fmt.Errorf("leaktest: wait for %q: %w: %v: %w", k, errNotReached, report, ctx.Err())
		case <-t.C:
		}
		backoff = min(2*backoff, 10*time.Millisecond)
	}
}

// waitGone polls the dump until none of ids is in it, or ctx ends.
func waitGone(ctx context.Context, ids []uint64) error {
	gone := make(map[uint64]bool, len(ids))
	for _, id := range ids {
		gone[id] = true
	}
	buf := make([]byte, 64<<10)
	backoff := 10 * time.Microsecond
	for {
		buf = dump(buf)
		alive := 0
		for line := range bytes.Lines(buf) {
			if id, ok := headerID(line); ok && gone[id] {
				alive++
			}
		}
		if alive == 0 {
			return nil
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("leaktest: %d goroutines still alive: %w", alive, ctx.Err())
		case <-t.C:
		}
		backoff = min(2*backoff, 10*time.Millisecond)
	}
}

// dump writes all goroutines into buf, growing it until the dump fits, and
// returns the filled part.
func dump(buf []byte) []byte {
	for {
		n := runtime.Stack(buf[:cap(buf)], true)
		if n < cap(buf) {
			return buf[:n]
		}
		buf = make([]byte, 2*cap(buf))
	}
}

// headerState returns the wait reason of a header line
// "goroutine N [reason, qualifiers labels:{...}]:" without qualifiers.
func headerState(line []byte) string {
	_, rest, ok := bytes.Cut(line, []byte(" ["))
	if !ok {
		return ""
	}
	end := bytes.IndexAny(rest, ",]")
	if end < 0 {
		return ""
	}
	state := rest[:end]
	if i := bytes.Index(state, []byte(" labels:{")); i >= 0 {
		state = state[:i]
	}
	for _, q := range []string{" (durable)", " (leaked)", " (scan)"} {
		state = bytes.TrimSuffix(state, []byte(q))
	}
	return string(state)
}
