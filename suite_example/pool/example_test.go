package pool_test

import (
	"context"
	"fmt"

	"github.com/leakfunnel/leakfunnel/suite_example/pool"
)

func Example() {
	p := pool.New(2)
	defer p.Close() // without it, the two workers would leak

	err := p.Do(context.Background(), func(context.Context) error {
		fmt.Println("ran on a worker")
		return nil
	})
	fmt.Println("error:", err)
	// Output:
	// ran on a worker
	// error: <nil>
}
