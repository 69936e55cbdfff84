package matchers_test

import (
	"context"

	"github.com/leakfunnel/leakfunnel/internal/leaktest"
)

// The examples' goroutines. The examples print the file and line a worker
// waits at, so keep this file's lines where they are.

// worker reports its goroutine ID, then blocks until jobs is closed.
func worker(jobs chan int, started chan<- uint64) {
	started <- leaktest.CurrentID()
	for range jobs {
	}
}

// startWorkers starts n workers on one channel and returns once all of them
// are blocked receiving from it.
func startWorkers(n int) chan int {
	jobs := make(chan int)
	started := make(chan uint64, n)
	for range n {
		go worker(jobs, started)
	}
	ids := make([]uint64, n)
	for i := range ids {
		ids[i] = <-started
	}
	if err := leaktest.WaitForState(context.Background(), leaktest.ChanRecv, ids); err != nil {
		panic(err) // test fixture only: the workers never blocked
	}
	return jobs
}
