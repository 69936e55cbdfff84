package stack

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// render writes records back in the runtime's format: Go 1.26 headers with
// the qualifiers in the runtime's order, "(...)" for every argument list, no
// PC offsets, and any elision as a trailing "...additional frames
// elided...".
func render(gs []Goroutine) string {
	var b strings.Builder
	for i, g := range gs {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "goroutine %d [%s", g.ID, g.State)
		if g.Leaked {
			b.WriteString(" (leaked)")
		}
		if g.Scan {
			b.WriteString(" (scan)")
		}
		if g.Durable {
			b.WriteString(" (durable)")
		}
		if g.Wait > 0 {
			fmt.Fprintf(&b, ", %d minutes", int64(g.Wait.Minutes()))
		}
		if g.LockedToThread {
			b.WriteString(", locked to thread")
		}
		if g.Bubble != 0 {
			fmt.Fprintf(&b, ", synctest bubble %d", g.Bubble)
		}
		if len(g.Labels) > 0 {
			b.WriteString(" labels:{")
			for j, k := range slices.Sorted(maps.Keys(g.Labels)) {
				if j > 0 {
					b.WriteString(", ")
				}
				fmt.Fprintf(&b, "%s: %s", strconv.Quote(k), strconv.Quote(g.Labels[k]))
			}
			b.WriteString("}")
		}
		b.WriteString("]:\n")
		if len(g.Frames) == 0 {
			// The one way to write a complete record without frames.
			b.WriteString("\tgoroutine running on other thread; stack unavailable\n")
		}
		renderFrames(&b, g.Frames, g.Elided)
		if g.CreatedBy.Func != "" {
			fmt.Fprintf(&b, "created by %s", g.CreatedBy.Func)
			if g.CreatorID != 0 {
				fmt.Fprintf(&b, " in goroutine %d", g.CreatorID)
			}
			b.WriteString("\n")
			renderFile(&b, g.CreatedBy)
		}
		for _, a := range g.Ancestors {
			fmt.Fprintf(&b, "[originating from goroutine %d]:\n", a.ID)
			renderFrames(&b, a.Frames, a.Elided)
			if a.CreatedBy.Func != "" {
				fmt.Fprintf(&b, "created by %s\n", a.CreatedBy.Func)
				renderFile(&b, a.CreatedBy)
			}
		}
	}
	// A trailing blank line ends the last record, which may have an empty
	// block: without it, that record would read as cut off.
	b.WriteString("\n")
	return b.String()
}

// renderFile writes the file line of f, or a bare PC for a frame without
// file information.
func renderFile(b *strings.Builder, f Frame) {
	if f.File == "" {
		b.WriteString("\tpc=0x1\n")
		return
	}
	fmt.Fprintf(b, "\t%s:%d +0x1\n", f.File, f.Line)
}

func renderFrames(b *strings.Builder, frames []Frame, elided bool) {
	for _, f := range frames {
		if f.Func == "non-Go function" && f.File == "" {
			b.WriteString("non-Go function at pc=0x1\n")
			continue
		}
		fmt.Fprintf(b, "%s(...)\n", f.Func)
		renderFile(b, f)
	}
	if elided {
		b.WriteString("...additional frames elided...\n")
	}
}

// TestRoundTrip renders the records of every fixture in the runtime's format
// and parses them again: the records must come back unchanged.
func TestRoundTrip(t *testing.T) {
	for _, name := range fixtures(t) {
		t.Run(name, func(t *testing.T) {
			gs, err := Parse(readFixture(t, name))
			if err != nil {
				// A truncated dump round-trips without its partial record.
				if len(gs) > 0 && gs[len(gs)-1].Truncated {
					gs = gs[:len(gs)-1]
				}
			}
			checkRoundTrip(t, gs)
		})
	}
}

// checkRoundTrip checks that rendering and parsing again gives gs back.
func checkRoundTrip(t testing.TB, gs []Goroutine) {
	t.Helper()
	text := render(gs)
	again, err := Parse([]byte(text))
	if err != nil {
		t.Fatalf("Parse(render(records)): %v\n%s", err, text)
	}
	if diff := cmp.Diff(gs, again); diff != "" {
		t.Errorf("round trip mismatch (-want +got):\n%s", diff)
	}
}
