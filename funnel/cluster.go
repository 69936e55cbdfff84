package funnel

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ClusterKey is the comparable fingerprint that groups goroutines into a
// [Cluster]: goroutines with equal keys are "the same leak". Build it with
// [ClusterKeyOf]; the zero ClusterKey is the key of a zero [Goroutine].
//
// Normalisation, field by field:
//
//   - Class is [Classify]'s result, or the goroutine's Class when already set.
//   - State is the wait reason exactly as the runtime prints it
//     ("chan receive"); the minutes waited are not part of it.
//   - Frames is the function name of every frame, innermost first, joined
//     with "\n". Function names are kept as the runtime spells them
//     (receivers, closure suffixes such as ".func1", and generic type
//     parameters printed as "[...]"); argument values, "+0x1f" offsets, file
//     names and line numbers are dropped, so goroutines blocked at different
//     lines of one function share a key. A stack the runtime cut short ends
//     with a final "..." line.
//   - CreatedBy is the creation site, "fn at file:line" (the go statement's
//     function, file and line), or "" when the runtime printed none. The
//     creator goroutine's ID is not part of it: a hundred workers started
//     by a hundred parents from one go statement are one cluster.
//
// A ClusterKey is plain data: it is comparable, usable as a map key, and
// survives json.Marshal and json.Unmarshal unchanged.
type ClusterKey struct {
	Class     Class  `json:"class"`
	State     string `json:"state"`
	Frames    string `json:"frames"`
	CreatedBy string `json:"createdBy"`
}

// ClusterKeyOf returns g's cluster key, normalised as documented on
// [ClusterKey]. A nil g has the zero key. It is safe for concurrent use.
func ClusterKeyOf(g *Goroutine) ClusterKey {
	if g == nil {
		return ClusterKey{}
	}
	class := g.Class
	if class == "" {
		class = Classify(g)
	}
	var b strings.Builder
	for i, f := range g.Frames {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(f.Func)
	}
	if g.Elided {
		b.WriteString("\n...")
	}
	return ClusterKey{
		Class:     class,
		State:     g.State,
		Frames:    b.String(),
		CreatedBy: siteString(g.CreatedBy),
	}
}

// Compare orders keys by Class, then State, Frames and CreatedBy, each as a
// string. It returns -1, 0 or +1 like [strings.Compare].
func (k ClusterKey) Compare(o ClusterKey) int {
	return cmp.Or(
		strings.Compare(string(k.Class), string(o.Class)),
		strings.Compare(k.State, o.State),
		strings.Compare(k.Frames, o.Frames),
		strings.Compare(k.CreatedBy, o.CreatedBy),
	)
}

// String returns the key on one line: class, state, the innermost frame of
// the goroutine's own code (see [WaitSite]) and the creation site, like
// "[blocked] chan receive in pkg.worker, created by pkg.Start at
// /src/pool.go:42".
func (k ClusterKey) String() string {
	top, _, _ := strings.Cut(k.Frames, "\n")
	for _, fn := range strings.Split(k.Frames, "\n") {
		if pkg := packageOf(fn); !isPrimitivePackage(pkg) && !isPrimitiveSitePackage(pkg) {
			top = fn
			break
		}
	}
	s := fmt.Sprintf("[%s] %s", k.Class, k.State)
	if top != "" {
		s += " in " + top
	}
	if k.CreatedBy != "" {
		s += ", created by " + k.CreatedBy
	}
	return s
}

// Cluster is a group of leaked goroutines with one [ClusterKey]: the unit a
// report lists ("100 x chan receive in pkg.worker, created by pkg.Start at
// pool.go:42"). Build clusters with [ClusterLeaks].
//
// A Cluster is plain data and survives json.Marshal and json.Unmarshal
// unchanged. The zero Cluster is an empty cluster.
type Cluster struct {
	// Key is the fingerprint the members share.
	Key ClusterKey `json:"key"`
	// Count is the number of members; it equals len(IDs).
	Count int `json:"count"`
	// IDs are the members' goroutine IDs, ascending.
	IDs []uint64 `json:"ids"`
	// Representative is the member with the lowest ID, kept whole (frames
	// with files and lines, labels, ancestors) to show one stack.
	Representative Goroutine `json:"representative"`
	// Class is the members' blocking class (Key.Class).
	Class Class `json:"class"`
	// Proven is the number of members the goroutineleak profile proved
	// unable to wake (see [Prove]). Zero when no proof was available.
	Proven int `json:"proven"`
	// LongestWait is the longest Wait among the members (the runtime
	// reports whole minutes, so short leaks show zero).
	LongestWait time.Duration `json:"longestWait,omitempty"`
	// Attribution is where the representative came from (see [Attribute]).
	// Members share the creation site by construction; their creators and
	// labels may differ when the baseline predates several of their creators.
	Attribution Attribution `json:"attribution"`
}

// String returns the cluster on one line, like
// "3 x [blocked] chan receive in pkg.worker, created by pkg.Start at
// /src/pool.go:42 (2 proven)".
func (c Cluster) String() string {
	s := strconv.Itoa(c.Count) + " x " + c.Key.String()
	if c.Proven > 0 {
		s += " (" + strconv.Itoa(c.Proven) + " proven)"
	}
	return s
}

// GomegaString returns [Cluster.String], so that gomega's format prints a
// cluster as one readable line.
func (c Cluster) GomegaString() string { return c.String() }

// ClusterLeaks groups leaks by [ClusterKeyOf] and returns the clusters in a
// deterministic order: Count descending, then key ascending by
// [ClusterKey.Compare]. A leak whose Class is still zero is classified first
// (leaks itself is not modified). base is used for attribution (see
// [Attribute]); a nil base attributes without baseline knowledge. The result
// is nil for no leaks. ClusterLeaks is safe for concurrent use as long as
// nothing modifies leaks or base meanwhile.
func ClusterLeaks(leaks []Goroutine, base *Snapshot) []Cluster {
	if len(leaks) == 0 {
		return nil
	}
	index := make(map[ClusterKey]int)
	var clusters []Cluster
	for i := range leaks {
		g := &leaks[i]
		key := ClusterKeyOf(g)
		n, ok := index[key]
		if !ok {
			n = len(clusters)
			index[key] = n
			clusters = append(clusters, Cluster{Key: key, Class: key.Class})
		}
		c := &clusters[n]
		c.Count++
		c.IDs = append(c.IDs, g.ID)
		if g.Proven {
			c.Proven++
		}
		c.LongestWait = max(c.LongestWait, g.Wait)
		if c.Count == 1 || g.ID < c.Representative.ID {
			c.Representative = *g
			c.Representative.Class = key.Class
		}
	}
	for i := range clusters {
		c := &clusters[i]
		slices.Sort(c.IDs)
		c.Attribution = Attribute(&c.Representative, base)
	}
	slices.SortFunc(clusters, func(a, b Cluster) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), a.Key.Compare(b.Key))
	})
	return clusters
}

// siteString renders a creation site as "fn at file:line", or "" for the
// zero Frame.
func siteString(f Frame) string {
	if f.Func == "" && f.File == "" {
		return ""
	}
	s := f.Func
	if f.File != "" {
		s += " at " + f.File + ":" + strconv.Itoa(f.Line)
	}
	return s
}
