package stack

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Frame is one call in a stack: the function as the runtime prints it, with
// method receivers and generic brackets ("pkg.(*Pool[...]).loop") intact and
// the argument list dropped, and the file and line being executed, with the
// PC offset (" +0x1f") dropped.
//
// The zero Frame means "unknown"; it is what [Goroutine.CreatedBy] holds when
// the dump has no "created by" line (the main goroutine, runtime goroutines).
// A frame of C code without symbol information has Func "non-Go function"
// and no file.
type Frame struct {
	Func string `json:"func"`
	File string `json:"file,omitempty"`
	Line int    `json:"line,omitempty"`
}

// Ancestor is one "[originating from goroutine N]:" block written when
// GODEBUG=tracebackancestors=N is set: the stack goroutine ID had when it ran
// the go statement that led to the record it belongs to.
//
// The zero Ancestor is not produced by [Parse].
type Ancestor struct {
	// ID is the ancestor goroutine's ID. It may have exited long ago.
	ID uint64 `json:"id"`
	// Frames is the ancestor's stack at the time, innermost call first.
	Frames []Frame `json:"frames,omitempty"`
	// Elided is set when the runtime printed "...additional frames elided...".
	Elided bool `json:"elided,omitempty"`
	// CreatedBy is the go statement that started the ancestor itself. The
	// runtime does not print the creator's ID here: it is the ID of the next
	// ancestor in the chain.
	CreatedBy Frame `json:"createdBy"`
}

// Goroutine is one record of a stack dump.
//
// The zero Goroutine is not produced by [Parse]; every parsed record has an
// ID (the runtime starts counting at 1). Records are plain data and may be
// copied freely, with one exception: records of one Parse call share the
// backing arrays of their Frames and Ancestors (each slice is capped, so
// appending to one never changes another) and may share one Labels map
// between records with identical labels. Treat Labels as read-only, or
// clone it with maps.Clone before changing it.
type Goroutine struct {
	ID uint64 `json:"id"`
	// State is the wait reason or status exactly as the runtime prints it
	// ("chan receive", "select (no cases)", "IO wait", "running"), without
	// the qualifiers below, which have fields of their own. The durable
	// forms of testing/synctest ("chan receive (durable)") are reported as
	// the plain reason plus Durable.
	State string `json:"state"`
	// Wait is how long the goroutine has been blocked, as printed by the
	// runtime in whole minutes (", 5 minutes"); zero when not printed,
	// which the runtime does for waits under one minute.
	Wait time.Duration `json:"wait,omitempty"`
	// LockedToThread is set for ", locked to thread" (runtime.LockOSThread).
	LockedToThread bool `json:"lockedToThread,omitempty"`
	// Scan is set for " (scan)": the garbage collector was scanning the stack.
	Scan bool `json:"scan,omitempty"`
	// Leaked is set for " (leaked)", written by the goroutineleak profile.
	Leaked bool `json:"leaked,omitempty"`
	// Durable is set for " (durable)" or a "(durable)" wait reason: the
	// goroutine is durably blocked inside a testing/synctest bubble.
	Durable bool `json:"durable,omitempty"`
	// Bubble is the testing/synctest bubble ID from ", synctest bubble N";
	// zero outside a bubble.
	Bubble uint64 `json:"bubble,omitempty"`
	// Labels are the goroutine's pprof labels, printed only when GODEBUG
	// contains tracebacklabels=1 (the default for modules declaring go 1.27
	// or later); nil when none were printed.
	Labels map[string]string `json:"labels,omitempty"`
	// Frames is the stack, innermost call first.
	Frames []Frame `json:"frames,omitempty"`
	// Elided is set when the runtime left frames out, either in the middle
	// ("...N frames elided...") or at the end ("...additional frames
	// elided..."). The frames that were printed are all in Frames.
	Elided bool `json:"elided,omitempty"`
	// CreatedBy is the go statement that started the goroutine: the
	// creating function and the file and line of the statement.
	CreatedBy Frame `json:"createdBy"`
	// CreatorID is the ID of the goroutine that ran the go statement, from
	// "created by F in goroutine N"; zero in the older form without it.
	CreatorID uint64 `json:"creatorId,omitempty"`
	// Ancestors is the chain written by GODEBUG=tracebackancestors=N,
	// nearest creator first.
	Ancestors []Ancestor `json:"ancestors,omitempty"`
	// Truncated is set when the dump ended inside this record, so that
	// frames, the creator or ancestors may be missing. Only the last record
	// can be truncated. Its frames are whole (a frame whose file line was
	// cut off is dropped), but CreatedBy may lack its file and line.
	Truncated bool `json:"truncated,omitempty"`
}

// ErrTruncated is wrapped by the error [Parse] and [ParseIf] return when the
// dump ends inside a record, as happens when runtime.Stack fills its buffer.
// Check for it with errors.Is.
var ErrTruncated = errors.New("truncated dump")

// errEmpty is returned for a dump without any non-blank line.
var errEmpty = errors.New("empty dump")

// Parse parses a whole dump written by runtime.Stack(buf, true), by
// runtime/pprof's goroutine or goroutineleak profile with debug=2, or by a
// crashing program, into one record per goroutine, in dump order.
//
// Blank lines may separate records and may surround the dump; lines may end
// in "\r\n". An empty or blank dump is an error ("empty dump").
//
// A dump that ends inside a record (a last line without its newline, a
// function line without its file line, a header without any frame) is
// returned with all complete records plus that partial record, marked
// Truncated, and an error wrapping [ErrTruncated]. A cut that falls exactly
// after a complete frame cannot be told from the end of a stack; callers of
// runtime.Stack should grow the buffer until the dump fits.
//
// Any line Parse does not recognise makes it return no records and an error
// naming the line number and text. Parse never panics and is safe to call
// from several goroutines at once.
func Parse(dump []byte) ([]Goroutine, error) {
	return parse(dump, nil)
}

// ParseIf is like [Parse], but returns only the records whose ID keep
// accepts; keep is called once per record, in dump order. The records it
// rejects are skipped without being parsed: only their header's ID is read,
// so a malformed line inside a skipped record is not reported. A nil keep
// accepts every record. ParseIf calls keep from the calling goroutine only
// and, like Parse, may be called from several goroutines at once.
func ParseIf(dump []byte, keep func(id uint64) bool) ([]Goroutine, error) {
	return parse(dump, keep)
}

// IDs appends the IDs of the goroutines in dump to dst, in dump order, and
// returns the extended slice. It reads only the header lines ("goroutine N
// [...]:"), so it is much cheaper than [Parse], and it allocates nothing
// beyond growing dst.
//
// IDs reports an empty dump, text before the first header and an unreadable
// ID as errors; it does not check the rest of the records. For a dump that
// [Parse] accepts, IDs returns the IDs of Parse's records, and for a dump
// that Parse reports as truncated, it returns the IDs of Parse's records
// too, without reporting the truncation, which it does not look for.
// IDs is safe to call from several goroutines at once.
func IDs(dump []byte, dst []uint64) ([]uint64, error) {
	pos, err := firstHeader(dump)
	if err != nil {
		return dst, err
	}
	last := pos
	for pos >= 0 {
		id, ok := headerID(dump[pos:])
		if !ok {
			if bytes.IndexByte(dump[pos:], '\n') < 0 {
				return dst, fmt.Errorf("line %d: %w", lineNumber(dump, pos), ErrTruncated)
			}
			return dst, fmt.Errorf("line %d: %w", lineNumber(dump, pos), badHeader(dump[pos:]))
		}
		dst = append(dst, id)
		last, pos = pos, nextHeader(dump, pos)
	}
	// A dump cut inside a header before its '[' ends in a header that
	// nextHeader does not see.
	if start := bytes.LastIndexByte(dump, '\n') + 1; start > last && bytes.HasPrefix(dump[start:], headerPrefix) {
		if id, ok := headerID(dump[start:]); ok {
			dst = append(dst, id)
		}
	}
	return dst, nil
}

var (
	headerPrefix   = []byte("goroutine ")
	nlHeaderPrefix = []byte("\ngoroutine ")
)

// firstHeader returns the offset of the first header line, or an error if the
// dump is blank or has non-blank text before it.
func firstHeader(dump []byte) (int, error) {
	pos := 0
	if !bytes.HasPrefix(dump, headerPrefix) {
		i := bytes.Index(dump, nlHeaderPrefix)
		end := i
		if i < 0 {
			end = len(dump)
		}
		for j, c := range dump[:end] {
			if c != '\n' && c != '\r' {
				line := lineNumber(dump, j)
				if text := dump[j:]; i < 0 && bytes.IndexByte(text, '\n') < 0 && bytes.HasPrefix(headerPrefix, text) {
					// The dump was cut inside its first header.
					return 0, fmt.Errorf("line %d: %w", line, ErrTruncated)
				}
				return 0, fmt.Errorf("line %d: expected a goroutine header, got %q", line, clip(lineAt(dump, j)))
			}
		}
		if i < 0 {
			return 0, errEmpty
		}
		pos = i + 1
	}
	return pos, nil
}

// nextHeader returns the offset of the header line after the one at pos,
// or -1. A header is a line that starts with "goroutine " and holds a '['.
// Rather than look at every line, it looks at every '[', a byte that is rare
// outside headers (generic functions, ancestor blocks), and checks the start
// of its line.
func nextHeader(dump []byte, pos int) int {
	from := pos + bytes.IndexByte(dump[pos:], '\n') + 1
	if from == pos {
		return -1
	}
	for from < len(dump) {
		i := bytes.IndexByte(dump[from:], '[')
		if i < 0 {
			return -1
		}
		at := from + i
		start := from + bytes.LastIndexByte(dump[from:at], '\n') + 1
		if bytes.HasPrefix(dump[start:], headerPrefix) {
			return start
		}
		j := bytes.IndexByte(dump[at:], '\n')
		if j < 0 {
			return -1
		}
		from = at + j + 1
	}
	return -1
}

// headerID reads the ID of the header line at the start of b, which begins
// with "goroutine ". The ID must be followed by a space.
func headerID(b []byte) (uint64, bool) {
	b = b[len(headerPrefix):]
	id, n := parseUint(b)
	if n == 0 || n >= len(b) || b[n] != ' ' {
		return 0, false
	}
	return id, true
}

// parseUint reads a decimal number at the start of b and returns it and the
// number of digits read; n is 0 when there is no number or it overflows.
func parseUint(b []byte) (v uint64, n int) {
	for n < len(b) && '0' <= b[n] && b[n] <= '9' {
		d := uint64(b[n] - '0')
		if v > (1<<64-1-d)/10 {
			return 0, 0
		}
		v = v*10 + d
		n++
	}
	return v, n
}

func badHeader(b []byte) error {
	return fmt.Errorf("bad goroutine header %q", clip(firstLine(b)))
}

// lineNumber returns the 1-based number of the line holding offset pos.
func lineNumber(dump []byte, pos int) int {
	return bytes.Count(dump[:pos], []byte{'\n'}) + 1
}

// lineAt returns the line holding offset pos, without its newline.
func lineAt(dump []byte, pos int) []byte {
	start := bytes.LastIndexByte(dump[:pos], '\n') + 1
	return firstLine(dump[start:])
}

func firstLine(b []byte) []byte {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	return bytes.TrimSuffix(b, []byte{'\r'})
}

// clip shortens a line for an error message.
func clip(b []byte) string {
	const max = 120
	if len(b) > max {
		return string(b[:max]) + "..."
	}
	return string(b)
}

// span is a range of a shared backing array.
type span struct{ lo, hi int }

// parser holds the state of one Parse call.
type parser struct {
	dump   []byte
	strs   map[string]string
	cache  [512]string
	labels map[string]map[string]string

	out     []Goroutine
	frames  []Frame
	gFrames []span // per record of out: its frames
	gAncs   []span // per record of out: its ancestors
	ancs    []Ancestor
	aFrames []span // per ancestor: its frames
}

// phase of the record being parsed: what may come next.
type phase int

const (
	inFrames        phase = iota // frames of the goroutine
	inFile                       // a function line was read; its file line must follow
	inCreatedBy                  // "created by" was read; its file line must follow
	afterCreated                 // only ancestor blocks may follow
	inAncestor                   // frames of an ancestor block
	inAncFile                    // an ancestor's function line was read
	inAncCreated                 // an ancestor's "created by" was read
	afterAncCreated              // only further ancestor blocks may follow
)

// needsFile reports whether the next line must be a file line.
func (ph phase) needsFile() bool {
	return ph == inFile || ph == inCreatedBy || ph == inAncFile || ph == inAncCreated
}

func parse(dump []byte, keep func(uint64) bool) ([]Goroutine, error) {
	pos, err := firstHeader(dump)
	if err != nil {
		return nil, err
	}
	// Size the arrays for the whole dump, unless most records may be
	// skipped.
	n, nFrames := 16, 64
	if keep == nil {
		n = 0
		for h := pos; h >= 0; h = nextHeader(dump, h) {
			n++
		}
		// Every frame has a file line, the only lines that start with a
		// tab; labels print tabs escaped.
		nFrames = bytes.Count(dump, []byte{'\t'})
	}
	p := &parser{
		dump:    dump,
		strs:    make(map[string]string),
		out:     make([]Goroutine, 0, n),
		gFrames: make([]span, 0, n),
		gAncs:   make([]span, 0, n),
		frames:  make([]Frame, 0, nFrames),
	}
	var (
		g     *Goroutine // the record being parsed, or nil between records
		anc   *Ancestor  // its ancestor block being parsed, or nil
		ph    phase
		block int // lines read in the current block (stack or ancestor)
	)
	finish := func() {
		if g == nil {
			return
		}
		i := len(p.out) - 1
		if anc == nil {
			p.gFrames[i].hi = len(p.frames)
		} else {
			p.aFrames[len(p.aFrames)-1].hi = len(p.frames)
		}
		p.gAncs[i].hi = len(p.ancs)
		g, anc = nil, nil
	}
	truncated := func(at int) ([]Goroutine, error) {
		if g != nil {
			if ph == inFile || ph == inAncFile {
				// Drop the frame whose file line is missing.
				p.frames = p.frames[:len(p.frames)-1]
			}
			g.Truncated = true
			finish()
		}
		return p.result(), fmt.Errorf("line %d: %w", lineNumber(dump, at), ErrTruncated)
	}
	for pos < len(dump) {
		end := bytes.IndexByte(dump[pos:], '\n')
		if end < 0 {
			// The last line has no newline: the dump was cut inside it, so
			// it is not parsed, except for the ID of a new record.
			last := dump[pos:]
			if isBlank(last) {
				break
			}
			if bytes.HasPrefix(last, headerPrefix) {
				if g != nil && ph.needsFile() {
					return nil, p.lineErr(pos, last, "expected a file line, got")
				}
				finish()
				if id, ok := headerID(last); ok && (keep == nil || keep(id)) {
					p.start(id)
					g = &p.out[len(p.out)-1]
				}
			} else if g == nil && !bytes.HasPrefix(headerPrefix, last) {
				return nil, p.lineErr(pos, last, "unexpected line")
			}
			return truncated(pos)
		}
		next := pos + end + 1
		line := dump[pos : pos+end]
		if len(line) > 0 && line[len(line)-1] == '\r' {
			line = line[:len(line)-1]
		}

		switch {
		case len(line) == 0:
			if g != nil && ph.needsFile() {
				return nil, p.lineErr(pos, line, "expected a file line, got")
			}
			finish()
		case line[0] == '\t' && g != nil:
			var f *Frame
			switch ph {
			case inFile:
				f, ph = &p.frames[len(p.frames)-1], inFrames
			case inAncFile:
				f, ph = &p.frames[len(p.frames)-1], inAncestor
			case inCreatedBy:
				f, ph = &g.CreatedBy, afterCreated
			case inAncCreated:
				f, ph = &anc.CreatedBy, afterAncCreated
			case inFrames:
				if block == 0 && string(line) == "\tgoroutine running on other thread; stack unavailable" {
					break
				}
				return nil, p.lineErr(pos, line, "unexpected line")
			default:
				return nil, p.lineErr(pos, line, "unexpected line")
			}
			if f != nil && !p.fileLine(f, line) {
				return nil, p.lineErr(pos, line, "bad file line")
			}
		case line[0] == 'g' && bytes.HasPrefix(line, headerPrefix):
			if g != nil && ph.needsFile() {
				return nil, p.lineErr(pos, line, "expected a file line, got")
			}
			finish()
			id, ok := headerID(line)
			if !ok {
				return nil, fmt.Errorf("line %d: %w", lineNumber(dump, pos), badHeader(line))
			}
			if keep != nil && !keep(id) {
				nh := nextHeader(dump, pos)
				if nh < 0 {
					if dump[len(dump)-1] != '\n' {
						return p.result(), fmt.Errorf("line %d: %w", lineNumber(dump, len(dump)-1), ErrTruncated)
					}
					return p.result(), nil
				}
				pos = nh
				continue
			}
			p.start(id)
			g = &p.out[len(p.out)-1]
			if err := p.header(g, line); err != nil {
				return nil, fmt.Errorf("line %d: %w", lineNumber(dump, pos), err)
			}
			ph, block = inFrames, 0
			pos = next
			continue
		case g == nil:
			return nil, p.lineErr(pos, line, "unexpected line")
		case ph.needsFile():
			return nil, p.lineErr(pos, line, "expected a file line, got")
		case line[0] == '[':
			id, ok := ancestorHeader(line)
			if !ok || ph == inFrames && block == 0 {
				return nil, p.lineErr(pos, line, "unexpected line")
			}
			i := len(p.out) - 1
			if anc == nil {
				p.gFrames[i].hi = len(p.frames)
				p.gAncs[i].lo = len(p.ancs)
			} else {
				p.aFrames[len(p.aFrames)-1].hi = len(p.frames)
			}
			p.ancs = append(p.ancs, Ancestor{ID: id})
			p.aFrames = append(p.aFrames, span{len(p.frames), len(p.frames)})
			anc = &p.ancs[len(p.ancs)-1]
			ph, block = inAncestor, 0
			pos = next
			continue
		case line[0] == 'c' && bytes.HasPrefix(line, []byte("created by ")):
			fn, creator, ok := p.createdBy(line)
			switch {
			case !ok:
				return nil, p.lineErr(pos, line, "bad created by line")
			case ph == inFrames:
				g.CreatedBy.Func, g.CreatorID = fn, creator
				ph = inCreatedBy
			case ph == inAncestor && creator == 0:
				anc.CreatedBy.Func = fn
				ph = inAncCreated
			default:
				return nil, p.lineErr(pos, line, "unexpected line")
			}
		case line[0] == '.' && bytes.HasPrefix(line, []byte("...")):
			if !isElision(line) || block == 0 || (ph != inFrames && ph != inAncestor) {
				return nil, p.lineErr(pos, line, "unexpected line")
			}
			if ph == inFrames {
				g.Elided = true
			} else {
				anc.Elided = true
			}
		default:
			if ph != inFrames && ph != inAncestor {
				return nil, p.lineErr(pos, line, "unexpected line")
			}
			if line[0] == 'n' && bytes.HasPrefix(line, []byte("non-Go function at pc=0x")) {
				// A C frame without symbol information.
				p.frames = append(p.frames, Frame{Func: "non-Go function"})
				break
			}
			fn, ok := funcName(line)
			if !ok {
				return nil, p.lineErr(pos, line, "unexpected line")
			}
			p.frames = append(p.frames, Frame{Func: p.intern(fn)})
			ph = fileOf(ph)
		}
		block++
		pos = next
	}
	if g != nil && (ph.needsFile() || block == 0) {
		return truncated(len(dump) - 1)
	}
	finish()
	return p.result(), nil
}

func fileOf(ph phase) phase {
	if ph == inAncestor {
		return inAncFile
	}
	return inFile
}

func isBlank(b []byte) bool {
	for _, c := range b {
		if c != '\r' && c != '\n' {
			return false
		}
	}
	return true
}

// start appends a new record.
func (p *parser) start(id uint64) {
	p.out = append(p.out, Goroutine{ID: id})
	p.gFrames = append(p.gFrames, span{len(p.frames), 0})
	p.gAncs = append(p.gAncs, span{})
}

// result attaches the shared frame and ancestor arrays to the records.
func (p *parser) result() []Goroutine {
	for i := range p.ancs {
		s := p.aFrames[i]
		if s.hi > s.lo {
			p.ancs[i].Frames = p.frames[s.lo:s.hi:s.hi]
		}
	}
	for i := range p.out {
		if s := p.gFrames[i]; s.hi > s.lo {
			p.out[i].Frames = p.frames[s.lo:s.hi:s.hi]
		}
		if s := p.gAncs[i]; s.hi > s.lo {
			p.out[i].Ancestors = p.ancs[s.lo:s.hi:s.hi]
		}
	}
	return p.out
}

// lineErr reports a bad line starting at offset pos.
func (p *parser) lineErr(pos int, line []byte, what string) error {
	return fmt.Errorf("line %d: %s %q", lineNumber(p.dump, pos), what, clip(line))
}

// intern returns b as a string, shared with earlier equal strings. A small
// direct-mapped cache, indexed by a hash of a few bytes, answers most
// lookups with one comparison; the map holds every string.
func (p *parser) intern(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	h := (uint(len(b))*0x9e37 ^ uint(b[len(b)/2])*0x85eb ^ uint(b[len(b)*3/4])*0xc2b2 ^ uint(b[len(b)*5/8])) % uint(len(p.cache))
	if s := p.cache[h]; s == string(b) {
		return s
	}
	s, ok := p.strs[string(b)]
	if !ok {
		s = string(b)
		p.strs[s] = s
	}
	p.cache[h] = s
	return s
}

// funcName returns the function of a frame line: the line without its
// argument list. Argument lists hold only hex numbers, "...", "?", "_",
// braces, commas and spaces, never parentheses.
func funcName(line []byte) ([]byte, bool) {
	if line[len(line)-1] != ')' {
		// Frames printed by a cgo symbolizer have no argument list.
		return line, !bytes.ContainsAny(line, " \t")
	}
	i := bytes.LastIndexByte(line, '(')
	if i <= 0 {
		return nil, false
	}
	for _, c := range line[i+1 : len(line)-1] {
		if !argByte[c] {
			return nil, false
		}
	}
	return line[:i], true
}

// argByte holds the bytes that argument lists are made of.
var argByte = [256]bool{
	'0': true, '1': true, '2': true, '3': true, '4': true, '5': true, '6': true, '7': true, '8': true, '9': true,
	'a': true, 'b': true, 'c': true, 'd': true, 'e': true, 'f': true, 'x': true,
	'.': true, '?': true, '_': true, '{': true, '}': true, ',': true, ' ': true,
}

// fileLine fills f.File and f.Line from a line "\tFILE:LINE" with an optional
// suffix " +0x1f", " fp=... sp=... pc=..." or " pc=0x...". FILE may contain
// spaces and colons; the suffixes contain no colon.
func (p *parser) fileLine(f *Frame, line []byte) bool {
	line = line[1:]
	if bytes.HasPrefix(line, []byte("pc=0x")) {
		return true // a cgo frame without file information
	}
	i := bytes.LastIndexByte(line, ':')
	if i <= 0 {
		return false
	}
	n, d := parseUint(line[i+1:])
	if d == 0 || n > 1<<31-1 {
		return false
	}
	if rest := line[i+1+d:]; len(rest) > 0 && rest[0] != ' ' {
		return false
	}
	f.File = p.intern(line[:i])
	f.Line = int(n)
	return true
}

// createdBy parses "created by F" or "created by F in goroutine N".
func (p *parser) createdBy(line []byte) (fn string, creator uint64, ok bool) {
	rest := line[len("created by "):]
	if i := bytes.LastIndexByte(rest, ' '); i >= 0 && bytes.HasSuffix(rest[:i], []byte(" in goroutine")) {
		num := rest[i+1:]
		id, n := parseUint(num)
		if n == 0 || n != len(num) {
			return "", 0, false
		}
		rest, creator = rest[:i-len(" in goroutine")], id
	}
	if len(rest) == 0 || bytes.ContainsAny(rest, " \t") {
		return "", 0, false
	}
	return p.intern(rest), creator, true
}

// ancestorHeader parses "[originating from goroutine N]:".
func ancestorHeader(line []byte) (uint64, bool) {
	const prefix = "[originating from goroutine "
	if !bytes.HasPrefix(line, []byte(prefix)) {
		return 0, false
	}
	rest := line[len(prefix):]
	id, n := parseUint(rest)
	if n == 0 || string(rest[n:]) != "]:" {
		return 0, false
	}
	return id, true
}

// isElision reports whether line is "...additional frames elided..." or
// "...N frames elided...".
func isElision(line []byte) bool {
	if string(line) == "...additional frames elided..." {
		return true
	}
	rest := line[3:]
	_, n := parseUint(rest)
	return n > 0 && string(rest[n:]) == " frames elided..."
}

// header parses the rest of a header line after the ID, in either format:
//
//	goroutine 7 [chan receive, 5 minutes, locked to thread labels:{"k": "v"}]:  (Go 1.26)
//	goroutine 7 [chan receive, 5 minutes, locked to thread] {k: v}:            (Go 1.27)
//
// With GOTRACEBACK=system or higher, " gp=0x... m=N mp=0x..." or
// " gp=0x... m=nil" comes between the ID and the bracket.
func (p *parser) header(g *Goroutine, line []byte) error {
	b := line[len(headerPrefix):]
	_, n := parseUint(b)
	b = b[n:]
	if bytes.HasPrefix(b, []byte(" gp=")) {
		i := bytes.Index(b, []byte(" ["))
		if i < 0 {
			return badHeader(line)
		}
		b = b[i:]
	}
	if !bytes.HasPrefix(b, []byte(" [")) {
		return badHeader(line)
	}
	b = b[2:]
	// The status runs to the first ',' or ']' or " labels:{"; no status
	// contains those.
	i := 0
	for i < len(b) && b[i] != ',' && b[i] != ']' && !(b[i] == ' ' && bytes.HasPrefix(b[i:], []byte(" labels:{"))) {
		i++
	}
	status := b[:i]
	b = b[i:]
	if suffix := []byte(" (durable)"); bytes.HasSuffix(status, suffix) {
		g.Durable, status = true, status[:len(status)-len(suffix)]
	}
	if suffix := []byte(" (scan)"); bytes.HasSuffix(status, suffix) {
		g.Scan, status = true, status[:len(status)-len(suffix)]
	}
	if suffix := []byte(" (leaked)"); bytes.HasSuffix(status, suffix) {
		g.Leaked, status = true, status[:len(status)-len(suffix)]
	}
	if suffix := []byte(" (durable)"); bytes.HasSuffix(status, suffix) {
		// The durable wait reasons of testing/synctest, such as
		// "chan receive (durable)", come before (leaked) and (scan).
		g.Durable, status = true, status[:len(status)-len(suffix)]
	}
	if len(status) == 0 {
		return badHeader(line)
	}
	g.State = p.intern(status)
	for bytes.HasPrefix(b, []byte(", ")) {
		b = b[2:]
		switch {
		case bytes.HasPrefix(b, []byte("locked to thread")):
			g.LockedToThread = true
			b = b[len("locked to thread"):]
		case bytes.HasPrefix(b, []byte("synctest bubble ")):
			b = b[len("synctest bubble "):]
			id, n := parseUint(b)
			if n == 0 {
				return badHeader(line)
			}
			g.Bubble, b = id, b[n:]
		default:
			m, n := parseUint(b)
			if n == 0 || !bytes.HasPrefix(b[n:], []byte(" minutes")) || m > uint64(1<<63-1)/uint64(time.Minute) {
				return badHeader(line)
			}
			g.Wait = time.Duration(m) * time.Minute
			b = b[n+len(" minutes"):]
		}
	}
	var err error
	switch {
	case bytes.HasPrefix(b, []byte(" labels:{")):
		if b, err = p.parseLabels(g, b[len(" labels:{"):]); err != nil {
			return fmt.Errorf("%w: %w", badHeader(line), err)
		}
		if string(b) != "]:" {
			return badHeader(line)
		}
	case bytes.HasPrefix(b, []byte("] {")):
		if b, err = p.parseLabels(g, b[len("] {"):]); err != nil {
			return fmt.Errorf("%w: %w", badHeader(line), err)
		}
		if string(b) != ":" {
			return badHeader(line)
		}
	case string(b) != "]:":
		return badHeader(line)
	}
	return nil
}

// parseLabels parses the labels after the opening brace up to and including
// the closing brace and returns the rest of the line. The map is shared
// between records with the same label text.
func (p *parser) parseLabels(g *Goroutine, b []byte) ([]byte, error) {
	end := labelsEnd(b)
	if end < 0 {
		return nil, errors.New("unterminated labels")
	}
	text := b[:end]
	rest := b[end+1:]
	if m, ok := p.labels[string(text)]; ok {
		g.Labels = m
		return rest, nil
	}
	m := make(map[string]string)
	for len(text) > 0 {
		var k, v string
		var err error
		if k, text, err = p.labelString(text); err != nil {
			return nil, err
		}
		if !bytes.HasPrefix(text, []byte(": ")) {
			return nil, errors.New("missing ': ' in labels")
		}
		if v, text, err = p.labelString(text[2:]); err != nil {
			return nil, err
		}
		m[k] = v
		if len(text) > 0 {
			if !bytes.HasPrefix(text, []byte(", ")) {
				return nil, errors.New("missing ', ' in labels")
			}
			text = text[2:]
			if len(text) == 0 {
				return nil, errors.New("trailing ', ' in labels")
			}
		}
	}
	if len(m) == 0 {
		m = nil
	}
	if p.labels == nil {
		p.labels = make(map[string]map[string]string)
	}
	p.labels[string(b[:end])] = m
	g.Labels = m
	return rest, nil
}

// labelsEnd returns the index of the '}' closing a label list, skipping
// quoted strings, or -1.
func labelsEnd(b []byte) int {
	quoted := false
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case quoted && c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case !quoted && c == '}':
			return i
		}
	}
	return -1
}

// labelString reads one key or value: a quoted string with Go escapes (Go
// 1.26 always quotes; Go 1.27 quotes when needed) or a bare run of
// [A-Za-z0-9./_], possibly empty.
func (p *parser) labelString(b []byte) (string, []byte, error) {
	if len(b) > 0 && b[0] == '"' {
		esc := false
		for i := 1; i < len(b); i++ {
			switch b[i] {
			case '\\':
				esc = true
				i++
			case '"':
				q := b[:i+1]
				if !esc {
					return p.intern(q[1 : len(q)-1]), b[i+1:], nil
				}
				s, err := strconv.Unquote(string(q))
				if err != nil {
					return "", nil, fmt.Errorf("bad quoted label %s", q)
				}
				return s, b[i+1:], nil
			}
		}
		return "", nil, errors.New("unterminated quoted label")
	}
	i := 0
	for i < len(b) {
		c := b[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '/' || c == '_' {
			i++
			continue
		}
		break
	}
	return p.intern(b[:i]), b[i:], nil
}
