package stack

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden is what a golden file holds for one fixture.
type golden struct {
	Error      string      `json:"error,omitempty"`
	Goroutines []Goroutine `json:"goroutines"`
}

// fixtures returns the names of the dumps in testdata, without ".txt".
func fixtures(t testing.TB) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "*.txt"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no fixtures in testdata: %v", err)
	}
	names := make([]string, len(paths))
	for i, p := range paths {
		names[i] = strings.TrimSuffix(filepath.Base(p), ".txt")
	}
	return names
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name+".txt"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestFixtures parses every real dump in testdata and compares the records
// with the golden JSON next to it. Run with -update to rewrite the goldens.
func TestFixtures(t *testing.T) {
	for _, name := range fixtures(t) {
		t.Run(name, func(t *testing.T) {
			dump := readFixture(t, name)
			gs, err := Parse(dump)
			got := golden{Goroutines: gs}
			if err != nil {
				got.Error = err.Error()
			}
			if strings.Contains(name, "truncated") != errors.Is(err, ErrTruncated) {
				t.Errorf("Parse error = %v, want ErrTruncated only for truncated fixtures", err)
			}
			if err != nil && !errors.Is(err, ErrTruncated) {
				t.Fatalf("Parse: %v", err)
			}
			checkInvariants(t, dump, gs, err)

			path := filepath.Join("testdata", name+".json")
			if *update {
				b, err := json.MarshalIndent(got, "", "\t")
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			var want golden
			if err := json.Unmarshal(b, &want); err != nil {
				t.Fatal(err)
			}
			// Compare through JSON so that nil and empty slices are alike.
			var gotRT golden
			b, err = json.Marshal(got)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, &gotRT); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, gotRT); diff != "" {
				t.Errorf("Parse(%s) mismatch (-want +got):\n%s", name, diff)
			}
		})
	}
}

// checkInvariants checks what must hold for any result of Parse.
func checkInvariants(t testing.TB, dump []byte, gs []Goroutine, err error) {
	t.Helper()
	all, errIf := ParseIf(dump, func(uint64) bool { return true })
	if !sameError(err, errIf) {
		t.Errorf("ParseIf(keep all) error = %v, Parse error = %v", errIf, err)
	}
	if !reflect.DeepEqual(gs, all) {
		t.Errorf("ParseIf(keep all) differs from Parse (-parse +parseif):\n%s", cmp.Diff(gs, all))
	}
	if err != nil && !errors.Is(err, ErrTruncated) && gs != nil {
		t.Errorf("Parse returned %d records with a syntax error %v", len(gs), err)
	}
	for i, g := range gs {
		if g.Truncated && (i != len(gs)-1 || !errors.Is(err, ErrTruncated)) {
			t.Errorf("record %d of %d (goroutine %d) is truncated, error %v", i, len(gs), g.ID, err)
		}
	}
	if err == nil || errors.Is(err, ErrTruncated) {
		ids, errIDs := IDs(dump, nil)
		if err == nil && errIDs != nil {
			t.Errorf("IDs: %v, but Parse succeeded", errIDs)
		}
		want := make([]uint64, len(gs))
		for i, g := range gs {
			want[i] = g.ID
		}
		if !slices.Equal(want, ids) {
			t.Errorf("IDs differ from Parse (-want +got):\n%s", cmp.Diff(want, ids))
		}
	}
}

func sameError(a, b error) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Error() == b.Error()
}

// find returns the first record whose frames include a function starting
// with prefix.
func find(gs []Goroutine, prefix string) *Goroutine {
	for i := range gs {
		for _, f := range gs[i].Frames {
			if strings.HasPrefix(f.Func, prefix) {
				return &gs[i]
			}
		}
	}
	return nil
}

func mustParse(t *testing.T, name string) []Goroutine {
	t.Helper()
	gs, err := Parse(readFixture(t, name))
	if err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	return gs
}

// TestFixtureStates checks the meaning of the parsed fixtures, beyond the
// golden files: every state the generator parks a goroutine in is found.
func TestFixtureStates(t *testing.T) {
	states := []string{
		"chan receive", "chan send", "chan receive (nil chan)", "chan send (nil chan)",
		"select", "select (no cases)", "sync.Mutex.Lock", "sync.RWMutex.Lock",
		"sync.RWMutex.RLock", "sync.WaitGroup.Wait", "sync.Cond.Wait", "sleep",
		"IO wait", "syscall", "running",
	}
	funcs := []string{
		"main.waitFor[...]", "main.(*Pool[...]).loop", "main.(*server).serve",
		"main.recurse", "main.spawnChain", "net.(*TCPListener).Accept",
	}
	for _, name := range []string{"go126", "go126_labels", "go126_ancestors", "go126_leakprofile", "go127", "go127_labels", "go127_leakprofile"} {
		t.Run(name, func(t *testing.T) {
			gs := mustParse(t, name)
			seen := map[string]bool{}
			fn := map[string]bool{}
			for _, g := range gs {
				seen[g.State] = true
				for _, f := range g.Frames {
					fn[f.Func] = true
					if f.File == "" || f.Line <= 0 {
						t.Errorf("goroutine %d: frame %+v has no file or line", g.ID, f)
					}
					if strings.Contains(f.Func, "(0x") || strings.HasSuffix(f.Func, ")") {
						t.Errorf("goroutine %d: arguments left in %q", g.ID, f.Func)
					}
				}
				if g.ID != 1 && g.CreatedBy.Func == "" {
					t.Errorf("goroutine %d has no creator", g.ID)
				}
			}
			for _, s := range states {
				if !seen[s] {
					t.Errorf("no goroutine in state %q", s)
				}
			}
			for _, f := range funcs {
				if !fn[f] {
					t.Errorf("no frame of %q", f)
				}
			}
			if g := find(gs, "main.main.func"); g == nil || g.CreatorID != 1 || g.CreatedBy.Func != "main.main" || !strings.HasSuffix(g.CreatedBy.File, "main.go") {
				t.Errorf("goroutine started by main: got %+v", g)
			}
			locked := 0
			for _, g := range gs {
				if g.LockedToThread {
					locked++
					if g.State != "chan receive" {
						t.Errorf("locked goroutine %d has state %q", g.ID, g.State)
					}
				}
			}
			if locked != 1 {
				t.Errorf("%d goroutines locked to thread, want 1", locked)
			}
			if g := find(gs, "main.recurse"); g == nil || !g.Elided || len(g.Frames) != 100 {
				t.Errorf("deep recursion: want Elided with 100 frames, got %+v", g)
			}
		})
	}
}

// wantLabels are the labels the generator sets with pprof.Do.
var wantLabels = map[string]string{
	"spec":      `it "works" well`,
	"worker id": "7",
	"path":      "a/b_c.d",
	"tab":       "a\tb",
	"unicode":   "grüße",
}

func TestFixtureLabels(t *testing.T) {
	for _, name := range []string{"go126_labels", "go127_labels", "go126_leakprofile", "go127_leakprofile"} {
		t.Run(name, func(t *testing.T) {
			gs := mustParse(t, name)
			n := 0
			for _, g := range gs {
				if g.Labels == nil {
					continue
				}
				n++
				if diff := cmp.Diff(wantLabels, g.Labels); diff != "" {
					t.Errorf("goroutine %d labels (-want +got):\n%s", g.ID, diff)
				}
				if g.State != "chan receive" {
					t.Errorf("labelled goroutine %d has state %q", g.ID, g.State)
				}
			}
			if n != 1 {
				t.Errorf("%d labelled goroutines, want 1", n)
			}
		})
	}
	for _, g := range mustParse(t, "go126") {
		if g.Labels != nil {
			t.Errorf("goroutine %d has labels %v without tracebacklabels=1", g.ID, g.Labels)
		}
	}
}

func TestFixtureAncestors(t *testing.T) {
	gs := mustParse(t, "go126_ancestors")
	var leaf *Goroutine
	for i := range gs {
		if len(gs[i].Frames) > 0 && gs[i].Frames[0].Func == "main.spawnChain" {
			leaf = &gs[i]
		}
	}
	if leaf == nil {
		t.Fatal("no goroutine in main.spawnChain")
	}
	// main starts spawnChain(3), which starts 2, 1 and then 0, the leaf.
	if len(leaf.Ancestors) != 4 {
		t.Fatalf("leaf has %d ancestors, want 4: %+v", len(leaf.Ancestors), leaf.Ancestors)
	}
	if leaf.CreatorID != leaf.Ancestors[0].ID {
		t.Errorf("creator %d is not the first ancestor %d", leaf.CreatorID, leaf.Ancestors[0].ID)
	}
	for i, a := range leaf.Ancestors[:3] {
		if len(a.Frames) == 0 || a.Frames[0].Func != "main.spawnChain" {
			t.Errorf("ancestor %d: frames %+v, want main.spawnChain first", i, a.Frames)
		}
	}
	last := leaf.Ancestors[3]
	if last.ID != 1 || len(last.Frames) == 0 || last.Frames[0].Func != "main.main" || last.CreatedBy != (Frame{}) {
		t.Errorf("last ancestor = %+v, want main goroutine 1 without creator", last)
	}
	if got := leaf.Ancestors[2].CreatedBy.Func; got != "main.main" {
		t.Errorf("third ancestor created by %q, want main.main", got)
	}
	elided := 0
	for _, g := range gs {
		for _, a := range g.Ancestors {
			if a.Elided {
				elided++
				if len(a.Frames) < 40 || a.Frames[0].Func != "main.spawnDeep" {
					t.Errorf("elided ancestor block has %d frames starting with %+v, want main.spawnDeep and at least 40", len(a.Frames), a.Frames[0])
				}
			}
		}
	}
	if elided != 1 {
		t.Errorf("%d elided ancestor blocks, want 1 (the goroutine started by spawnDeep)", elided)
	}
}

func TestFixtureLeaked(t *testing.T) {
	for _, name := range []string{"go126_leakprofile", "go127_leakprofile"} {
		t.Run(name, func(t *testing.T) {
			leaked := map[string]bool{}
			for _, g := range mustParse(t, name) {
				if g.Leaked {
					leaked[g.State] = true
				}
			}
			// The generator's goroutines blocked on channels that nothing
			// else can reach, and on nil channels.
			for _, s := range []string{"chan receive", "chan send", "chan receive (nil chan)", "chan send (nil chan)", "select (no cases)"} {
				if !leaked[s] {
					t.Errorf("no leaked goroutine in state %q; leaked: %v", s, leaked)
				}
			}
		})
	}
}

func TestFixtureSynctest(t *testing.T) {
	gs := mustParse(t, "go126_synctest")
	durable := map[string]bool{}
	for _, g := range gs {
		if g.Durable {
			durable[g.State] = true
		}
		if strings.HasPrefix(g.State, "synctest.Run") || g.Durable {
			if g.Bubble != 1 {
				t.Errorf("goroutine %d in state %q: bubble %d, want 1", g.ID, g.State, g.Bubble)
			}
		}
	}
	for _, s := range []string{"chan receive", "sync.WaitGroup.Wait", "synctest.Run"} {
		if !durable[s] {
			t.Errorf("no durable goroutine in state %q; durable: %v", s, durable)
		}
	}
}

// TestEveryCut cuts a real dump at every byte and checks that each cut
// either parses into a prefix of the whole dump's records or reports the
// truncation, with only the last record marked.
func TestEveryCut(t *testing.T) {
	dump := readFixture(t, "go126_ancestors")
	full, err := Parse(dump)
	if err != nil {
		t.Fatal(err)
	}
	step := 1
	if testing.Short() || raceEnabled {
		step = 7
	}
	for cut := 1; cut < len(dump); cut += step {
		gs, err := Parse(dump[:cut])
		if err != nil && !errors.Is(err, ErrTruncated) {
			t.Fatalf("cut at %d: %v", cut, err)
		}
		if cut%5 == 0 {
			checkInvariants(t, dump[:cut], gs, err)
		}
		if len(gs) > len(full) {
			t.Fatalf("cut at %d: %d records, more than %d", cut, len(gs), len(full))
		}
		complete := gs
		if errors.Is(err, ErrTruncated) && len(gs) > 0 {
			last := gs[len(gs)-1]
			if last.Truncated {
				complete = gs[:len(gs)-1]
				if last.ID != full[len(gs)-1].ID {
					t.Fatalf("cut at %d: truncated record has ID %d, want %d", cut, last.ID, full[len(gs)-1].ID)
				}
			}
		}
		for i, g := range complete {
			if g.Truncated {
				t.Fatalf("cut at %d: record %d truncated", cut, i)
			}
			// The last complete record may have lost trailing frames or
			// ancestor blocks cut at a line boundary; all others are whole.
			if i < len(complete)-1 || err != nil {
				if reflect.DeepEqual(full[i], g) {
					continue
				}
				if diff := cmp.Diff(full[i], g); diff != "" && !(i == len(complete)-1 && err == nil) {
					t.Fatalf("cut at %d: record %d differs (-want +got):\n%s", cut, i, diff)
				}
			}
		}
		if err == nil && dump[cut-1] != '\n' {
			t.Fatalf("cut at %d inside a line parsed without error", cut)
		}
	}
}

func TestHeaders(t *testing.T) {
	const frame = "main.f(0x1, {0x2, 0x3}, ...)\n\t/src/main.go:12 +0x1f\n"
	tests := []struct {
		name   string
		header string
		want   Goroutine
	}{
		{"plain", "goroutine 7 [chan receive]:", Goroutine{ID: 7, State: "chan receive"}},
		{"minutes", "goroutine 7 [chan receive, 12 minutes]:", Goroutine{ID: 7, State: "chan receive", Wait: 12 * time.Minute}},
		{"locked", "goroutine 7 [select, 1 minutes, locked to thread]:", Goroutine{ID: 7, State: "select", Wait: time.Minute, LockedToThread: true}},
		{"scan", "goroutine 7 [select (no cases) (scan)]:", Goroutine{ID: 7, State: "select (no cases)", Scan: true}},
		{"leaked scan", "goroutine 7 [chan send (nil chan) (leaked) (scan), 3 minutes]:", Goroutine{ID: 7, State: "chan send (nil chan)", Leaked: true, Scan: true, Wait: 3 * time.Minute}},
		{"durable suffix", "goroutine 7 [sleep (durable), synctest bubble 4]:", Goroutine{ID: 7, State: "sleep", Durable: true, Bubble: 4}},
		{"durable reason scan", "goroutine 7 [chan receive (durable) (scan), synctest bubble 2]:", Goroutine{ID: 7, State: "chan receive", Durable: true, Scan: true, Bubble: 2}},
		{"system", "goroutine 7 gp=0xc000007c00 m=3 mp=0xc000100008 [running]:", Goroutine{ID: 7, State: "running"}},
		{"system no m", "goroutine 7 gp=0xc000007c00 m=nil [IO wait]:", Goroutine{ID: 7, State: "IO wait"}},
		{"labels 1.26", `goroutine 7 [chan receive, locked to thread labels:{"a b": "c\"d", "e": "}]{"}]:`, Goroutine{ID: 7, State: "chan receive", LockedToThread: true, Labels: map[string]string{"a b": `c"d`, "e": "}]{"}}},
		{"labels 1.27", `goroutine 7 [chan receive, 2 minutes] {k: v.1/x_y, "a b": "\x00\u00e9\U0001f600", "": ""}:`, Goroutine{ID: 7, State: "chan receive", Wait: 2 * time.Minute, Labels: map[string]string{"k": "v.1/x_y", "a b": "\x00é😀", "": ""}}},
		{"labels 1.27 empty bare", `goroutine 7 [select] {: }:`, Goroutine{ID: 7, State: "select", Labels: map[string]string{"": ""}}},
		{"unknown status", "goroutine 18446744073709551615 [???]:", Goroutine{ID: 1<<64 - 1, State: "???"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gs, err := Parse([]byte(tt.header + "\n" + frame))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			want := tt.want
			want.Frames = []Frame{{Func: "main.f", File: "/src/main.go", Line: 12}}
			if diff := cmp.Diff([]Goroutine{want}, gs); diff != "" {
				t.Errorf("Parse(%q) mismatch (-want +got):\n%s", tt.header, diff)
			}
			checkRoundTrip(t, gs)
		})
	}
}

func TestRecords(t *testing.T) {
	tests := []struct {
		name string
		dump string
		want []Goroutine
	}{
		{
			name: "old created by without goroutine",
			dump: "goroutine 5 [chan receive]:\nmain.worker()\n\t/src/main.go:9 +0x25\ncreated by main.main\n\t/src/main.go:4 +0x3d\n",
			want: []Goroutine{{ID: 5, State: "chan receive", Frames: []Frame{{"main.worker", "/src/main.go", 9}}, CreatedBy: Frame{"main.main", "/src/main.go", 4}}},
		},
		{
			name: "generic method, inlined frame, panic, file with spaces and colons",
			dump: "goroutine 1 [running]:\npanic({0x4a0, 0xc0})\n\t/usr/local/go/src/runtime/panic.go:115 +0x1\nexample.com/p.(*Set[...]).Add(...)\n\tC:/my src/p.go:3\ntype:.eq.[2]interface {}(0x1?)\n\t<autogenerated>:1 +0x2\n",
			want: []Goroutine{{ID: 1, State: "running", Frames: []Frame{
				{"panic", "/usr/local/go/src/runtime/panic.go", 115},
				{"example.com/p.(*Set[...]).Add", "C:/my src/p.go", 3},
				{"type:.eq.[2]interface {}", "<autogenerated>", 1},
			}}},
		},
		{
			name: "crash dump extras: fp sp pc, stack unavailable, cgo frames, CRLF",
			dump: "goroutine 1 gp=0x1 m=0 mp=0x2 [running]:\r\nmain.main()\r\n\t/src/main.go:3 +0x1 fp=0x3 sp=0x4 pc=0x5\r\nnon-Go function at pc=0x7f\r\ncfunc\r\n\t/src/c.c:9 pc=0x8\r\n\r\ngoroutine 2 [running]:\r\n\tgoroutine running on other thread; stack unavailable\r\ncreated by main.main in goroutine 1\r\n\t/src/main.go:2 +0x9\r\n",
			want: []Goroutine{
				{ID: 1, State: "running", Frames: []Frame{{"main.main", "/src/main.go", 3}, {Func: "non-Go function"}, {"cfunc", "/src/c.c", 9}}},
				{ID: 2, State: "running", CreatedBy: Frame{"main.main", "/src/main.go", 2}, CreatorID: 1},
			},
		},
		{
			name: "blank lines around and a record without frames",
			dump: "\n\ngoroutine 3 [idle]:\n\ngoroutine 4 [sleep]:\ntime.Sleep(0x1)\n\t/go/time.go:1 +0x1\n\n\n",
			want: []Goroutine{{ID: 3, State: "idle"}, {ID: 4, State: "sleep", Frames: []Frame{{"time.Sleep", "/go/time.go", 1}}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gs, err := Parse([]byte(tt.dump))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if diff := cmp.Diff(tt.want, gs); diff != "" {
				t.Errorf("Parse mismatch (-want +got):\n%s", diff)
			}
			checkInvariants(t, []byte(tt.dump), gs, err)
			checkRoundTrip(t, gs)
		})
	}
}

func TestErrors(t *testing.T) {
	const rec = "goroutine 5 [chan receive]:\nmain.f()\n\t/src/main.go:9 +0x25\n"
	tests := []struct {
		name      string
		dump      string
		wantErr   string // substring of the error
		truncated bool
		wantIDs   []uint64 // of the records returned with a truncation error
	}{
		{name: "nil", dump: "", wantErr: "empty dump"},
		{name: "blank", dump: "\n\r\n\n", wantErr: "empty dump"},
		{name: "garbage", dump: "hello\nworld\n", wantErr: `line 1: expected a goroutine header, got "hello"`},
		{name: "text before header", dump: "panic: boom\n\n" + rec, wantErr: `line 1: expected a goroutine header, got "panic: boom"`},
		{name: "bad id", dump: "goroutine x [running]:\n", wantErr: `line 1: bad goroutine header "goroutine x [running]:"`},
		{name: "id overflow", dump: "goroutine 18446744073709551616 [running]:\n", wantErr: "line 1: bad goroutine header"},
		{name: "no bracket", dump: "goroutine 5 running:\nmain.f()\n", wantErr: "line 1: bad goroutine header"},
		{name: "unknown qualifier", dump: "goroutine 5 [running, on fire]:\n", wantErr: "line 1: bad goroutine header"},
		{name: "bad labels", dump: "goroutine 5 [running labels:{\"a\" \"b\"}]:\n", wantErr: "missing ': ' in labels"},
		{name: "bad escape", dump: "goroutine 5 [running labels:{\"a\": \"\\q\"}]:\n", wantErr: "bad quoted label"},
		{name: "unknown line", dump: rec + "what is this?\n", wantErr: `line 4: unexpected line "what is this?"`},
		{name: "bad file line", dump: "goroutine 5 [chan receive]:\nmain.f()\n\tno line number\n", wantErr: `line 3: bad file line "\tno line number"`},
		{name: "missing file line", dump: "goroutine 5 [chan receive]:\nmain.f()\nmain.g()\n\t/a.go:1\n", wantErr: "line 3: expected a file line"},
		{name: "frame after created by", dump: rec + "created by main.main\n\t/a.go:1\nmain.g()\n\t/a.go:2\n", wantErr: "line 6: unexpected line"},
		{name: "text after blank", dump: rec + "\nmain.g()\n", wantErr: "line 5: unexpected line"},
		{name: "bad ancestor", dump: rec + "[originating from goroutine x]:\n", wantErr: "line 4: unexpected line"},
		{name: "header cut", dump: "goroutine 1", wantErr: "line 1: truncated dump", truncated: true},
		{name: "header cut after id", dump: rec + "goroutine 12 [chan re", wantErr: "line 4: truncated dump", truncated: true, wantIDs: []uint64{5, 12}},
		{name: "cut inside file line", dump: rec + "goroutine 6 [select]:\nmain.g()\n\t/src/ma", wantErr: "line 6: truncated dump", truncated: true, wantIDs: []uint64{5, 6}},
		{name: "cut after function line", dump: rec + "goroutine 6 [select]:\nmain.g()\n", wantErr: "line 5: truncated dump", truncated: true, wantIDs: []uint64{5, 6}},
		{name: "cut after header", dump: rec + "\ngoroutine 6 [select]:\n", wantErr: "line 5: truncated dump", truncated: true, wantIDs: []uint64{5, 6}},
		{name: "cut after created by", dump: rec + "created by main.main in goroutine 1\n", wantErr: "line 4: truncated dump", truncated: true, wantIDs: []uint64{5}},
		{name: "cut inside the header after a record without frames", dump: "goroutine 3 [idle]:\ngoroutine 4 ", wantErr: "line 2: truncated dump", truncated: true, wantIDs: []uint64{3, 4}},
		{name: "cut inside a header where a file line is due", dump: "goroutine 3 [idle]:\nmain.f()\ngoroutine 4 [", wantErr: `line 3: expected a file line, got "goroutine 4 ["`},
		{name: "cut after ancestor header", dump: rec + "[originating from goroutine 1]:\n", wantErr: "line 4: truncated dump", truncated: true, wantIDs: []uint64{5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gs, err := Parse([]byte(tt.dump))
			if err == nil {
				t.Fatalf("Parse succeeded with %d records, want error %q", len(gs), tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Parse error = %q, want it to contain %q", err, tt.wantErr)
			}
			if errors.Is(err, ErrTruncated) != tt.truncated {
				t.Errorf("errors.Is(%v, ErrTruncated) = %v, want %v", err, !tt.truncated, tt.truncated)
			}
			var ids []uint64
			for _, g := range gs {
				ids = append(ids, g.ID)
			}
			if diff := cmp.Diff(tt.wantIDs, ids); diff != "" {
				t.Errorf("records returned (-want +got):\n%s", diff)
			}
			if tt.truncated && len(gs) > 0 {
				if last := gs[len(gs)-1]; !last.Truncated {
					t.Errorf("last record %d not marked truncated", last.ID)
				}
			}
			checkInvariants(t, []byte(tt.dump), gs, err)
		})
	}
}

func TestParseIf(t *testing.T) {
	dump := readFixture(t, "go126_ancestors")
	all, err := Parse(dump)
	if err != nil {
		t.Fatal(err)
	}
	var asked []uint64
	odd := func(id uint64) bool {
		asked = append(asked, id)
		return id%2 == 1
	}
	got, err := ParseIf(dump, odd)
	if err != nil {
		t.Fatal(err)
	}
	var want []Goroutine
	var wantAsked []uint64
	for _, g := range all {
		wantAsked = append(wantAsked, g.ID)
		if g.ID%2 == 1 {
			want = append(want, g)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ParseIf(odd) mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantAsked, asked); diff != "" {
		t.Errorf("keep called with (-want +got):\n%s", diff)
	}
	none, err := ParseIf(dump, func(uint64) bool { return false })
	if err != nil || len(none) != 0 {
		t.Errorf("ParseIf(none) = %d records, %v; want none, nil", len(none), err)
	}
	// A skipped record cut by the end of the dump is still reported.
	_, err = ParseIf(dump[:len(dump)-3], func(uint64) bool { return false })
	if !errors.Is(err, ErrTruncated) {
		t.Errorf("ParseIf(none) on a cut dump: error %v, want ErrTruncated", err)
	}
}

func TestIDs(t *testing.T) {
	dump := readFixture(t, "go127_labels")
	dst := make([]uint64, 1, 64)
	dst[0] = 99
	got, err := IDs(dump, dst)
	if err != nil {
		t.Fatal(err)
	}
	gs := mustParse(t, "go127_labels")
	want := []uint64{99}
	for _, g := range gs {
		want = append(want, g.ID)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("IDs mismatch (-want +got):\n%s", diff)
	}
	if allocs := testing.AllocsPerRun(20, func() { _, _ = IDs(dump, got[:0]) }); allocs != 0 {
		t.Errorf("IDs allocated %v times with a large enough dst, want 0", allocs)
	}
	for _, bad := range []string{"", "\n", "nope\n", "goroutine x [running]:\n"} {
		if _, err := IDs([]byte(bad), nil); err == nil {
			t.Errorf("IDs(%q) succeeded, want error", bad)
		}
	}
}

// TestSharing checks the documented sharing: frame slices are capped, so
// appending to one record's frames leaves the next record alone, and equal
// strings are interned.
func TestSharing(t *testing.T) {
	gs := mustParse(t, "go126")
	if len(gs) < 2 {
		t.Fatal("too few records")
	}
	next := slices.Clone(gs[1].Frames)
	gs[0].Frames = append(gs[0].Frames, Frame{Func: "appended"})
	if diff := cmp.Diff(next, gs[1].Frames); diff != "" {
		t.Errorf("append to one record changed the next (-want +got):\n%s", diff)
	}
	a, b := gs[1].CreatedBy.File, gs[2].CreatedBy.File
	if a != b || a == "" {
		t.Fatalf("expected equal creator files, got %q and %q", a, b)
	}
	if unsafe.StringData(a) != unsafe.StringData(b) {
		t.Errorf("equal file names %q are not interned", a)
	}
}

func TestLabelsMapShared(t *testing.T) {
	dump := []byte("goroutine 1 [select labels:{\"a\": \"b\"}]:\nmain.f()\n\t/a.go:1\n\ngoroutine 2 [select labels:{\"a\": \"b\"}]:\nmain.f()\n\t/a.go:1\n")
	gs, err := Parse(dump)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"a": "b"}
	for _, g := range gs {
		if diff := cmp.Diff(want, g.Labels); diff != "" {
			t.Errorf("goroutine %d labels (-want +got):\n%s", g.ID, diff)
		}
	}
}

func TestLineNumbers(t *testing.T) {
	dump := readFixture(t, "go126")
	lines := bytes.Split(dump, []byte("\n"))
	lines[40] = []byte("this line is broken")
	_, err := Parse(bytes.Join(lines, []byte("\n")))
	if err == nil || !strings.HasPrefix(err.Error(), "line 41: ") || !strings.Contains(err.Error(), "this line is broken") {
		t.Errorf("Parse error = %v, want one naming line 41 and its text", err)
	}
}
