package matchers

// LiveSnapshot stands for "the goroutines of the process now". Passed as
// the actual value of [HaveLeakedSince] or [HaveGoroutineDeltaSince], it
// makes the matcher capture a fresh snapshot on every Match. Make one with
// [Live]; the zero value is ready to use and carries no state.
type LiveSnapshot struct{}

// Live returns the actual value that makes a matcher capture the goroutines
// itself on every Match:
//
//	Eventually(matchers.Live()).ShouldNot(matchers.HaveLeakedSince(base))
//
// It differs from Eventually(funnel.Capture) in one way: Gomega asks a
// matcher whether its verdict may still change only when it polls a value,
// never a function. Polling Live, [HaveLeakedSince] answers "no" once every
// remaining leak is permanent (a nil channel, an empty select) or proven by
// the goroutineleak profile, so Eventually fails at once instead of waiting
// out its timeout for goroutines that can never end.
func Live() LiveSnapshot { return LiveSnapshot{} }
