// Package pool is a fixed-size worker pool: the first package under test of
// leakfunnel's example suite.
//
// A [Pool] starts its workers in [New] and stops them in [Pool.Close]. A pool
// that is never closed leaks its workers, each parked in a channel receive in
// (*Pool).worker: the example suite reproduces exactly that mistake.
package pool

import (
	"context"
	"errors"
	"sync"
)

// ErrClosed is returned by [Pool.Submit] and [Pool.Do] after [Pool.Close].
var ErrClosed = errors.New("pool closed")

// Task is one unit of work. The context is the one given to [Pool.Submit] or
// [Pool.Do]; a task should return when it is done.
type Task func(ctx context.Context) error

type job struct {
	ctx  context.Context
	task Task
	done chan<- error // buffered (capacity 1), or nil
}

// Pool runs tasks on a fixed set of worker goroutines.
//
// The zero Pool is not usable; create one with [New]. A Pool is safe for
// concurrent use. Close must be called exactly when the pool is no longer
// needed: until then its workers stay alive.
type Pool struct {
	jobs    chan job
	wg      sync.WaitGroup
	mu      sync.RWMutex
	closed  bool
	closeMu sync.Once
}

// New starts a pool of size workers (at least one). The caller must call
// [Pool.Close] to stop them.
func New(size int) *Pool {
	if size < 1 {
		size = 1
	}
	p := &Pool{jobs: make(chan job)}
	p.wg.Add(size)
	for range size {
		go p.worker()
	}
	return p
}

func (p *Pool) worker() {
	defer p.wg.Done()
	for j := range p.jobs {
		err := j.ctx.Err()
		if err == nil {
			err = j.task(j.ctx)
		}
		if j.done != nil {
			j.done <- err
		}
	}
}

// Submit queues task and returns a channel that receives the task's error
// once it has run. The channel is buffered, so a caller that stops listening
// leaks nothing. Submit blocks until a worker is free or ctx is done.
func (p *Pool) Submit(ctx context.Context, task Task) (<-chan error, error) {
	done := make(chan error, 1)
	if err := p.send(ctx, job{ctx: ctx, task: task, done: done}); err != nil {
		return nil, err
	}
	return done, nil
}

// Do runs task on a worker and waits for its result.
func (p *Pool) Do(ctx context.Context, task Task) error {
	done, err := p.Submit(ctx, task)
	if err != nil {
		return err
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (p *Pool) send(ctx context.Context, j job) error {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed {
		return ErrClosed
	}
	select {
	case p.jobs <- j:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stops accepting tasks, waits for the running ones to finish and
// stops the workers. Calling Close again does nothing.
func (p *Pool) Close() {
	p.closeMu.Do(func() {
		p.mu.Lock()
		p.closed = true
		close(p.jobs)
		p.mu.Unlock()
		p.wg.Wait()
	})
}
