package broker_test

import (
	"fmt"

	"github.com/leakfunnel/leakfunnel/suite_example/broker"
)

func Example() {
	b := broker.New()
	defer b.Close()

	sub, err := b.Subscribe("orders", 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer sub.Close()

	n, err := b.Publish(broker.Message{Topic: "orders", Body: "order 1"})
	fmt.Println("delivered to", n, "subscriber(s), error:", err)
	fmt.Println("received:", (<-sub.C).Body)
	// Output:
	// delivered to 1 subscriber(s), error: <nil>
	// received: order 1
}
