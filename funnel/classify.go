package funnel

import "strings"

// Classify returns g's blocking class: what g waits on, and so whether it can
// wake up by itself. It reads g's wait reason (State) first and its top frames
// where the wait reason alone is ambiguous or unknown. It does not modify g;
// [Check] stores the result in [Goroutine.Class]. A nil g is [ClassOther].
//
// The table, by wait reason as the runtime prints it (a " (durable)" suffix,
// written for goroutines inside a testing/synctest bubble, is ignored):
//
//	chan receive (nil chan), chan send (nil chan),
//	select (no cases)                               ClassPermanent
//	chan receive, chan send, select,
//	sync.Mutex.Lock, sync.RWMutex.Lock,
//	sync.RWMutex.RLock, sync.WaitGroup.Wait,
//	sync.Cond.Wait, semacquire, coroutine,
//	synctest.Run, synctest.Wait                     ClassBlocked
//	IO wait                                         ClassIO
//	sleep                                           ClassSleeping
//	syscall                                         ClassSyscall
//	running, runnable, preempted, copystack,
//	and the runtime's transient waits (GC assist
//	marking, GC assist wait, garbage collection,
//	garbage collection scan, GC mark termination,
//	stopping the world, flushing proc caches,
//	wait for GC cycle, GC weak to strong wait,
//	debug call, dumping heap, trace goroutine
//	status, trace proc status, page trace flush)    ClassRunning
//	the runtime's own service goroutines waiting
//	for work (finalizer wait, cleanup wait, GC
//	sweep wait, GC scavenge wait, GC worker (idle),
//	force gc (idle), ...), idle, dead, panicwait    ClassOther
//
// Top frames refine two cases. (A dump shows the runtime's own frames, such
// as runtime.gopark and runtime.chanrecv, only with GOTRACEBACK=system; the
// standard library's frames, such as sync.runtime_SemacquireMutex and
// time.Sleep, always.) A "semacquire" wait inside runtime.GC or a
// stop-the-world (runtime.stopTheWorld, runtime.ReadMemStats) is transient
// and so [ClassRunning]; any other semacquire is [ClassBlocked]. A wait reason
// the table does not know (a plain "waiting", or one added by a later Go
// release) is classified by the innermost frame that names a known blocking
// primitive, scanning only the runtime and standard-library frames above the
// first frame of other code:
//
//	runtime.block                                   ClassPermanent
//	runtime.chanrecv, runtime.chansend,
//	runtime.selectgo, sync.runtime_Semacquire*,
//	sync.runtime_notifyListWait, sync.(*Mutex).Lock,
//	sync.(*RWMutex).Lock, sync.(*RWMutex).RLock,
//	sync.(*WaitGroup).Wait, sync.(*Cond).Wait       ClassBlocked
//	internal/poll.runtime_pollWait                  ClassIO
//	time.Sleep                                      ClassSleeping
//	syscall.Syscall*, syscall.RawSyscall*,
//	runtime.cgocall                                 ClassSyscall
//
// Anything else is [ClassOther]. Classify never returns the zero Class. A
// channel receive on a timer's channel is indistinguishable from any other
// channel receive in a stack dump (a one-case select on a timer compiles to a
// plain "chan receive"), so it is [ClassBlocked], not [ClassSleeping].
//
// Classify is safe for concurrent use.
func Classify(g *Goroutine) Class {
	if g == nil {
		return ClassOther
	}
	state := strings.TrimSuffix(g.State, " (durable)")
	c, known := stateClasses[state]
	switch {
	case state == "semacquire":
		if hasTransientRuntimeFrame(g.Frames) {
			return ClassRunning
		}
		return ClassBlocked
	case known:
		return c
	}
	if c, ok := classFromFrames(g.Frames); ok {
		return c
	}
	if g.Leaked {
		// The goroutineleak profile only marks goroutines blocked on
		// channels and sync primitives that nothing can reach.
		return ClassPermanent
	}
	return ClassOther
}

// stateClasses maps wait reasons (runtime/runtime2.go waitReasonStrings and
// the plain statuses of runtime/traceback.go gStatusStrings) to classes.
// It is read-only.
var stateClasses = map[string]Class{
	"chan receive (nil chan)": ClassPermanent,
	"chan send (nil chan)":    ClassPermanent,
	"select (no cases)":       ClassPermanent,

	"chan receive":        ClassBlocked,
	"chan send":           ClassBlocked,
	"select":              ClassBlocked,
	"sync.Mutex.Lock":     ClassBlocked,
	"sync.RWMutex.Lock":   ClassBlocked,
	"sync.RWMutex.RLock":  ClassBlocked,
	"sync.WaitGroup.Wait": ClassBlocked,
	"sync.Cond.Wait":      ClassBlocked,
	"semacquire":          ClassBlocked,
	"coroutine":           ClassBlocked,
	"synctest.Run":        ClassBlocked,
	"synctest.Wait":       ClassBlocked,

	"IO wait": ClassIO,

	"sleep": ClassSleeping,

	"syscall": ClassSyscall,

	"running":                 ClassRunning,
	"runnable":                ClassRunning,
	"preempted":               ClassRunning,
	"copystack":               ClassRunning,
	"GC assist marking":       ClassRunning,
	"GC assist wait":          ClassRunning,
	"garbage collection":      ClassRunning,
	"garbage collection scan": ClassRunning,
	"GC mark termination":     ClassRunning,
	"stopping the world":      ClassRunning,
	"flushing proc caches":    ClassRunning,
	"wait for GC cycle":       ClassRunning,
	"GC weak to strong wait":  ClassRunning,
	"debug call":              ClassRunning,
	"dumping heap":            ClassRunning,
	"trace goroutine status":  ClassRunning,
	"trace proc status":       ClassRunning,
	"page trace flush":        ClassRunning,

	"finalizer wait":            ClassOther,
	"cleanup wait":              ClassOther,
	"GC sweep wait":             ClassOther,
	"GC scavenge wait":          ClassOther,
	"GC worker (idle)":          ClassOther,
	"GC worker (active)":        ClassOther,
	"force gc (idle)":           ClassOther,
	"GOMAXPROCS updater (idle)": ClassOther,
	"trace reader (blocked)":    ClassOther,
	"panicwait":                 ClassOther,
	"idle":                      ClassOther,
	"dead":                      ClassOther,
	"waiting for cgo callback":  ClassOther,
}

// frameClasses maps blocking primitives found among the top frames to
// classes, for wait reasons the table does not know. It is read-only.
var frameClasses = map[string]Class{
	"runtime.block": ClassPermanent,

	"runtime.chanrecv":                      ClassBlocked,
	"runtime.chansend":                      ClassBlocked,
	"runtime.selectgo":                      ClassBlocked,
	"sync.runtime_Semacquire":               ClassBlocked,
	"sync.runtime_SemacquireMutex":          ClassBlocked,
	"sync.runtime_SemacquireRWMutex":        ClassBlocked,
	"sync.runtime_SemacquireRWMutexR":       ClassBlocked,
	"sync.runtime_SemacquireWaitGroup":      ClassBlocked,
	"internal/sync.runtime_SemacquireMutex": ClassBlocked,
	"sync.runtime_notifyListWait":           ClassBlocked,
	"sync.(*Mutex).Lock":                    ClassBlocked,
	"sync.(*RWMutex).Lock":                  ClassBlocked,
	"sync.(*RWMutex).RLock":                 ClassBlocked,
	"sync.(*WaitGroup).Wait":                ClassBlocked,
	"sync.(*Cond).Wait":                     ClassBlocked,

	"internal/poll.runtime_pollWait": ClassIO,

	"time.Sleep":        ClassSleeping,
	"runtime.timeSleep": ClassSleeping,

	"syscall.Syscall":     ClassSyscall,
	"syscall.Syscall6":    ClassSyscall,
	"syscall.RawSyscall":  ClassSyscall,
	"syscall.RawSyscall6": ClassSyscall,
	"runtime.cgocall":     ClassSyscall,
}

// transientRuntimeFrames are the functions in which a "semacquire" wait is
// part of the runtime's own work (waiting for the world to stop or for a GC
// cycle to start) and so ends by itself.
var transientRuntimeFrames = map[string]bool{
	"runtime.GC":                   true,
	"runtime.gcStart":              true,
	"runtime.stopTheWorld":         true,
	"runtime.stopTheWorldGC":       true,
	"runtime.stopTheWorldWithSema": true,
	"runtime.ReadMemStats":         true,
	"runtime.startTheWorld":        true,
	"runtime.startTheWorldGC":      true,
	"runtime/debug.WriteHeapDump":  true,
	"runtime/debug.SetMemoryLimit": true,
	"runtime/debug.SetGCPercent":   true,
	"runtime/debug.FreeOSMemory":   true,
}

func hasTransientRuntimeFrame(frames []Frame) bool {
	for _, f := range primitiveFrames(frames) {
		if transientRuntimeFrames[f.Func] {
			return true
		}
	}
	return false
}

func classFromFrames(frames []Frame) (Class, bool) {
	for _, f := range primitiveFrames(frames) {
		if c, ok := frameClasses[f.Func]; ok {
			return c, true
		}
	}
	return "", false
}

// primitiveFrames returns the leading frames of frames (innermost first) that
// belong to the runtime or to the standard library's blocking primitives,
// ending before the first frame of other code.
func primitiveFrames(frames []Frame) []Frame {
	for i, f := range frames {
		if !isPrimitivePackage(packageOf(f.Func)) {
			return frames[:i]
		}
	}
	return frames
}

// WaitSite returns the frame at which g's own code waits: the innermost frame
// outside the runtime and the standard library's blocking primitives
// (packages runtime, runtime/debug, internal/..., sync, sync/atomic, time,
// syscall, io, os, net and os/signal). For a goroutine blocked in "<-ch" inside
// pkg.(*Pool).loop it is that loop's frame; for an accept loop it is the
// function that called net.Listener.Accept. When every frame belongs to those
// packages, WaitSite returns the innermost frame outside the runtime (for the
// standard library's own goroutines), else the innermost frame; for a
// goroutine without frames, the zero Frame. It is safe for concurrent use.
func WaitSite(g *Goroutine) Frame {
	if g == nil || len(g.Frames) == 0 {
		return Frame{}
	}
	for _, f := range g.Frames {
		if pkg := packageOf(f.Func); !isPrimitivePackage(pkg) && !isPrimitiveSitePackage(pkg) {
			return f
		}
	}
	for _, f := range g.Frames {
		if pkg := packageOf(f.Func); pkg != "runtime" && !strings.HasPrefix(pkg, "internal/") {
			return f
		}
	}
	return g.Frames[0]
}

func isPrimitivePackage(pkg string) bool {
	switch pkg {
	case "runtime", "runtime/debug", "sync", "time", "syscall":
		return true
	}
	return strings.HasPrefix(pkg, "internal/")
}

// isPrimitiveSitePackage lists the further standard packages whose frames
// [WaitSite] skips: they wrap the blocking primitives for callers.
func isPrimitiveSitePackage(pkg string) bool {
	switch pkg {
	case "io", "os", "net", "os/signal", "sync/atomic":
		return true
	}
	return false
}

// packageOf returns the import path of the package that defines fn, as
// spelled in a stack dump ("sync.(*Mutex).Lock" -> "sync",
// "github.com/a/b.(*T).m" -> "github.com/a/b").
func packageOf(fn string) string {
	slash := strings.LastIndexByte(fn, '/')
	dot := strings.IndexByte(fn[slash+1:], '.')
	if dot < 0 {
		return fn
	}
	return fn[:slash+1+dot]
}
