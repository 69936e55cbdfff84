//go:build race

package stack

// raceEnabled makes the slowest tests sample fewer inputs under the race
// detector, which slows the parser down tenfold.
const raceEnabled = true
