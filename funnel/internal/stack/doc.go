// Package stack parses the goroutine dumps of the Go runtime: the text
// written by runtime.Stack(buf, true), by runtime/pprof's "goroutine" and
// "goroutineleak" profiles with debug=2, and by a crashing program. It turns
// bytes into plain records and knows nothing else; the funnel package
// builds its snapshots on it.
//
// A dump is a sequence of records separated by blank lines:
//
//	goroutine 7 [chan receive, 3 minutes, locked to thread]:
//	main.worker[...](0xc000012345, {0x1, 0x2})
//		/src/main.go:21 +0x1f
//	...12 frames elided...
//	created by main.start in goroutine 1
//		/src/main.go:12 +0x45
//	[originating from goroutine 1]:
//	main.start(...)
//		/src/main.go:12 +0x45
//
// [Parse] returns one [Goroutine] per record, with
//   - the ID, and the state split into the wait reason ("chan receive") and
//     its qualifiers: minutes blocked, locked to thread, " (scan)",
//     " (leaked)" (goroutineleak profile), " (durable)" and the synctest
//     bubble, and the pprof labels printed with GODEBUG=tracebacklabels=1,
//     both as Go 1.26 prints them (`[select labels:{"k": "v"}]:`) and as Go
//     1.27 does (`[select] {k: v}:`);
//   - the frames, with the function as printed (method receivers and
//     generic "[...]" kept, argument lists dropped), file and line (PC
//     offsets dropped), and whether frames were elided;
//   - the creator ("created by F in goroutine N", or the older form
//     without the goroutine);
//   - the ancestor blocks written with GODEBUG=tracebackancestors=N, as a
//     chain, nearest creator first.
//
// The GOTRACEBACK=system extras (" gp=... m=..." in headers, " fp=... sp=...
// pc=..." after file lines) and the crash-only lines ("goroutine running on
// other thread; stack unavailable", "non-Go function at pc=...") are
// understood too.
//
// # Errors
//
// An empty or blank dump is an error ("empty dump"). A line that fits none
// of the forms above is an error naming its line number and text; Parse then
// returns no records. A dump cut off at the end of a buffer returns the
// complete records plus the partial last one, marked [Goroutine.Truncated],
// and an error wrapping [ErrTruncated]. Parse never panics; a fuzz test
// checks that.
//
// # Cost
//
// Parse reads the dump once, with no regular expressions. Within one call it
// interns function names, file names and states, and keeps all frames (and
// all ancestor blocks) in one backing array. [IDs] reads only the headers
// and allocates nothing, and [ParseIf] skips the records its callback
// rejects, for the common case of looking only at goroutines that are new
// since a baseline.
//
// # Fixtures
//
// The tests run on real dumps in testdata, written by testdata/gen.go under
// Go 1.26 and Go 1.27 and several GODEBUG settings; see that file to
// regenerate them.
package stack
