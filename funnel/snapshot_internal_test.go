package funnel

import (
	"bytes"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/leakfunnel/leakfunnel/internal/leaktest"
)

const dumpFixture = `goroutine 9 [running]:
main.main()
	/src/main.go:10 +0x1d

goroutine 12 [chan receive, 3 minutes]:
example.com/pool.(*Pool).worker(0xc000010000)
	/src/pool.go:88 +0x25
created by example.com/pool.New in goroutine 9
	/src/pool.go:42 +0x3a

goroutine 4 [select]:
github.com/leakfunnel/leakfunnel/funnel.(*Sampler).run.func1()
	/src/funnel/timeline.go:60 +0x25
github.com/leakfunnel/leakfunnel/funnel.(*Sampler).run()
	/src/funnel/timeline.go:55 +0x25
created by github.com/leakfunnel/leakfunnel/funnel.StartSampler in goroutine 9
	/src/funnel/timeline.go:40 +0x3a

goroutine 7 [sync.Mutex.Lock]:
example.com/db.(*DB).query()
	/src/db.go:5 +0x25
created by example.com/db.Open in goroutine 9
	/src/db.go:3 +0x3a
`

func TestSnapshotParse(t *testing.T) {
	var s Snapshot
	s.parse([]byte(dumpFixture), nil)
	want := []Goroutine{
		{
			ID: 7, State: "sync.Mutex.Lock",
			Frames:    []Frame{{Func: "example.com/db.(*DB).query", File: "/src/db.go", Line: 5}},
			CreatedBy: Frame{Func: "example.com/db.Open", File: "/src/db.go", Line: 3}, CreatorID: 9,
		},
		{
			ID: 12, State: "chan receive", Wait: 3 * 60e9,
			Frames:    []Frame{{Func: "example.com/pool.(*Pool).worker", File: "/src/pool.go", Line: 88}},
			CreatedBy: Frame{Func: "example.com/pool.New", File: "/src/pool.go", Line: 42}, CreatorID: 9,
		},
	}
	if s.Err != "" {
		t.Errorf("Err = %q", s.Err)
	}
	if diff := cmp.Diff(want, s.Goroutines); diff != "" {
		t.Errorf("parse() goroutines (-want +got); the first record and the sampler must be left out, the rest sorted:\n%s", diff)
	}
	s = Snapshot{}
	s.parse([]byte(dumpFixture), func(id uint64) bool { return id != 7 })
	if got := len(s.Goroutines); got != 1 || s.Goroutines[0].ID != 12 {
		t.Errorf("parse(keep all but 7) = %+v, want goroutine 12 only", s.Goroutines)
	}
}

func TestSnapshotParseErrors(t *testing.T) {
	tests := []struct {
		name    string
		dump    string
		wantIDs []uint64
		wantErr string
	}{
		{
			name:    "unknown line",
			dump:    strings.Replace(dumpFixture, "\t/src/pool.go:88 +0x25\n", "\t/src/pool.go:88 +0x25\n!! a line from the future\n", 1),
			wantIDs: []uint64{4, 7, 12},
			wantErr: "parse goroutine dump: ",
		},
		{
			name:    "truncated",
			dump:    dumpFixture[:strings.Index(dumpFixture, "example.com/db.(*DB).query()")+10],
			wantIDs: []uint64{4, 7, 12},
			wantErr: "truncated dump",
		},
		{
			name:    "garbage",
			dump:    "this is not a goroutine dump\n",
			wantIDs: []uint64{},
			wantErr: "read goroutine IDs: ",
		},
		{
			name:    "empty",
			dump:    "",
			wantIDs: []uint64{},
			wantErr: "empty dump",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s Snapshot
			s.parse([]byte(tt.dump), nil)
			if !strings.Contains(s.Err, tt.wantErr) {
				t.Errorf("Err = %q, want it to contain %q", s.Err, tt.wantErr)
			}
			got := []uint64{}
			for _, g := range s.Goroutines {
				got = append(got, g.ID)
			}
			if diff := cmp.Diff(tt.wantIDs, got); diff != "" {
				t.Errorf("goroutines by ID (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDumpBufferGrows(t *testing.T) {
	f, err := leaktest.Start(leaktest.ChanRecv, 500)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Release()
	// A buffer sized for records of one byte must grow until the dump fits.
	var b dumpBuffer
	dump := b.dump(uint64(runtime.NumGoroutine()), 1)
	if len(dump) <= minDumpBuffer {
		t.Fatalf("dump of %d bytes, want more than the initial %d", len(dump), minDumpBuffer)
	}
	if !bytes.HasSuffix(dump, []byte("\n")) {
		t.Errorf("dump does not end with a newline: %q", dump[max(0, len(dump)-80):])
	}
	for _, id := range f.IDs {
		if !bytes.Contains(dump, []byte("\ngoroutine "+itoa(id)+" [")) {
			t.Errorf("dump lacks goroutine %d", id)
		}
	}
	// Sized from the live count and the record size learnt, the next dump
	// fits at once in a new buffer that a third dump reuses.
	b = dumpBuffer{}
	b.dump(uint64(runtime.NumGoroutine()), recordSize())
	before := cap(b.b)
	b.dump(uint64(runtime.NumGoroutine()), recordSize())
	if cap(b.b) != before {
		t.Errorf("buffer grew from %d to %d on a second dump of the same goroutines", before, cap(b.b))
	}
}

func itoa(id uint64) string {
	var buf [20]byte
	i := len(buf)
	for {
		i--
		buf[i] = byte('0' + id%10)
		id /= 10
		if id == 0 {
			return string(buf[i:])
		}
	}
}
