package funnel

import (
	"runtime/metrics"
	"sync"
)

// Metrics is one stage-1 read of runtime/metrics: goroutine counts by state,
// goroutines created so far, and the memory and GC figures the stage-2
// timeline follows. Counters (Created, GCCycles, the queued and executed
// counts) only grow over the life of the process; the rest are levels.
//
// A metric the running Go version does not export reads as zero; every
// name used here exists in Go 1.26. The zero Metrics is a valid value (all
// zero). Metrics is plain data and survives JSON round trips.
type Metrics struct {
	// Goroutines is the number of live goroutines
	// (/sched/goroutines:goroutines).
	Goroutines uint64 `json:"goroutines"`
	// Created is the number of goroutines created since the program
	// started (/sched/goroutines-created:goroutines). If it has not moved,
	// no goroutine was created in between.
	Created uint64 `json:"created"`
	// Waiting, Runnable, Running and NotInGo split Goroutines by scheduler
	// state (/sched/goroutines/{waiting,runnable,running,not-in-go}).
	// They are approximate: the runtime reads them without stopping the
	// world, so their sum may differ a little from Goroutines.
	Waiting  uint64 `json:"waiting"`
	Runnable uint64 `json:"runnable"`
	Running  uint64 `json:"running"`
	NotInGo  uint64 `json:"notInGo"`
	// HeapObjectBytes is the memory occupied by live and not yet swept heap
	// objects (/memory/classes/heap/objects:bytes).
	HeapObjectBytes uint64 `json:"heapObjectBytes"`
	// StackBytes is the heap memory used for goroutine stacks
	// (/memory/classes/heap/stacks:bytes).
	StackBytes uint64 `json:"stackBytes"`
	// MCacheInUseBytes is the memory used by per-P mcache structures
	// (/memory/classes/metadata/mcache/inuse:bytes).
	MCacheInUseBytes uint64 `json:"mcacheInUseBytes"`
	// GCCycles counts completed GC cycles (/gc/cycles/total:gc-cycles).
	GCCycles uint64 `json:"gcCycles"`
	// FinalizersQueued and FinalizersExecuted count finalizers queued and
	// run (/gc/finalizers/{queued,executed}); their difference is the
	// backlog.
	FinalizersQueued   uint64 `json:"finalizersQueued"`
	FinalizersExecuted uint64 `json:"finalizersExecuted"`
	// CleanupsQueued and CleanupsExecuted are the same for runtime.AddCleanup
	// (/gc/cleanups/{queued,executed}).
	CleanupsQueued   uint64 `json:"cleanupsQueued"`
	CleanupsExecuted uint64 `json:"cleanupsExecuted"`
}

// metricNames lists the runtime/metrics names ReadMetrics reads, in the
// order of the fields they fill (see fill). Read-only.
var metricNames = [...]string{
	"/sched/goroutines:goroutines",
	"/sched/goroutines-created:goroutines",
	"/sched/goroutines/waiting:goroutines",
	"/sched/goroutines/runnable:goroutines",
	"/sched/goroutines/running:goroutines",
	"/sched/goroutines/not-in-go:goroutines",
	"/memory/classes/heap/objects:bytes",
	"/memory/classes/heap/stacks:bytes",
	"/memory/classes/metadata/mcache/inuse:bytes",
	"/gc/cycles/total:gc-cycles",
	"/gc/finalizers/queued:finalizers",
	"/gc/finalizers/executed:finalizers",
	"/gc/cleanups/queued:cleanups",
	"/gc/cleanups/executed:cleanups",
}

// samplePool holds sample slices with their names set, so that ReadMetrics
// allocates nothing in the steady state.
var samplePool = sync.Pool{New: func() any {
	s := make([]metrics.Sample, len(metricNames))
	for i, name := range metricNames {
		s[i].Name = name
	}
	return &s
}}

// ReadMetrics reads stage 1 from runtime/metrics. It does not stop the
// world, costs well under a microsecond, allocates nothing in the steady
// state, and is safe to call from several goroutines at once.
func ReadMetrics() Metrics {
	sp := samplePool.Get().(*[]metrics.Sample)
	s := *sp
	metrics.Read(s)
	var m Metrics
	for i, dst := range m.fields() {
		*dst = value(s[i].Value)
	}
	samplePool.Put(sp)
	return m
}

// readCreated reads only /sched/goroutines-created, for callers that need
// to know whether any goroutine started since an earlier read.
func readCreated() uint64 {
	s := createdPool.Get().(*[1]metrics.Sample)
	metrics.Read(s[:])
	n := value(s[0].Value)
	createdPool.Put(s)
	return n
}

// createdPool holds one-sample slices for readCreated.
var createdPool = sync.Pool{New: func() any {
	return &[1]metrics.Sample{{Name: metricNames[1]}}
}}

// fields returns pointers to m's fields in the order of metricNames.
func (m *Metrics) fields() [len(metricNames)]*uint64 {
	return [...]*uint64{
		&m.Goroutines, &m.Created, &m.Waiting, &m.Runnable, &m.Running, &m.NotInGo,
		&m.HeapObjectBytes, &m.StackBytes, &m.MCacheInUseBytes, &m.GCCycles,
		&m.FinalizersQueued, &m.FinalizersExecuted, &m.CleanupsQueued, &m.CleanupsExecuted,
	}
}

// value returns v as a uint64, or zero for a metric this Go version does
// not support (KindBad) or an unexpected kind.
func value(v metrics.Value) uint64 {
	switch v.Kind() {
	case metrics.KindUint64:
		return v.Uint64()
	case metrics.KindFloat64:
		if f := v.Float64(); f > 0 {
			return uint64(f)
		}
	}
	return 0
}
