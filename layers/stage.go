package layers

import (
	"io"
	"sync"
)

// stage is an io.WriteCloser that copies what it is given into fixed-size
// chunks and writes them to dst from a goroutine of its own, so that the
// producer and dst (gzip, a hash, a file) run on different cores. It holds at
// most depth chunks: memory stays bounded whatever the layer size.
type stage struct {
	dst    io.Writer
	cur    []byte
	full   chan []byte
	free   chan []byte
	made   int // chunks allocated so far, at most cap(free)
	size   int
	done   chan struct{}
	closed bool

	mu  sync.Mutex
	err error // first error of dst
}

func newStage(dst io.Writer, size, depth int) *stage {
	s := &stage{
		dst:  dst,
		size: size,
		full: make(chan []byte, depth),
		free: make(chan []byte, depth),
		done: make(chan struct{}),
	}
	s.cur = s.chunk()
	go s.run()
	return s
}

func (s *stage) run() {
	defer close(s.done)
	for b := range s.full {
		if s.error() == nil {
			if _, err := s.dst.Write(b); err != nil {
				s.mu.Lock()
				s.err = err
				s.mu.Unlock()
			}
		}
		s.free <- b[:0]
	}
}

func (s *stage) error() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// chunk returns a free chunk, allocating one while fewer than depth exist.
func (s *stage) chunk() []byte {
	select {
	case b := <-s.free:
		return b
	default:
	}
	if s.made < cap(s.free) {
		s.made++
		return make([]byte, 0, s.size)
	}
	return <-s.free
}

// Write copies p into chunks; it fails once dst has failed.
func (s *stage) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		if len(s.cur) == cap(s.cur) {
			if err := s.send(); err != nil {
				return n, err
			}
		}
		c := copy(s.cur[len(s.cur):cap(s.cur)], p)
		s.cur = s.cur[:len(s.cur)+c]
		p = p[c:]
		n += c
	}
	return n, nil
}

func (s *stage) send() error {
	if err := s.error(); err != nil {
		return err
	}
	s.full <- s.cur
	s.cur = s.chunk()
	return nil
}

// Close hands over the last chunk, waits until dst has written everything and
// returns dst's first error. It may be called more than once.
func (s *stage) Close() error {
	if !s.closed {
		s.closed = true
		if len(s.cur) > 0 {
			s.full <- s.cur
		}
		close(s.full)
		<-s.done
	}
	return s.error()
}
