package bench

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

// LeakKind is a kind of leaked goroutine, by whether it can ever wake up and
// whether the runtime's goroutineleak profile can prove that it cannot.
type LeakKind string

// The leak kinds of the verdict benchmark.
const (
	// LeakPermanent receives from a nil channel: blocked forever by
	// construction. It can never be released.
	LeakPermanent LeakKind = "permanent"
	// LeakProven receives from a channel that nothing else references, so
	// that the goroutineleak profile proves it leaked. It can never be
	// released either.
	LeakProven LeakKind = "proven"
	// LeakUnprovable receives from a channel held by a package variable:
	// another goroutine could still send, so nothing can prove the leak.
	// Release closes the channel.
	LeakUnprovable LeakKind = "unprovable"
)

// heldByGlobal is the channel LeakUnprovable goroutines wait on. A package
// variable keeps it reachable from a GC root.
var (
	heldMu       sync.Mutex
	heldByGlobal chan struct{}
)

// Leak starts n goroutines of the given kind, all from the same go
// statement, and waits until every one is parked. The returned release func
// lets the releasable kinds exit and waits for them; for the kinds that can
// never wake it does nothing, and those goroutines stay for the life of the
// process.
func Leak(kind LeakKind, n int) (release func(), err error) {
	var started, exited sync.WaitGroup
	started.Add(n)
	var ch chan struct{}
	switch kind {
	case LeakPermanent, LeakProven:
	case LeakUnprovable:
		heldMu.Lock()
		if heldByGlobal == nil {
			heldByGlobal = make(chan struct{})
		}
		ch = heldByGlobal
		heldMu.Unlock()
		exited.Add(n)
	default:
		return nil, fmt.Errorf("leak %q: unknown kind", kind)
	}
	for range n {
		go leaky(kind, ch, &started, &exited)
	}
	started.Wait()
	if err := waitParked(5 * time.Second); err != nil {
		return nil, fmt.Errorf("leak %s: %w", kind, err)
	}
	return func() {
		if kind != LeakUnprovable {
			return
		}
		heldMu.Lock()
		if heldByGlobal == ch {
			close(ch)
			heldByGlobal = nil
		}
		heldMu.Unlock()
		exited.Wait()
	}, nil
}

// leaky is the leaked goroutine's body; every leaked goroutine of a run has
// the same stack and the same creation site.
func leaky(kind LeakKind, held chan struct{}, started, exited *sync.WaitGroup) {
	switch kind {
	case LeakPermanent:
		var never chan struct{}
		started.Done()
		<-never
	case LeakProven:
		unreachable := make(chan struct{})
		started.Done()
		<-unreachable
	case LeakUnprovable:
		defer exited.Done()
		started.Done()
		<-held
	}
}

// ErrNotExited is reported when a settling goroutine was still alive when a
// checker gave a clean verdict.
var ErrNotExited = errors.New("verdict came before the goroutine exited")

// Straggler is a goroutine started during a spec that exits a fixed delay
// after the spec ends: the case settling exists for.
type Straggler struct {
	specEnded chan struct{}
	exited    chan time.Time
}

// StartStraggler starts a goroutine that waits for [Straggler.EndSpec], then
// sleeps for delay and exits, noting the time it exits.
func StartStraggler(delay time.Duration) *Straggler {
	s := &Straggler{specEnded: make(chan struct{}), exited: make(chan time.Time, 1)}
	go func() {
		<-s.specEnded
		time.Sleep(delay)
		s.exited <- time.Now()
	}()
	return s
}

// EndSpec signals that the spec ended.
func (s *Straggler) EndSpec() { close(s.specEnded) }

// SinceExit returns how long before verdictAt the goroutine exited. It
// returns ErrNotExited if the goroutine had not exited by verdictAt.
func (s *Straggler) SinceExit(verdictAt time.Time) (time.Duration, error) {
	select {
	case at := <-s.exited:
		return verdictAt.Sub(at), nil
	default:
		return 0, ErrNotExited
	}
}
