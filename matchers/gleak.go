package matchers

import (
	"reflect"
	"strconv"
	"strings"

	"github.com/leakfunnel/leakfunnel/funnel"
	"github.com/onsi/gomega/gleak"
	"github.com/onsi/gomega/types"
)

// gleakPackage is the import path of gleak's matchers. A matcher defined
// there expects a gleak.Goroutine; TestIsGleakMatcher keeps this path
// honest.
const gleakPackage = "github.com/onsi/gomega/gleak"

// matchGoroutine runs m on g. Matchers from gleak get g as a gleak.Goroutine.
// Any other matcher gets g as a funnel.Goroutine first; if it rejects that
// with an error, it is tried once more with a gleak.Goroutine, which covers
// project-specific matchers written for gleak. If both fail, the first error
// is returned.
func matchGoroutine(m types.GomegaMatcher, g funnel.Goroutine) (bool, error) {
	if isGleakMatcher(m) {
		return m.Match(toGleak(g))
	}
	ok, err := m.Match(g)
	if err == nil {
		return ok, nil
	}
	if ok2, err2 := m.Match(toGleak(g)); err2 == nil {
		return ok2, nil
	}
	return false, err
}

func isGleakMatcher(m types.GomegaMatcher) bool {
	t := reflect.TypeOf(m)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.PkgPath() == gleakPackage
}

// toGleak converts g to gleak's model. The backtrace is rebuilt in the
// runtime's two-line layout without program counter offsets, so that
// gleak.IgnoringInBacktrace finds function names in it as it does in a real
// dump.
func toGleak(g funnel.Goroutine) gleak.Goroutine {
	gg := gleak.Goroutine{
		ID:    g.ID,
		State: gleakState(g),
	}
	if len(g.Frames) > 0 {
		gg.TopFunction = g.Frames[0].Func
	}
	if g.CreatedBy.Func != "" {
		gg.CreatorFunction = g.CreatedBy.Func
		gg.BornAt = g.CreatedBy.File + ":" + strconv.Itoa(g.CreatedBy.Line)
	}
	var b strings.Builder
	for _, f := range g.Frames {
		b.WriteString(f.Func)
		b.WriteString("(...)\n\t")
		b.WriteString(f.File)
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(f.Line))
		b.WriteByte('\n')
	}
	if g.Elided {
		b.WriteString("...additional frames elided...\n")
	}
	if g.CreatedBy.Func != "" {
		b.WriteString("created by ")
		b.WriteString(g.CreatedBy.Func)
		if g.CreatorID != 0 {
			b.WriteString(" in goroutine ")
			b.WriteString(strconv.FormatUint(g.CreatorID, 10))
		}
		b.WriteString("\n\t")
		b.WriteString(g.CreatedBy.File)
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(g.CreatedBy.Line))
		b.WriteByte('\n')
	}
	gg.Backtrace = b.String()
	return gg
}

// gleakState spells the state as gleak keeps it: the wait reason followed by
// the qualifiers of the header ("chan receive, 5 minutes, locked to thread").
func gleakState(g funnel.Goroutine) string {
	s := g.State
	if g.Scan {
		s += " (scan)"
	}
	if m := int(g.Wait.Minutes()); m > 0 {
		if m == 1 {
			s += ", 1 minute"
		} else {
			s += ", " + strconv.Itoa(m) + " minutes"
		}
	}
	if g.LockedToThread {
		s += ", locked to thread"
	}
	return s
}
