//go:build ignore

// Command gen writes the parser's fixtures: real goroutine dumps from small
// programs that park goroutines in many states, run under several Go
// versions and GODEBUG settings. Run it from the package directory:
//
//	go run testdata/gen.go
//
// then refresh the golden files with
//
//	go test -run TestFixtures -update ./
//
// The Go 1.27 fixtures need the go1.27.3 toolchain, which the go command
// downloads on first use (GOTOOLCHAIN=go1.27.3 go version).
package main

import (
	"bytes"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
)

// program parks goroutines in many states and then writes a dump of all
// goroutines to stdout: runtime.Stack for "stack", the goroutineleak profile
// with debug=2 for "leak".
const program = `package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"syscall"
	"time"
)

type server struct{ reqs chan int }

func (s *server) serve() {
	for range s.reqs {
	}
}

type Pool[T any] struct{ work chan T }

func (p *Pool[T]) loop() {
	for range p.work {
	}
}

func waitFor[T any](ch chan T) T { return <-ch }

//go:noinline
func recurse(n int, ch chan int) int {
	if n == 0 {
		return <-ch
	}
	return recurse(n-1, ch) + 1
}

// spawnDeep starts a goroutine from deep recursion, so that its ancestor
// block is cut ("...additional frames elided...").
//
//go:noinline
func spawnDeep(n int, ch chan int) int {
	if n == 0 {
		go func() { <-ch }()
		return 0
	}
	return spawnDeep(n-1, ch) + 1
}

// spawnChain starts a chain of goroutines; each one but the last starts the
// next one and exits.
func spawnChain(depth int, ch chan int) {
	if depth == 0 {
		<-ch
		return
	}
	go spawnChain(depth-1, ch)
}

var (
	recvCh, sendCh, selA, selB, lockedCh, genCh, deepCh, chainCh, labelCh = make(chan int), make(chan int), make(chan int), make(chan int), make(chan int), make(chan int), make(chan int), make(chan int), make(chan int)
	srv                                                                  = &server{reqs: make(chan int)}
	pool                                                                 = &Pool[string]{work: make(chan string)}
	mu                                                                   sync.Mutex
	rwW, rwR                                                             sync.RWMutex
	wg                                                                   sync.WaitGroup
	cond                                                                 = sync.NewCond(&sync.Mutex{})
	ln                                                                   net.Listener
)

func main() {
	go func() { <-recvCh }()
	go func() { sendCh <- 1 }()
	go func() {
		var c chan int
		<-c
	}()
	go func() {
		var c chan int
		c <- 1
	}()
	go func() {
		select {
		case <-selA:
		case <-selB:
		}
	}()
	go func() { select {} }()
	mu.Lock()
	go func() { mu.Lock() }()
	rwW.RLock()
	go func() { rwW.Lock() }()
	rwR.Lock()
	go func() { rwR.RLock() }()
	wg.Add(1)
	go wg.Wait()
	go func() {
		cond.L.Lock()
		cond.Wait()
	}()
	go time.Sleep(time.Hour)
	var err error
	ln, err = net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go ln.Accept()
	var p [2]int
	if err := syscall.Pipe(p[:]); err != nil {
		panic(err)
	}
	go func() {
		buf := make([]byte, 1)
		syscall.Read(p[0], buf)
	}()
	go func() {
		runtime.LockOSThread()
		<-lockedCh
	}()
	go waitFor(genCh)
	go srv.serve()
	go pool.loop()
	go recurse(120, deepCh)
	go spawnChain(3, chainCh)
	spawnDeep(60, deepCh)
	labels := pprof.Labels("spec", "it \"works\" well", "worker id", "7", "path", "a/b_c.d", "tab", "a\tb", "unicode", "gr\u00fc\u00dfe")
	pprof.Do(context.Background(), labels, func(context.Context) {
		go func() { <-labelCh }()
	})
	// Leaked for sure: nothing else can reach these channels.
	go func() {
		c := make(chan int)
		<-c
	}()
	go func() {
		c := make(chan int)
		c <- 1
	}()

	want := []string{"[chan receive", "[chan send", "[chan receive (nil chan)", "[chan send (nil chan)",
		"[select", "[select (no cases)", "[sync.Mutex.Lock", "[sync.RWMutex.Lock", "[sync.RWMutex.RLock",
		"[sync.WaitGroup.Wait", "[sync.Cond.Wait", "[sleep", "[IO wait", "[syscall", "locked to thread",
		"main.recurse", "main.spawnChain", "main.waitFor[", "main.(*Pool[", "main.(*server).serve"}
	buf := make([]byte, 1<<20)
	for i := 0; ; i++ {
		n := runtime.Stack(buf, true)
		dump := string(buf[:n])
		ok := strings.Count(dump, "[runnable") == 0 && strings.Count(dump, "[running") == 1
		for _, w := range want {
			ok = ok && strings.Contains(dump, w)
		}
		if ok {
			break
		}
		if i == 5000 {
			fmt.Fprintf(os.Stderr, "goroutines did not park:\n%s", dump)
			os.Exit(1)
		}
		time.Sleep(time.Millisecond)
	}
	switch os.Args[1] {
	case "stack":
		n := runtime.Stack(buf, true)
		os.Stdout.Write(buf[:n])
	case "leak":
		prof := pprof.Lookup("goroutineleak")
		if prof == nil {
			fmt.Fprintln(os.Stderr, "no goroutineleak profile")
			os.Exit(1)
		}
		if err := prof.WriteTo(os.Stdout, 2); err != nil {
			panic(err)
		}
	}
}
`

// bubbleTest writes a dump taken inside a testing/synctest bubble, where
// goroutines are durably blocked, to the file named by $DUMP.
const bubbleTest = `package main

import (
	"os"
	"runtime"
	"sync"
	"testing"
	"testing/synctest"
)

func TestBubble(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ch := make(chan int)
		go func() { <-ch }()
		var wg sync.WaitGroup
		wg.Add(1)
		go wg.Wait()
		go func() {
			select {
			case <-ch:
			}
		}()
		synctest.Wait()
		buf := make([]byte, 1<<20)
		n := runtime.Stack(buf, true)
		if err := os.WriteFile(os.Getenv("DUMP"), buf[:n], 0o644); err != nil {
			t.Fatal(err)
		}
		close(ch)
		wg.Done()
	})
}
`

type fixture struct {
	name      string
	toolchain string   // GOTOOLCHAIN
	env       []string // extra environment for build and run
	mode      string   // "stack", "leak" or "bubble"
}

var fixtures = []fixture{
	{"go126", "local", nil, "stack"},
	{"go126_labels", "local", []string{"GODEBUG=tracebacklabels=1"}, "stack"},
	{"go126_ancestors", "local", []string{"GODEBUG=tracebackancestors=5"}, "stack"},
	{"go126_leakprofile", "local", []string{"GOEXPERIMENT=goroutineleakprofile", "GODEBUG=tracebacklabels=1"}, "leak"},
	{"go126_synctest", "local", nil, "bubble"},
	{"go127", "go1.27.3", nil, "stack"},
	{"go127_labels", "go1.27.3", []string{"GODEBUG=tracebacklabels=1"}, "stack"},
	{"go127_leakprofile", "go1.27.3", []string{"GODEBUG=tracebacklabels=1"}, "leak"},
}

func main() {
	log.SetFlags(0)
	dir, err := os.MkdirTemp("", "stackgen")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	files := map[string]string{
		"go.mod":         "module example.com/stackgen\n\ngo 1.26\n",
		"main.go":        program,
		"bubble_test.go": bubbleTest,
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	for _, f := range fixtures {
		dump, err := generate(dir, f)
		if err != nil {
			log.Fatalf("%s: %v", f.name, err)
		}
		write(f.name, dump)
		if f.name == "go126_labels" {
			writeTruncated(dump)
		}
	}
}

func generate(dir string, f fixture) ([]byte, error) {
	env := append(os.Environ(), "GOTOOLCHAIN="+f.toolchain, "GOFLAGS=")
	env = append(env, f.env...)
	if f.mode == "bubble" {
		out := filepath.Join(dir, f.name+".txt")
		cmd := exec.Command("go", "test", "-count=1", "-run=TestBubble", ".")
		cmd.Dir, cmd.Env = dir, append(env, "DUMP="+out)
		if b, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("go test: %v\n%s", err, b)
		}
		return os.ReadFile(out)
	}
	bin := filepath.Join(dir, f.name)
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir, build.Env = dir, env
	if b, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go build: %v\n%s", err, b)
	}
	var stdout, stderr bytes.Buffer
	run := exec.Command(bin, f.mode)
	run.Dir, run.Env, run.Stdout, run.Stderr = dir, env, &stdout, &stderr
	if err := run.Run(); err != nil {
		return nil, fmt.Errorf("run: %v\n%s", err, stderr.Bytes())
	}
	return stdout.Bytes(), nil
}

// writeTruncated writes three cuts of a real dump: one inside a line, as
// runtime.Stack leaves it when the buffer is full, one just after a
// function line, whose file line is missing, and one inside a header.
func writeTruncated(dump []byte) {
	cut := len(dump) * 2 / 3
	write("go126_truncated_midline", dump[:cut])
	i := bytes.Index(dump[cut:], []byte(")\n\t"))
	if i < 0 {
		log.Fatal("no function line to cut after")
	}
	write("go126_truncated_afterfunc", dump[:cut+i+2])
	i = bytes.Index(dump[len(dump)/3:], []byte("\ngoroutine "))
	if i < 0 {
		log.Fatal("no header to cut")
	}
	write("go126_truncated_header", dump[:len(dump)/3+i+len("\ngoroutine 12 [")])
}

func write(name string, b []byte) {
	path := filepath.Join("testdata", name+".txt")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		log.Fatal(err)
	}
	log.Printf("wrote %s (%d bytes)", path, len(b))
}
