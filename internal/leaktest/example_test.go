package leaktest_test

import (
	"fmt"

	"github.com/leakfunnel/leakfunnel/internal/leaktest"
)

func ExampleStart() {
	f, err := leaktest.Start(leaktest.ChanRecv, 2)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Release()
	fmt.Println(len(f.IDs), "goroutines in", f.Kind)
	fmt.Println(f.Func)
	// Output:
	// 2 goroutines in chan receive
	// github.com/leakfunnel/leakfunnel/internal/leaktest.chanRecv
}
