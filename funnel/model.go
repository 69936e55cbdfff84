package funnel

import "time"

// Frame is one call in a goroutine's stack: the function, and the file and
// line being executed. Func keeps the runtime's spelling, with method
// receivers and generic type parameters (such as "pkg.(*Pool[...]).loop")
// intact and argument values dropped.
//
// The zero Frame is an unknown frame; it is what [Goroutine.CreatedBy] holds
// for the main goroutine and for goroutines the runtime starts itself.
type Frame struct {
	Func string `json:"func"`
	File string `json:"file,omitempty"`
	Line int    `json:"line,omitempty"`
}

// Ancestor is one block written by GODEBUG=tracebackancestors=N: the stack
// that goroutine ID had when it created the next goroutine down the chain.
type Ancestor struct {
	ID     uint64  `json:"id"`
	Frames []Frame `json:"frames,omitempty"`
	Elided bool    `json:"elided,omitempty"`
}

// Class is the blocking class of a goroutine: what it waits on, and so
// whether it can ever wake up by itself. The zero Class means "not yet
// classified"; [Classify] never returns it.
type Class string

// The blocking classes. The table that maps wait reasons and top frames to a
// class is documented on [Classify].
const (
	// ClassPermanent: blocked forever by construction (send or receive on a
	// nil channel, select with no cases).
	ClassPermanent Class = "permanent"
	// ClassBlocked: blocked on a channel, select or sync primitive; it wakes
	// only if another goroutine acts.
	ClassBlocked Class = "blocked"
	// ClassIO: parked in the network poller (a listener or connection left open).
	ClassIO Class = "io"
	// ClassSleeping: sleeping or waiting on a timer; may wake by itself.
	ClassSleeping Class = "sleeping"
	// ClassSyscall: in a system call or outside Go.
	ClassSyscall Class = "syscall"
	// ClassRunning: runnable or running; still working.
	ClassRunning Class = "running"
	// ClassOther: a wait reason the table does not know.
	ClassOther Class = "other"
)

// Goroutine is one goroutine of a [Snapshot], parsed once from the runtime's
// stack dump.
//
// State is the wait reason exactly as the runtime prints it ("chan receive",
// "select (no cases)", "IO wait", "running"), without the qualifiers, which
// have fields of their own. Class and Proven are set by [Check]; in a plain
// [Capture] they are zero.
//
// Goroutine values are plain data: they survive json.Marshal and
// json.Unmarshal unchanged and may be copied freely.
type Goroutine struct {
	ID    uint64 `json:"id"`
	State string `json:"state"`
	// Wait is how long the goroutine has been blocked, as printed by the
	// runtime in whole minutes ("5 minutes"); zero when not printed.
	Wait           time.Duration `json:"wait,omitempty"`
	LockedToThread bool          `json:"lockedToThread,omitempty"`
	// Scan is set when the header carried " (scan)" (the GC was scanning it).
	Scan bool `json:"scan,omitempty"`
	// Leaked is set when the header carried " (leaked)", as written by the
	// goroutineleak profile.
	Leaked bool `json:"leaked,omitempty"`
	// Durable is set when the header carried " (durable)" (testing/synctest).
	Durable bool `json:"durable,omitempty"`
	// Labels are the goroutine's pprof labels, present in dumps only when
	// GODEBUG contains tracebacklabels=1 (see [EnableTraceLabels]).
	Labels map[string]string `json:"labels,omitempty"`
	// Frames lists the stack, innermost call first.
	Frames []Frame `json:"frames,omitempty"`
	// Elided is set when the runtime cut the stack
	// ("...additional frames elided...").
	Elided bool `json:"elided,omitempty"`
	// CreatedBy is the go statement that started the goroutine: the creating
	// function and the file and line of the statement.
	CreatedBy Frame `json:"createdBy"`
	// CreatorID is the ID of the goroutine that ran the go statement; zero
	// when the runtime did not print it.
	CreatorID uint64 `json:"creatorId,omitempty"`
	// Ancestors is the chain written by GODEBUG=tracebackancestors=N,
	// nearest creator first.
	Ancestors []Ancestor `json:"ancestors,omitempty"`

	Class  Class `json:"class,omitempty"`
	Proven bool  `json:"proven,omitempty"`
}
