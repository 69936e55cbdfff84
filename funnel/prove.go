package funnel

import (
	"bytes"
	"errors"
	"fmt"
	"runtime/pprof"

	"github.com/leakfunnel/leakfunnel/funnel/internal/stack"
)

// leakProfileName is the name of the runtime's goroutine leak profile.
const leakProfileName = "goroutineleak"

// ErrProofUnavailable is returned by [Prove] when the running binary has no
// goroutineleak profile: Go 1.26 built without
// GOEXPERIMENT=goroutineleakprofile. Nothing is proven then; that means
// "not proven", never "not leaked".
var ErrProofUnavailable = errors.New("goroutineleak profile unavailable")

// ProofAvailable reports whether the runtime's goroutineleak profile exists
// in this binary: Go 1.26 built with GOEXPERIMENT=goroutineleakprofile, or
// Go 1.27 and later. It is cheap and safe for concurrent use.
func ProofAvailable() bool {
	return pprof.Lookup(leakProfileName) != nil
}

// Prove marks as Proven every goroutine of leaks that the runtime's
// goroutineleak profile reports as leaked: blocked on a channel or sync
// primitive that no live goroutine can reach, so it can never wake. It
// identifies goroutines by ID and leaves the others' Proven field as it was.
//
// Each request of the profile runs a garbage collection cycle (a few
// milliseconds). A single request can miss a leak that a second one finds,
// so when a candidate (a leak whose class is [ClassBlocked] or
// [ClassPermanent]) is still unproven after the first request, Prove
// requests the profile a second time before concluding. Leaks of other
// classes (sleeping, I/O, running) are never proven: the profile does not
// cover them. Prove never reads the profile's Count, which is stale until
// the profile is written.
//
// Without the profile Prove changes nothing and returns
// [ErrProofUnavailable]. A profile that cannot be parsed returns an error;
// goroutines marked before the failure stay marked. Prove is safe for
// concurrent use on distinct slices (the runtime serialises the profile
// requests).
func Prove(leaks []Goroutine) error {
	p := pprof.Lookup(leakProfileName)
	if p == nil {
		return ErrProofUnavailable
	}
	if !hasProofCandidate(leaks) {
		return nil
	}
	var buf bytes.Buffer
	for range 2 {
		buf.Reset()
		if err := proveOnce(p, &buf, leaks); err != nil {
			return err
		}
		if !hasProofCandidate(leaks) {
			break
		}
	}
	return nil
}

// proveOnce requests the profile once and marks the leaks it reports.
func proveOnce(p *pprof.Profile, buf *bytes.Buffer, leaks []Goroutine) error {
	if err := p.WriteTo(buf, 2); err != nil {
		return fmt.Errorf("write goroutineleak profile: %w", err)
	}
	want := make(map[uint64]int, len(leaks))
	for i := range leaks {
		if !leaks[i].Proven {
			want[leaks[i].ID] = i
		}
	}
	gs, err := stack.ParseIf(buf.Bytes(), func(id uint64) bool {
		_, ok := want[id]
		return ok
	})
	// The profile's dump stops at 64 MiB: goroutines beyond the cut are
	// simply not proven, which is the safe answer.
	if err != nil && !errors.Is(err, stack.ErrTruncated) {
		return fmt.Errorf("parse goroutineleak profile: %w", err)
	}
	for _, g := range gs {
		if !g.Leaked {
			continue
		}
		if i, ok := want[g.ID]; ok {
			leaks[i].Proven = true
		}
	}
	return nil
}

// hasProofCandidate reports whether leaks holds an unproven goroutine that
// the profile could prove.
func hasProofCandidate(leaks []Goroutine) bool {
	for i := range leaks {
		if !leaks[i].Proven && isProofCandidate(&leaks[i]) {
			return true
		}
	}
	return false
}

func isProofCandidate(g *Goroutine) bool {
	c := g.Class
	if c == "" {
		c = Classify(g)
	}
	return c == ClassBlocked || c == ClassPermanent
}
