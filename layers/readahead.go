package layers

import (
	"io"
	"io/fs"
	"sync"
)

// Read-ahead of a directory's entries: while the walk writes tar headers and
// hashes one entry, a goroutine stats the next ones and reads small regular
// files whole, so the system calls of a tree of many small files (W2) run on
// the other core. The tar does not change: entries are handed over in name
// order, and each file's contents are read from the file the stat described.
const (
	// aheadMaxFile is the largest file read ahead; bigger ones are streamed
	// by the walk itself.
	aheadMaxFile = 32 << 10
	// aheadBatch entries are handed over at a time, to wake the walk once
	// per batch rather than once per entry. At most four batches of a
	// directory exist at once (one being read, two queued, one being
	// written): with aheadMaxFile that bounds the memory of a directory
	// level to 1 MiB.
	aheadBatch = 8
)

type aheadEntry struct {
	name string
	fi   fs.FileInfo
	data []byte // whole contents of a small regular file; nil otherwise
	err  error
}

type aheadReader struct {
	batches chan []aheadEntry
	quit    chan struct{}
	wg      sync.WaitGroup
}

// readAhead starts reading the entries names of d in order. The caller ranges
// over entries and calls stop before closing d.
func readAhead(d *dirHandle, names []string) *aheadReader {
	r := &aheadReader{batches: make(chan []aheadEntry, 2), quit: make(chan struct{})}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer close(r.batches)
		batch := make([]aheadEntry, 0, aheadBatch)
		for i, n := range names {
			e := readEntry(d, n)
			batch = append(batch, e)
			if len(batch) < aheadBatch && i < len(names)-1 && e.err == nil {
				continue
			}
			select {
			case r.batches <- batch:
			case <-r.quit:
				return
			}
			if e.err != nil {
				return
			}
			batch = make([]aheadEntry, 0, aheadBatch)
		}
	}()
	return r
}

// stop ends the read-ahead and waits for its goroutine, which then no longer
// uses the directory.
func (r *aheadReader) stop() {
	close(r.quit)
	r.wg.Wait()
}

func readEntry(d *dirHandle, name string) aheadEntry {
	fi, err := d.lstat(name)
	if err != nil {
		return aheadEntry{name: name, err: err}
	}
	e := aheadEntry{name: name, fi: fi}
	if !fi.Mode().IsRegular() || fi.Size() > aheadMaxFile {
		return e
	}
	f, err := d.openFile(name)
	if err != nil {
		e.err = err
		return e
	}
	defer f.Close()
	data := make([]byte, fi.Size())
	n, err := io.ReadFull(f, data)
	switch {
	case err == nil, err == io.EOF, err == io.ErrUnexpectedEOF:
		e.data = data[:n] // shorter than the stat said: the walk reports it
	default:
		e.err = err
	}
	return e
}
