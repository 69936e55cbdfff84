package bench

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"runtime/metrics"
	"sync"
	"time"
)

// SleepPeriod is how long a sleeping background goroutine stays in
// time.Sleep before it looks whether it was released. It bounds how long
// [Background.Resize] waits when it shrinks the pool.
const SleepPeriod = time.Second

// Kind is how an idle background goroutine waits.
type Kind int

// The three kinds of idle background goroutine. A pool of n goroutines holds
// about n/3 of each.
const (
	// KindChan waits in a channel receive.
	KindChan Kind = iota
	// KindSelect waits in a two-case select.
	KindSelect
	// KindSleep loops in time.Sleep(SleepPeriod).
	KindSleep
)

// group is one batch of background goroutines sharing a release channel.
type group struct {
	n       int
	release chan struct{}
	done    sync.WaitGroup
}

// Background is a pool of idle goroutines that stand for the rest of a test
// binary: workers, servers and timers that are alive before a spec starts and
// still alive after it.
//
// The zero Background is an empty pool. A Background is not safe for
// concurrent use. Call Resize(0) when done: it releases every goroutine and
// waits until each has exited.
type Background struct {
	groups []*group
	total  int
}

// Len returns the number of goroutines in the pool.
func (b *Background) Len() int { return b.total }

// Resize grows or shrinks the pool to n goroutines. Growing starts the new
// goroutines and waits until they are parked. Shrinking releases the most
// recently started groups and waits until their goroutines have exited
// (at most [SleepPeriod] for sleepers); if that leaves fewer than n, a new
// group makes up the difference.
func (b *Background) Resize(n int) error {
	if n < 0 {
		return fmt.Errorf("resize background to %d: negative size", n)
	}
	if n == b.total {
		return nil
	}
	var released []*group
	for b.total > n {
		g := b.groups[len(b.groups)-1]
		b.groups = b.groups[:len(b.groups)-1]
		b.total -= g.n
		close(g.release)
		released = append(released, g)
	}
	for _, g := range released {
		g.done.Wait()
	}
	if n > b.total {
		g := startGroup(n - b.total)
		b.groups = append(b.groups, g)
		b.total = n
		if err := waitParked(5 * time.Second); err != nil {
			return fmt.Errorf("resize background to %d: %w", n, err)
		}
	}
	return nil
}

func startGroup(n int) *group {
	g := &group{n: n, release: make(chan struct{})}
	g.done.Add(n)
	for i := range n {
		switch Kind(i % 3) {
		case KindChan:
			go chanWorker(g)
		case KindSelect:
			go selectWorker(g)
		case KindSleep:
			// Spread the wake-ups over the period.
			go sleepWorker(g, rand.N(SleepPeriod))
		}
	}
	return g
}

// The workers nest a few calls so that their stacks look like real ones.

func chanWorker(g *group) {
	defer g.done.Done()
	chanLoop(g.release)
}

func chanLoop(release <-chan struct{}) { chanWait(release) }

func chanWait(release <-chan struct{}) { <-release }

func selectWorker(g *group) {
	defer g.done.Done()
	selectLoop(g.release, make(chan int))
}

func selectLoop(release <-chan struct{}, work <-chan int) {
	for {
		select {
		case <-release:
			return
		case <-work:
		}
	}
}

func sleepWorker(g *group, first time.Duration) {
	defer g.done.Done()
	sleepLoop(g.release, first)
}

func sleepLoop(release <-chan struct{}, first time.Duration) {
	time.Sleep(first)
	for {
		select {
		case <-release:
			return
		default:
		}
		time.Sleep(SleepPeriod)
	}
}

// errNotParked is returned when goroutines keep running past the deadline.
var errNotParked = errors.New("goroutines did not park")

// waitParked waits until at most a handful of goroutines are runnable or
// running (the caller, the benchmark framework, a sleeper that just woke).
func waitParked(timeout time.Duration) error {
	s := []metrics.Sample{
		{Name: "/sched/goroutines/runnable:goroutines"},
		{Name: "/sched/goroutines/running:goroutines"},
	}
	deadline := time.Now().Add(timeout)
	for {
		metrics.Read(s)
		active := s[0].Value.Uint64() + s[1].Value.Uint64()
		if active <= 4 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%w: %d still active after %v", errNotParked, active, timeout)
		}
		runtime.Gosched()
	}
}
