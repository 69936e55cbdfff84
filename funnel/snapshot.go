package funnel

import (
	"bytes"
	"cmp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/leakfunnel/leakfunnel/funnel/internal/stack"
)

// Snapshot is every goroutine of the process at one moment (stage 3), sorted
// by ID, with the time and a stage-1 metrics read taken just before the
// stack dump.
//
// A snapshot is full or partial. A full snapshot ([Capture]) holds a parsed
// record for every goroutine in Goroutines and leaves IDs empty. A partial
// snapshot ([CaptureSince]) parses only the goroutines that were not in its
// baseline: Goroutines holds those, and IDs holds the ID of every goroutine
// alive at the dump, so that [Snapshot.Contains], [Snapshot.Len] and
// [Leaked] treat it like the full snapshot it stands for, and it serves as
// the baseline of a later check. [WriteProfile] and anything else that
// ranges over Goroutines sees only the parsed goroutines of a partial
// snapshot.
//
// Err is empty when the runtime's dump was parsed completely. When the
// parser met a line it does not know (a Go version with a new dump format,
// for instance), Err says which line and Goroutines holds one record per
// goroutine with only ID set: every goroutine is still accounted for by ID,
// so a diff still finds new goroutines, but filters that look at frames or
// state cannot remove any of them. Callers that decide on leaks should
// surface Err.
//
// The zero Snapshot is a valid, empty snapshot. Snapshots are plain data:
// they survive JSON round trips and may be read from several goroutines at
// once. Goroutines of one snapshot share the backing arrays of their Frames
// (each slice is capped, so appending to one never changes another) and may
// share Labels maps; treat them as read-only.
type Snapshot struct {
	// Time is when the snapshot was taken (just before the dump).
	Time time.Time `json:"time"`
	// Metrics is the stage-1 read taken just before the dump. It describes
	// the whole process, also for a [CaptureSince] snapshot.
	Metrics Metrics `json:"metrics"`
	// Goroutines holds one record per goroutine, sorted by ID: every
	// goroutine of a full snapshot, or only the parsed ones of a partial
	// snapshot.
	Goroutines []Goroutine `json:"goroutines"`
	// IDs, when not empty, lists the ID of every goroutine alive at the
	// dump, sorted: the goroutines a full snapshot taken at that moment
	// would hold, parsed or not. It is set by [CaptureSince]; a full
	// snapshot leaves it empty, since Goroutines then holds them all. A
	// caller that builds a snapshot with IDs and adds goroutines to
	// Goroutines need not add them to IDs: [Snapshot.Contains] looks in
	// both.
	IDs []uint64 `json:"ids,omitempty"`
	// Err describes a problem parsing the dump; empty when there was none.
	Err string `json:"err,omitempty"`
}

// Contains reports whether goroutine id was alive when the snapshot was
// taken: whether it is in IDs or in Goroutines. A partial snapshot (see
// [CaptureSince]) thus contains the goroutines it did not parse. A nil
// snapshot holds none.
func (s *Snapshot) Contains(id uint64) bool {
	if s == nil {
		return false
	}
	if _, ok := slices.BinarySearch(s.IDs, id); ok {
		return true
	}
	_, ok := s.index(id)
	return ok
}

// Len returns the number of goroutines the snapshot describes: len(IDs) for
// a partial snapshot, else len(Goroutines). A nil snapshot has none.
func (s *Snapshot) Len() int {
	if s == nil {
		return 0
	}
	return max(len(s.IDs), len(s.Goroutines))
}

// Partial reports whether the snapshot parsed only some of its goroutines
// (see [CaptureSince]): whether Goroutines holds fewer records than IDs has
// IDs. A nil snapshot is not partial.
func (s *Snapshot) Partial() bool {
	return s != nil && len(s.Goroutines) < len(s.IDs)
}

// Fill returns s with the records it lacks taken from src: a copy of s
// whose Goroutines also hold each goroutine of src.Goroutines that s
// contains but did not parse. A partial snapshot filled from its full
// baseline (or a partial baseline filled from a later full snapshot) then
// gives a whole-process profile, or a diff against another baseline. The
// records from src describe the goroutines at src's time. Fill returns s
// itself when s is not partial or src is nil; s and src are not changed.
func (s *Snapshot) Fill(src *Snapshot) *Snapshot {
	if !s.Partial() || src == nil {
		return s
	}
	out := *s
	out.Goroutines = slices.Clone(s.Goroutines)
	for i := range src.Goroutines {
		g := &src.Goroutines[i]
		if _, alive := slices.BinarySearch(s.IDs, g.ID); !alive {
			continue
		}
		if _, parsed := s.index(g.ID); !parsed {
			out.Goroutines = append(out.Goroutines, *g)
		}
	}
	slices.SortFunc(out.Goroutines, func(a, b Goroutine) int { return cmp.Compare(a.ID, b.ID) })
	return &out
}

// Find returns the parsed goroutine id of the snapshot and true, or the
// zero Goroutine and false when the snapshot does not hold it or (for a
// partial snapshot) did not parse it.
func (s *Snapshot) Find(id uint64) (Goroutine, bool) {
	if i, ok := s.index(id); ok {
		return s.Goroutines[i], true
	}
	return Goroutine{}, false
}

// index finds id by binary search; Goroutines is sorted by ID.
func (s *Snapshot) index(id uint64) (int, bool) {
	if s == nil {
		return 0, false
	}
	return slices.BinarySearchFunc(s.Goroutines, id, func(g Goroutine, id uint64) int {
		switch {
		case g.ID < id:
			return -1
		case g.ID > id:
			return 1
		}
		return 0
	})
}

// IsCurrent reports whether no goroutine has been created since s was
// captured, judged by the cheap stage-1 counter /sched/goroutines-created.
// When it returns true, every goroutine alive now is in s, so s is still an
// exact baseline and a new [Capture] (which stops the world) can be skipped.
// A nil or zero snapshot is never current.
func (s *Snapshot) IsCurrent() bool {
	return s != nil && s.Metrics.Created != 0 && readCreated() == s.Metrics.Created
}

// samplerPrefix starts the name of every function of leakfunnel's own
// stage-2 sampler goroutine; Capture leaves such goroutines out.
const samplerPrefix = "github.com/leakfunnel/leakfunnel/funnel.(*Sampler)."

// samplerCreator is the function whose go statement starts the sampler
// goroutine. A sampler goroutine that has not run yet has none of the
// sampler's frames (only the go statement's wrapper), so Capture
// recognises it by its creator.
const samplerCreator = "github.com/leakfunnel/leakfunnel/funnel.StartSampler"

// Capture takes a whole-process snapshot: the time, a [ReadMetrics] sample,
// and every goroutine from one runtime.Stack dump, parsed once. It leaves out
// the goroutine that calls it and leakfunnel's own sampler goroutines (any
// goroutine with a frame of a *Sampler method, or started by
// [StartSampler]).
//
// The dump stops the world for about a microsecond per goroutine. The dump
// buffer is reused between calls and sized from the live goroutine count and
// the size of earlier dumps, so a dump normally runs once; when it does not
// fit, the buffer grows and the dump runs again. Capture never fails: parse
// problems are reported in [Snapshot.Err]. It is safe to call from several
// goroutines at once.
func Capture() *Snapshot {
	b := getBuffer()
	s := capture(b, nil)
	putBuffer(b)
	return s
}

// CaptureSince is [Capture] for a check against base: it takes the same
// dump, reads the ID of every goroutine in it (a scan of the header lines
// only), and parses only the goroutines that base does not contain. The
// result is a partial snapshot: Goroutines holds the parsed goroutines and
// [Snapshot.IDs] every goroutine alive at the dump (less the caller and
// leakfunnel's sampler goroutines, as for Capture). Leaked(base,
// CaptureSince(base), filters) equals Leaked(base, Capture(), filters), at a
// fraction of the parsing and allocation when most goroutines predate base
// (8 bytes per goroutine for IDs, plus the parsed records); the dump itself
// costs the same. The snapshot is itself an exact baseline for a later
// check, since [Snapshot.Contains] looks in IDs.
//
// Leaked against another baseline than base is exact only when that
// baseline contains every goroutine of base still alive. A filter that looks
// at a goroutine's creator (see [Filter.IgnoresIn]) cannot find a creator
// that is in base; the one standard filter that does so matches goroutines
// that are in any baseline taken while a Ginkgo suite runs.
//
// The snapshot's Metrics still describe the whole process. A nil base
// gives the full [Capture]; so does a dump whose headers cannot be read,
// which Snapshot.Err then describes.
func CaptureSince(base *Snapshot) *Snapshot {
	b := getBuffer()
	s := captureSince(b, base)
	putBuffer(b)
	return s
}

// Recorder takes snapshots into a dump buffer that it keeps for its whole
// life, where [Capture] shares buffers through a sync.Pool that the garbage
// collector may empty between calls (so that a Capture after a GC allocates
// a new buffer, sized from the previous dump). A Recorder suits a caller
// that snapshots repeatedly, such as a check after every test: each
// snapshot then costs one dump and no buffer allocation. The buffer is as
// large as the largest dump so far (about 1 KiB per goroutine for typical
// stacks) and is freed with the Recorder.
//
// The zero Recorder is ready to use. Its methods may be called from several
// goroutines at once; they take turns on the buffer.
type Recorder struct {
	mu  sync.Mutex
	buf dumpBuffer
}

// Capture is [Capture] into r's buffer.
func (r *Recorder) Capture() *Snapshot {
	r.mu.Lock()
	defer r.mu.Unlock()
	return capture(&r.buf, nil)
}

// CaptureSince is [CaptureSince] into r's buffer.
func (r *Recorder) CaptureSince(base *Snapshot) *Snapshot {
	r.mu.Lock()
	defer r.mu.Unlock()
	return captureSince(&r.buf, base)
}

// dumpBuffer is a reusable stack dump buffer, with room for the IDs of a
// dump and those new to a baseline.
type dumpBuffer struct {
	b     []byte
	ids   []uint64
	fresh []uint64
}

var (
	bufferPool sync.Pool
	// bytesPerGoroutine is the average record size of the latest dump, used
	// to size a fresh buffer when the pool has none (it is emptied by GC).
	// It is a sizing hint, not configuration.
	bytesPerGoroutine atomic.Int64
)

func getBuffer() *dumpBuffer {
	if b, ok := bufferPool.Get().(*dumpBuffer); ok {
		return b
	}
	return new(dumpBuffer)
}

func putBuffer(b *dumpBuffer) { bufferPool.Put(b) }

const (
	// minDumpBuffer is the smallest buffer a dump starts with.
	minDumpBuffer = 16 << 10
	// defaultRecordSize estimates one goroutine record before any dump.
	defaultRecordSize = 1 << 10
)

// dump writes every goroutine into b, growing it until the dump fits, and
// returns the dump. The buffer is first sized for goroutines records of
// perRecord bytes, plus a margin; bytesPerGoroutine learns perRecord from
// each dump.
func (b *dumpBuffer) dump(goroutines uint64, perRecord int) []byte {
	// Leave a quarter for goroutines started since the count was read and
	// for records longer than average.
	if want := int(goroutines)*perRecord*5/4 + minDumpBuffer; cap(b.b) < want {
		b.b = make([]byte, want)
	}
	for {
		buf := b.b[:cap(b.b)]
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			if goroutines > 0 {
				bytesPerGoroutine.Store(int64(n) / int64(goroutines))
			}
			return buf[:n]
		}
		// Full: the dump may be cut. Double the buffer and run it again.
		b.b = make([]byte, 2*len(buf))
	}
}

// recordSize is the expected size of one goroutine's record in a dump.
func recordSize() int {
	if per := bytesPerGoroutine.Load(); per > 0 {
		return int(per)
	}
	return defaultRecordSize
}

// capture dumps into b and parses the records keep accepts (all when keep
// is nil).
func capture(b *dumpBuffer, keep func(uint64) bool) *Snapshot {
	s := &Snapshot{Time: time.Now(), Metrics: ReadMetrics()}
	s.parse(b.dump(s.Metrics.Goroutines, recordSize()), keep)
	return s
}

// captureSince dumps into b and parses the goroutines base does not
// contain (see [CaptureSince]).
func captureSince(b *dumpBuffer, base *Snapshot) *Snapshot {
	if base == nil {
		return capture(b, nil)
	}
	s := &Snapshot{Time: time.Now(), Metrics: ReadMetrics()}
	dump := b.dump(s.Metrics.Goroutines, recordSize())
	ids, err := stack.IDs(dump, b.ids[:0])
	b.ids = ids[:0]
	if err != nil {
		// The headers cannot be read: parse it all, which says why.
		s.parse(dump, nil)
		return s
	}
	self, _ := firstID(dump)
	ids = slices.DeleteFunc(ids, func(id uint64) bool { return id == self })
	slices.Sort(ids)
	fresh := notIn(ids, base, b.fresh[:0])
	b.fresh = fresh[:0]
	s.parse(dump, func(id uint64) bool {
		_, ok := slices.BinarySearch(fresh, id)
		return ok
	})
	// Leave the sampler's goroutines out of IDs as parse left them out of
	// Goroutines; they can only be among the fresh ones parse saw.
	if len(s.Goroutines) < len(fresh) && s.Err == "" {
		ids = slices.DeleteFunc(ids, func(id uint64) bool {
			if _, ok := slices.BinarySearch(fresh, id); !ok {
				return false
			}
			_, parsed := s.index(id)
			return !parsed
		})
	}
	s.IDs = slices.Clone(ids)
	return s
}

// notIn appends to dst the IDs of sorted ids that base does not contain, in
// order, merging against base's sorted IDs and Goroutines.
func notIn(ids []uint64, base *Snapshot, dst []uint64) []uint64 {
	known, gs := base.IDs, base.Goroutines
	for _, id := range ids {
		for len(known) > 0 && known[0] < id {
			known = known[1:]
		}
		for len(gs) > 0 && gs[0].ID < id {
			gs = gs[1:]
		}
		if len(known) > 0 && known[0] == id || len(gs) > 0 && gs[0].ID == id {
			continue
		}
		dst = append(dst, id)
	}
	return dst
}

// parse fills s.Goroutines (and s.Err) from a runtime.Stack dump, leaving
// out its first record (the goroutine that took the dump), the sampler's
// goroutines and the records keep rejects (none when keep is nil).
func (s *Snapshot) parse(dump []byte, keep func(uint64) bool) {
	self, _ := firstID(dump)
	accept := func(id uint64) bool { return id != self && (keep == nil || keep(id)) }
	var recs []stack.Goroutine
	var err error
	if keep == nil {
		// Parse sizes its arrays for the whole dump at once; the caller's
		// record is dropped in convert.
		recs, err = stack.Parse(dump)
	} else {
		recs, err = stack.ParseIf(dump, accept)
	}
	if err != nil {
		// Keep every goroutine by ID, so that a diff still sees new
		// goroutines, and say why the rest is missing.
		s.Err = "parse goroutine dump: " + err.Error()
		ids, idErr := stack.IDs(dump, nil)
		if idErr != nil {
			s.Err += "; read goroutine IDs: " + idErr.Error()
		}
		s.Goroutines = make([]Goroutine, 0, len(ids))
		for _, id := range ids {
			if accept(id) {
				s.Goroutines = append(s.Goroutines, Goroutine{ID: id})
			}
		}
		slices.SortFunc(s.Goroutines, func(a, b Goroutine) int { return cmp.Compare(a.ID, b.ID) })
		return
	}
	s.Goroutines = convert(recs, self)
}

// firstID reads the ID of the first record of a dump, which runtime.Stack
// always writes for the calling goroutine.
func firstID(dump []byte) (uint64, bool) {
	line, _, _ := bytes.Cut(dump, []byte("\n"))
	rest, ok := bytes.CutPrefix(line, []byte("goroutine "))
	if !ok {
		return 0, false
	}
	var id uint64
	n := 0
	for ; n < len(rest) && '0' <= rest[n] && rest[n] <= '9'; n++ {
		id = id*10 + uint64(rest[n]-'0')
	}
	return id, n > 0
}

// convert turns parser records into Goroutines sorted by ID, dropping the
// sampler's and goroutine self. The records are ordered through a small (ID, index) list, so
// that sorting never moves whole records. Frames are shared with the
// parser's single backing array, not copied: the two Frame types have the
// same fields, so the conversion of element pointers is checked by the
// compiler.
func convert(recs []stack.Goroutine, self uint64) []Goroutine {
	type entry struct {
		id uint64
		i  int
	}
	order := make([]entry, 0, len(recs))
	for i := range recs {
		if recs[i].ID != self && !isSampler(&recs[i]) {
			order = append(order, entry{recs[i].ID, i})
		}
	}
	slices.SortFunc(order, func(a, b entry) int { return cmp.Compare(a.id, b.id) })
	out := make([]Goroutine, len(order))
	for k, e := range order {
		r := &recs[e.i]
		out[k] = Goroutine{
			ID:             r.ID,
			State:          r.State,
			Wait:           r.Wait,
			LockedToThread: r.LockedToThread,
			Scan:           r.Scan,
			Leaked:         r.Leaked,
			Durable:        r.Durable,
			Labels:         r.Labels,
			Frames:         frames(r.Frames),
			Elided:         r.Elided,
			CreatedBy:      Frame(r.CreatedBy),
			CreatorID:      r.CreatorID,
			Ancestors:      ancestors(r.Ancestors),
		}
	}
	return out
}

func frames(fs []stack.Frame) []Frame {
	if len(fs) == 0 {
		return nil
	}
	return unsafe.Slice((*Frame)(&fs[0]), len(fs))
}

func ancestors(as []stack.Ancestor) []Ancestor {
	if len(as) == 0 {
		return nil
	}
	out := make([]Ancestor, len(as))
	for i, a := range as {
		out[i] = Ancestor{ID: a.ID, Frames: frames(a.Frames), Elided: a.Elided}
	}
	return out
}

func isSampler(g *stack.Goroutine) bool {
	if g.CreatedBy.Func == samplerCreator {
		return true
	}
	for _, f := range g.Frames {
		if strings.HasPrefix(f.Func, samplerPrefix) {
			return true
		}
	}
	return false
}
