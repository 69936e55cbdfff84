//go:build race

package funnel_test

const raceEnabled = true
