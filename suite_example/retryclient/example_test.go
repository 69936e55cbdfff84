package retryclient_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"time"

	"github.com/leakfunnel/leakfunnel/suite_example/retryclient"
)

func Example() {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprint(w, "hello")
	}))
	defer srv.Close()

	c := retryclient.New(retryclient.Config{Backoff: time.Millisecond})
	defer c.Close()

	body, err := c.Get(context.Background(), srv.URL)
	fmt.Printf("%s after %d calls, error: %v\n", body, calls.Load(), err)
	// Output:
	// hello after 2 calls, error: <nil>
}
