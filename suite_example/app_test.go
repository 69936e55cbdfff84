package suiteexample_test

// Application code with two bugs found in real services, used by the leaky
// specs. It lives in the test package so that the specs can release what it
// leaks once leakfunnel has reported it.

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/leakfunnel/leakfunnel/suite_example/retryclient"
)

var errUnknownSKU = errors.New("unknown SKU")

// inventory tracks stock per SKU.
type inventory struct {
	mu    sync.Mutex
	stock map[string]int
}

// Reserve takes n items of sku out of stock.
//
// BUG: it returns early on an unknown SKU with mu still locked. Every later
// call blocks in sync.Mutex.Lock for good.
func (inv *inventory) Reserve(sku string, n int) error {
	inv.mu.Lock()
	have, ok := inv.stock[sku]
	if !ok {
		return fmt.Errorf("reserve %d of %q: %w", n, sku, errUnknownSKU)
	}
	if have < n {
		inv.mu.Unlock()
		return fmt.Errorf("reserve %d of %q: only %d left", n, sku, have)
	}
	inv.stock[sku] = have - n
	inv.mu.Unlock()
	return nil
}

// ReserveOrder reserves every line of an order concurrently and returns the
// first error, or ctx's error when the order takes too long.
func (inv *inventory) ReserveOrder(ctx context.Context, lines map[string]int) error {
	errs := make(chan error, len(lines))
	for sku, n := range lines {
		go func() { errs <- inv.Reserve(sku, n) }()
	}
	for range lines {
		select {
		case err := <-errs:
			if err != nil {
				return err
			}
		case <-ctx.Done():
			return fmt.Errorf("reserve order: %w", ctx.Err())
		}
	}
	return nil
}

// page is one result of a crawler.
type page struct {
	url  string
	body []byte
	err  error
}

// crawler fetches pages concurrently.
type crawler struct {
	client *retryclient.Client
	wg     sync.WaitGroup
}

// FetchAll fetches every URL concurrently and streams the pages on the
// returned channel, which is closed once every fetch is done.
//
// BUG: a failed fetch returns without wg.Done, so the goroutine that closes
// the channel waits in sync.WaitGroup.Wait for good (and a caller ranging
// over the channel would hang).
func (cr *crawler) FetchAll(ctx context.Context, urls []string) <-chan page {
	out := make(chan page, len(urls))
	for _, url := range urls {
		cr.wg.Add(1)
		go func() {
			body, err := cr.client.Get(ctx, url)
			if err != nil {
				out <- page{url: url, err: err}
				return
			}
			out <- page{url: url, body: body}
			cr.wg.Done()
		}()
	}
	go func() {
		cr.wg.Wait()
		close(out)
	}()
	return out
}
