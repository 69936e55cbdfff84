// Package leaktest holds the goroutine fixtures leakfunnel's own tests share:
// goroutines that start, signal that they started, block in a chosen state,
// and are released by the caller.
//
// [Start] launches n goroutines of one [Kind] and returns only when every one
// of them is parked in the wait state the runtime prints for that kind (it
// polls the runtime's stack dump with a deadline; it never sleeps blindly).
// [Fixture.Release] unblocks them and waits until they have exited, so a test
// that releases its fixtures leaves no goroutine behind. [MustStart] is the
// form for tests: it fails the test on error and registers Release as a
// cleanup.
//
// Three kinds, [NilChanRecv], [NilChanSend] and [SelectNoCases], block forever
// by construction: nothing can wake them. Their Release does nothing, and the
// goroutines stay parked until the test binary exits. Use them only where a
// permanent leak is the thing under test.
//
// The package imports nothing from leakfunnel, so every package of the module,
// funnel included, can use it in tests.
package leaktest
