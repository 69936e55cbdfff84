// Package htmlreport renders leakfunnel's suite summary as one
// self-contained HTML file: the figures of the run, the leaking specs,
// containers and suite-level subjects in tables sortable by leaked count,
// each subject's metrics timeline as an inline SVG chart, its leak clusters
// (class, count, creation site, the node they are attributed to and the
// condensed stack, expandable), and the root causes shared across subjects.
//
// The file needs no network and no external files: CSS and the little
// script (table sorting, expand all, open everything for printing) are
// inline, and charts are SVG drawn here. It reads well printed.
//
// Input comes from the reporter's artifacts folder: [Load] reads
// summary.json (the types in this package mirror its JSON schema, so that
// the reporter can import this package) and each subject's timeline.csv;
// [Render] writes the HTML to an io.Writer and [WriteFile] to a file.
//
//	in, err := htmlreport.Load("leakfunnel-report")
//	if err != nil { ... }
//	err = htmlreport.WriteFile("leakfunnel-report/report.html", in)
//
// The command leakfunnel (cmd/leakfunnel) wraps this as
// `leakfunnel report <artifacts folder> -o report.html`.
package htmlreport
