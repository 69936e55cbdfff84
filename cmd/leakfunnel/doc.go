// Command leakfunnel turns leakfunnel's outputs into reports people read.
//
// Usage:
//
//	leakfunnel report <artifacts folder | summary.json> [-o report.html] [-q]
//	leakfunnel diff [flags] <baseline.pb.gz> <current.pb.gz>
//	leakfunnel diff [flags] <subject artifacts folder>
//	leakfunnel help [command]
//
// report renders the suite summary that the reporter writes into its
// artifacts folder (summary.json, with each leaking subject's timeline.csv)
// as one self-contained HTML file: suite figures, the leaking specs,
// containers and suite-level subjects in tables sortable by leaked count,
// each subject's metrics timeline as an SVG chart, its clusters with class,
// count, creation site, attribution and the condensed stack, and the root
// causes shared across subjects. The file opens from disk and as a CI
// artifact; it fetches nothing. Without -o it is written as report.html
// next to summary.json; the command prints its path. Flags may come before
// or after the argument.
//
// diff prints the clustered leak report between two goroutine profiles
// written by funnel.WriteProfile, such as the baseline.pb.gz and
// final.pb.gz of a leaking subject's artifacts folder (given the folder,
// diff reads those two): the goroutines of the current profile whose ID is
// not in the baseline, after funnel's standard filters (-all keeps every
// goroutine), grouped into clusters, then one line of counts. A profile
// carries each goroutine's ID, state, class, frames, creating function and
// labels, but not the creation site's line, the creator's ID or ancestors,
// so those are missing from diff's report. Flags: -all, -full-paths,
// -max-clusters n, -max-frames n.
//
// Exit codes:
//
//	0  success; for diff, no goroutine leaked
//	1  diff found leaked goroutines
//	2  usage error: unknown command, bad flag, wrong number of arguments
//	3  an input could not be read (missing file, not a summary, not a
//	   leakfunnel profile) or the output could not be written
//
// Errors are written to standard error, prefixed with the command.
package main
