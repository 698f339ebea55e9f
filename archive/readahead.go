package archive

import (
	"io"
	"sync"
)

// Sizes of the read-ahead: 4 chunks of 256 KiB.
const (
	aheadChunk = 256 << 10
	aheadDepth = 4
)

// ReadAhead reads r on a goroutine of its own, up to 1 MiB ahead of the
// caller, so that producing the bytes (reading a file, gunzipping, hashing
// them) and consuming them (extracting a tar) run on different cores. The
// bytes and their order are r's. Close stops the goroutine; it must be called
// even after EOF.
func ReadAhead(r io.Reader) io.ReadCloser {
	a := &readAhead{
		full: make(chan []byte, aheadDepth),
		free: make(chan []byte, aheadDepth+1),
		quit: make(chan struct{}),
	}
	for range aheadDepth + 1 {
		a.free <- make([]byte, aheadChunk)
	}
	a.wg.Add(1)
	go a.run(r)
	return a
}

type readAhead struct {
	full chan []byte
	free chan []byte
	quit chan struct{}
	wg   sync.WaitGroup
	err  error // r's error (io.EOF at the end); read after full is closed

	cur    []byte // what is left of the chunk being read
	chunk  []byte // that chunk, to give back
	closed bool
}

func (a *readAhead) run(r io.Reader) {
	defer a.wg.Done()
	defer close(a.full)
	for {
		var buf []byte
		select {
		case buf = <-a.free:
		case <-a.quit:
			return
		}
		n, err := io.ReadFull(r, buf)
		if n > 0 {
			select {
			case a.full <- buf[:n]:
			case <-a.quit:
				return
			}
		}
		if err == io.ErrUnexpectedEOF {
			err = io.EOF
		}
		if err != nil {
			a.err = err
			return
		}
	}
}

func (a *readAhead) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for len(a.cur) == 0 {
		if a.chunk != nil {
			a.free <- a.chunk[:cap(a.chunk)]
			a.chunk = nil
		}
		b, ok := <-a.full
		if !ok {
			if a.err == nil {
				return 0, io.ErrClosedPipe
			}
			return 0, a.err
		}
		a.chunk, a.cur = b, b
	}
	n := copy(p, a.cur)
	a.cur = a.cur[n:]
	return n, nil
}

// Close stops reading ahead and waits for the goroutine to end.
func (a *readAhead) Close() error {
	if !a.closed {
		a.closed = true
		close(a.quit)
		a.wg.Wait()
	}
	return nil
}
