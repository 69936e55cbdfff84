package funnel

import (
	"fmt"
	"os"
	"strings"
)

// Filter selects goroutines that a diff should ignore: goroutines that are
// expected to outlive a test (the Go runtime's, the test framework's) or that
// a user has declared harmless. Build filters with [TopFunction],
// [TopFunctionPrefix], [CreatedByFunction], [AnyFrame], [InState],
// [InSnapshot] and [FilterFunc]; [StandardFilters] returns the built-in set.
//
// The zero Filter ignores nothing. Filters are immutable values, safe to
// copy and to use from several goroutines at once. A Filter is not part of
// any JSON value; its String describes it for reports.
type Filter struct {
	desc string
	// ignore reports whether g is ignored. s is the snapshot g belongs to,
	// or nil when the caller has none (see Filter.IgnoresIn).
	ignore func(g *Goroutine, s *Snapshot) bool
}

// Ignores reports whether f removes g. It is IgnoresIn(g, nil): filters
// that need to look at other goroutines (see [Filter.IgnoresIn]) ignore
// nothing here.
func (f Filter) Ignores(g *Goroutine) bool { return f.IgnoresIn(g, nil) }

// IgnoresIn reports whether f removes g, where s is the snapshot g belongs
// to. Most filters look at g alone; a few of [StandardFilters] also look at
// g's creator goroutine in s (the Ginkgo parallel client is recognised by
// the goroutine that created it, so that a user's own clients of the same
// kind stay visible). With a nil s those filters ignore nothing. [Leaked]
// passes the current snapshot.
func (f Filter) IgnoresIn(g *Goroutine, s *Snapshot) bool {
	return f.ignore != nil && g != nil && f.ignore(g, s)
}

// String describes the filter, for example `top function "pkg.f"`.
func (f Filter) String() string {
	if f.ignore == nil {
		return "ignore nothing"
	}
	return f.desc
}

// TopFunction ignores goroutines whose innermost frame runs exactly fn, as
// the runtime spells it ("net/http.(*Server).Serve", "pkg.worker.func1").
// For a blocked goroutine the innermost frame is often in the runtime or a
// sync package ("internal/sync.runtime_SemacquireMutex"); use [AnyFrame]
// to match a function further down.
func TopFunction(fn string) Filter {
	return Filter{
		desc:   fmt.Sprintf("top function %q", fn),
		ignore: func(g *Goroutine, _ *Snapshot) bool { return len(g.Frames) > 0 && g.Frames[0].Func == fn },
	}
}

// TopFunctionPrefix ignores goroutines whose innermost frame's function
// starts with prefix ("github.com/org/pkg." for a whole package).
func TopFunctionPrefix(prefix string) Filter {
	return Filter{
		desc: fmt.Sprintf("top function prefix %q", prefix),
		ignore: func(g *Goroutine, _ *Snapshot) bool {
			return len(g.Frames) > 0 && strings.HasPrefix(g.Frames[0].Func, prefix)
		},
	}
}

// CreatedByFunction ignores goroutines started by a go statement in exactly
// fn ([Goroutine.CreatedBy]).
func CreatedByFunction(fn string) Filter {
	return Filter{
		desc:   fmt.Sprintf("created by %q", fn),
		ignore: func(g *Goroutine, _ *Snapshot) bool { return g.CreatedBy.Func == fn },
	}
}

// createdByPrefix ignores goroutines started in a function whose name starts
// with prefix.
func createdByPrefix(prefix string) Filter {
	return Filter{
		desc:   fmt.Sprintf("created by prefix %q", prefix),
		ignore: func(g *Goroutine, _ *Snapshot) bool { return strings.HasPrefix(g.CreatedBy.Func, prefix) },
	}
}

// AnyFrame ignores goroutines with exactly fn in any frame of their stack.
func AnyFrame(fn string) Filter {
	return Filter{
		desc:   fmt.Sprintf("any frame %q", fn),
		ignore: func(g *Goroutine, _ *Snapshot) bool { return hasFrame(g, fn) },
	}
}

func hasFrame(g *Goroutine, fn string) bool {
	for _, f := range g.Frames {
		if f.Func == fn {
			return true
		}
	}
	return false
}

// InState ignores goroutines in wait state state, spelled as the runtime
// prints it without qualifiers ("chan receive", "IO wait", "sleep").
func InState(state string) Filter {
	return Filter{
		desc:   fmt.Sprintf("state %q", state),
		ignore: func(g *Goroutine, _ *Snapshot) bool { return g.State == state },
	}
}

// InSnapshot ignores the goroutines of s, by ID. A nil s ignores nothing.
// The filter keeps a reference to s; do not change s afterwards.
func InSnapshot(s *Snapshot) Filter {
	return Filter{
		desc:   fmt.Sprintf("in snapshot of %d goroutines", s.Len()),
		ignore: func(g *Goroutine, _ *Snapshot) bool { return s.Contains(g.ID) },
	}
}

// FilterFunc ignores the goroutines for which ignore returns true. desc
// describes the filter in reports. A nil ignore ignores nothing.
func FilterFunc(desc string, ignore func(Goroutine) bool) Filter {
	if ignore == nil {
		return Filter{}
	}
	return Filter{
		desc:   desc,
		ignore: func(g *Goroutine, _ *Snapshot) bool { return ignore(*g) },
	}
}

// named gives f a description that says what it is for.
func named(what string, f Filter) Filter {
	f.desc = what + ": " + f.desc
	return f
}

// Function names of the frameworks the standard filters know. Each is
// checked against a real run of the current versions by the tests of this
// package (funnel/testdata/ginkgosuite).
const (
	ginkgoInternal       = "github.com/onsi/ginkgo/v2/internal."
	ginkgoRunNode        = ginkgoInternal + "(*Suite).runNode"
	ginkgoInterrupts     = "github.com/onsi/ginkgo/v2/internal/interrupt_handler.(*InterruptHandler).registerForInterrupts"
	ginkgoProgressSignal = ginkgoInternal + "RegisterForProgressSignal"
	ginkgoOutput         = ginkgoInternal + "(*genericOutputInterceptor).ResumeIntercepting"
	ginkgoRunSpecs       = "github.com/onsi/ginkgo/v2.RunSpecs"
	rpcNewClient         = "net/rpc.NewClientWithCodec"
	httpDialConn         = "net/http.(*Transport).dialConn"
	gomegaPrefix         = "github.com/onsi/gomega/"
	gexecPrefix          = "github.com/onsi/gomega/gexec."
)

// StandardFilters returns the built-in filters, a fresh slice on each call
// that the caller may append to. They remove goroutines that belong to the
// Go runtime and the test frameworks rather than to the code under test:
//
//   - Go runtime: goroutines started by package runtime that run user code,
//     such as the finalizer and cleanup goroutines while they run a
//     finalizer or cleanup (the runtime hides its other goroutines from
//     dumps). They are recognised by a creator or an outermost frame in
//     package runtime, as the runtime prints no "created by" line for them.
//     A goroutine that has not run yet lists runtime.goexit below its entry
//     function; that frame is skipped, so such a goroutine is kept.
//   - testing: goroutines started by package testing (tests, subtests,
//     the test binary's alarm) and the test binary's main goroutine.
//   - os/signal: the signal delivery loop started by signal.Notify.
//   - Ginkgo v2: the goroutine of each node (started by
//     internal.(*Suite).runNode), the interrupt handler, the progress
//     signal handler, the output interceptor (parallel runs only, started
//     anew for each spec), and the parallel client's connection: the
//     net/rpc client that RunSpecs starts (recognised by its creator
//     goroutine, so a user's own rpc clients stay visible; it needs the
//     snapshot, see [Filter.IgnoresIn]). When GINKGO_PARALLEL_PROTOCOL is
//     "HTTP" at the time of the call, the client talks HTTP through
//     http.DefaultTransport instead, and that entry is replaced by one that
//     ignores every connection goroutine of an http.Transport, a user's
//     included: their creators exit at once, so they cannot be told apart.
//   - Gomega: goroutines started by Gomega packages, such as those gbytes
//     abandons on a timeout. Those of gexec are kept: a gexec session
//     still watching its process means a process that was never waited for.
//
// Each entry's String says what it is for and how it matches. The tests of
// this package run a real Ginkgo suite with --procs=2 and check that each
// entry still matches a goroutine of the current Go and Ginkgo versions.
func StandardFilters() []Filter {
	fs := []Filter{
		{
			desc: `Go runtime: outermost frame or creator in package "runtime"`,
			ignore: func(g *Goroutine, _ *Snapshot) bool {
				if strings.HasPrefix(g.CreatedBy.Func, "runtime.") {
					return true
				}
				return !g.Elided && strings.HasPrefix(outermost(g).Func, "runtime.")
			},
		},
		named("testing", createdByPrefix("testing.")),
		named("testing main goroutine", AnyFrame("testing.(*M).Run")),
		named("os/signal", createdByPrefix("os/signal.")),
		named("Ginkgo node runner", CreatedByFunction(ginkgoRunNode)),
		named("Ginkgo interrupt handler", CreatedByFunction(ginkgoInterrupts)),
		named("Ginkgo progress signal", CreatedByFunction(ginkgoProgressSignal)),
		named("Ginkgo output interceptor", createdByPrefix(ginkgoOutput)),
		{
			desc: fmt.Sprintf("Gomega: created by prefix %q, except %q", gomegaPrefix, gexecPrefix),
			ignore: func(g *Goroutine, _ *Snapshot) bool {
				fn := g.CreatedBy.Func
				return strings.HasPrefix(fn, gomegaPrefix) && !strings.HasPrefix(fn, gexecPrefix)
			},
		},
	}
	if os.Getenv("GINKGO_PARALLEL_PROTOCOL") == "HTTP" {
		return append(fs, named("Ginkgo parallel client (HTTP protocol)", CreatedByFunction(httpDialConn)))
	}
	return append(fs, Filter{
		desc: fmt.Sprintf("Ginkgo parallel client: created by %q in the goroutine running %q", rpcNewClient, ginkgoRunSpecs),
		ignore: func(g *Goroutine, s *Snapshot) bool {
			if g.CreatedBy.Func != rpcNewClient || s == nil {
				return false
			}
			creator, ok := s.Find(g.CreatorID)
			return ok && hasFrame(&creator, ginkgoRunSpecs)
		},
	})
}

// outermost returns the outermost frame of g's own code. A goroutine that
// has been started but has not run yet shows runtime.goexit below its entry
// function ("pkg.f.gowrap1"); that frame says nothing about who owns the
// goroutine and is skipped. The zero Frame is returned for a goroutine with
// no frames.
func outermost(g *Goroutine) Frame {
	n := len(g.Frames)
	if n > 1 && g.Frames[n-1].Func == "runtime.goexit" {
		n--
	}
	if n == 0 {
		return Frame{}
	}
	return g.Frames[n-1]
}
