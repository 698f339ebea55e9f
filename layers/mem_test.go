package layers

import (
	"context"
	"path/filepath"
	"runtime"
	"testing"
)

// heapSampler is a sink that records the largest HeapInuse seen while the
// layer streams through it.
type heapSampler struct {
	n, next int64
	peak    uint64
}

func (s *heapSampler) Write(p []byte) (int, error) {
	s.n += int64(len(p))
	if s.n >= s.next {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		s.peak = max(s.peak, m.HeapInuse)
		s.next = s.n + 4<<20
	}
	return len(p), nil
}

// STYLE §2: a layer is never buffered in memory.
func TestWriteMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 64 MiB file")
	}
	const size = 64 << 20
	const limit = 16 << 20
	dir := t.TempDir()
	mustRandomFile(t, filepath.Join(dir, "random"), size)
	spec := Spec{Path: dir, TarPath: "/layers/bp/big"}

	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	sink := &heapSampler{}
	res, err := Write(context.Background(), spec, sink)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatalf("Write() = %v", err)
	}
	if res.Size < size {
		t.Errorf("Write().Size = %d, want at least %d for random data", res.Size, size)
	}
	t.Logf("HeapInuse peak growth %d KiB, Write allocated %d KiB", (int64(sink.peak)-int64(before.HeapInuse))>>10, (after.TotalAlloc-before.TotalAlloc)>>10)
	if grown := int64(sink.peak) - int64(before.HeapInuse); grown > limit {
		t.Errorf("HeapInuse grew by %d MiB while writing a %d MiB layer, want < %d MiB", grown>>20, size>>20, limit>>20)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > limit {
		t.Errorf("Write() allocated %d MiB for a %d MiB layer, want < %d MiB", alloc>>20, size>>20, limit>>20)
	}

	before = after
	if _, err := DiffID(context.Background(), spec); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > limit {
		t.Errorf("DiffID() allocated %d MiB, want < %d MiB", alloc>>20, limit>>20)
	}
}
