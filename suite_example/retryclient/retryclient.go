// Package retryclient is an HTTP client that retries failed GET requests
// with exponential backoff: the third package under test of leakfunnel's
// example suite.
//
// Besides [Client.Get] it offers [Client.GetAsync], whose result channel is
// unbuffered (the caller must receive from it or cancel the context), and
// [Client.StartHealthCheck], a ticker loop that runs until stopped. Both are
// correct, and both leak a goroutine when the caller forgets its part: the
// example suite reproduces those mistakes.
package retryclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// Config configures a [Client]. The zero Config is usable.
type Config struct {
	// Attempts is how many times a request is tried in total. Zero means 3.
	Attempts int
	// Backoff is the wait before the first retry; it doubles for each
	// further retry. Zero means 50ms.
	Backoff time.Duration
	// Transport sends the requests. Nil means a new [http.Transport] owned by
	// the client and closed by [Client.Close].
	Transport http.RoundTripper
}

// Client sends GET requests and retries those that fail with a network
// error or a 5xx status.
//
// Create one with [New]; the zero Client is not usable. A Client is safe for
// concurrent use. Call [Client.Close] when done: it closes the idle
// keep-alive connections, whose goroutines would otherwise stay alive.
type Client struct {
	http     *http.Client
	owned    *http.Transport
	attempts int
	backoff  time.Duration
}

// New returns a client configured by cfg.
func New(cfg Config) *Client {
	c := &Client{attempts: cfg.Attempts, backoff: cfg.Backoff}
	if c.attempts <= 0 {
		c.attempts = 3
	}
	if c.backoff <= 0 {
		c.backoff = 50 * time.Millisecond
	}
	rt := cfg.Transport
	if rt == nil {
		c.owned = &http.Transport{}
		rt = c.owned
	}
	c.http = &http.Client{Transport: rt}
	return c
}

// StatusError is the error for a response whose status is not 2xx.
type StatusError struct {
	Code int
}

func (e *StatusError) Error() string { return fmt.Sprintf("unexpected status %d", e.Code) }

// Get fetches url and returns the response body. Network errors and 5xx
// statuses are retried, waiting Backoff, 2*Backoff, ... in between; a 4xx
// status is returned at once. Get returns early, with ctx's error, when ctx
// is done.
func (c *Client) Get(ctx context.Context, url string) ([]byte, error) {
	wait := c.backoff
	var errs []error
	for attempt := 1; ; attempt++ {
		body, err := c.get(ctx, url)
		if err == nil {
			return body, nil
		}
		errs = append(errs, fmt.Errorf("attempt %d: %w", attempt, err))
		var se *StatusError
		if errors.As(err, &se) && se.Code < 500 || attempt == c.attempts || ctx.Err() != nil {
			return nil, fmt.Errorf("get %s: %w", url, errors.Join(errs...))
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("get %s: %w", url, errors.Join(append(errs, ctx.Err())...))
		}
		wait *= 2
	}
}

func (c *Client) get(ctx context.Context, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	if cerr := resp.Body.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, &StatusError{Code: resp.StatusCode}
	}
	return body, nil
}

// Result is what [Client.GetAsync] delivers.
type Result struct {
	Body []byte
	Err  error
}

// GetAsync runs [Client.Get] in a new goroutine and returns the channel its
// result is sent on. The channel is unbuffered: the caller must receive the
// result, or cancel ctx, or the goroutine waits forever. A caller that gives
// up on a timer of its own (time.After) instead of cancelling ctx leaks it.
func (c *Client) GetAsync(ctx context.Context, url string) <-chan Result {
	ch := make(chan Result)
	go func() {
		body, err := c.Get(ctx, url)
		select {
		case ch <- Result{Body: body, Err: err}:
		case <-ctx.Done():
		}
	}()
	return ch
}

// HealthCheck probes a URL at a fixed interval. Create one with
// [Client.StartHealthCheck] and stop it with [HealthCheck.Stop].
type HealthCheck struct {
	stop     chan struct{}
	done     chan struct{}
	stopOnce sync.Once
	mu       sync.Mutex
	last     error
	probes   int
}

// StartHealthCheck starts a goroutine that GETs url (without retries) every
// interval until [HealthCheck.Stop] is called. A health check that is never
// stopped leaks its goroutine, waiting on its ticker.
func (c *Client) StartHealthCheck(url string, interval time.Duration) *HealthCheck {
	h := &HealthCheck{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(h.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				ctx, cancel := context.WithTimeout(context.Background(), interval)
				_, err := c.get(ctx, url)
				cancel()
				h.mu.Lock()
				h.last, h.probes = err, h.probes+1
				h.mu.Unlock()
			case <-h.stop:
				return
			}
		}
	}()
	return h
}

// Status returns how many probes ran and the error of the last one (nil
// when it succeeded or none ran yet).
func (h *HealthCheck) Status() (probes int, last error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.probes, h.last
}

// Stop stops the health check and waits for its goroutine to return. It is
// safe to call more than once.
func (h *HealthCheck) Stop() {
	h.stopOnce.Do(func() { close(h.stop) })
	<-h.done
}

// Close closes the idle connections of a transport the client owns. Requests
// in flight are not interrupted.
func (c *Client) Close() {
	if c.owned != nil {
		c.owned.CloseIdleConnections()
	}
}
