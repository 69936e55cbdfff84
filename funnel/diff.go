package funnel

import (
	"errors"
	"fmt"
)

// ErrNilBaseline is wrapped by the error a stage returns when it is given a
// nil baseline snapshot. Check for it with errors.Is.
var ErrNilBaseline = errors.New("nil baseline")

// ErrNilSnapshot is wrapped by the error a stage returns when it is given a
// nil current snapshot. Check for it with errors.Is.
var ErrNilSnapshot = errors.New("nil snapshot")

// Leaked returns the goroutines of cur whose IDs are not in base, less those
// that any of filters ignores (each asked with [Filter.IgnoresIn] and cur).
// Goroutine IDs are never reused, so this is exactly "started since base and
// still alive". The result is sorted by ID and shares Frames and Labels with
// cur; it is empty, not nil, when nothing leaked.
//
// Either snapshot may be partial (see [CaptureSince]). A partial base is
// asked with [Snapshot.Contains], which knows the goroutines it did not
// parse. A partial cur yields only its parsed goroutines, which is exact
// when cur was taken since base, or since a baseline that base contains.
//
// Leaked returns an error wrapping [ErrNilBaseline] when base is nil and
// one wrapping [ErrNilSnapshot] when cur is nil. It does not look at
// [Snapshot.Err]; callers that decide on leaks should report it.
func Leaked(base, cur *Snapshot, filters []Filter) ([]Goroutine, error) {
	if base == nil {
		return nil, fmt.Errorf("leaked: %w", ErrNilBaseline)
	}
	if cur == nil {
		return nil, fmt.Errorf("leaked: current: %w", ErrNilSnapshot)
	}
	leaks := []Goroutine{}
	// All three lists are sorted by ID: walk base's alongside cur's.
	ids, b := base.IDs, base.Goroutines
	for i := range cur.Goroutines {
		g := &cur.Goroutines[i]
		for len(ids) > 0 && ids[0] < g.ID {
			ids = ids[1:]
		}
		for len(b) > 0 && b[0].ID < g.ID {
			b = b[1:]
		}
		if len(ids) > 0 && ids[0] == g.ID || len(b) > 0 && b[0].ID == g.ID {
			continue
		}
		if ignored(g, cur, filters) {
			continue
		}
		leaks = append(leaks, *g)
	}
	return leaks, nil
}

// ignored reports whether any filter ignores g.
func ignored(g *Goroutine, s *Snapshot, filters []Filter) bool {
	for _, f := range filters {
		if f.IgnoresIn(g, s) {
			return true
		}
	}
	return false
}
