package archive

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"testing"
	"testing/iotest"
)

// TestReadAhead: the bytes come out as they went in, whatever the sizes of
// the reads on both sides; r's error is passed on; Close ends the goroutine
// early without blocking.
func TestReadAhead(t *testing.T) {
	data := make([]byte, 3*aheadChunk+12345)
	rng := rand.NewChaCha8([32]byte{7})
	_, _ = rng.Read(data)
	for _, tc := range []struct {
		src  io.Reader
		want []byte
	}{
		{bytes.NewReader(data), data},
		{iotest.OneByteReader(bytes.NewReader(data[:5000])), data[:5000]},
		{iotest.HalfReader(bytes.NewReader(data)), data},
	} {
		ra := ReadAhead(tc.src)
		got, err := io.ReadAll(iotest.HalfReader(ra))
		if err != nil || !bytes.Equal(got, tc.want) {
			t.Errorf("ReadAll = %d bytes, %v; want %d bytes", len(got), err, len(tc.want))
		}
		ra.Close()
	}

	boom := errors.New("boom")
	ra := ReadAhead(io.MultiReader(bytes.NewReader(data[:1000]), iotest.ErrReader(boom)))
	if _, err := io.ReadAll(ra); !errors.Is(err, boom) {
		t.Errorf("ReadAll = %v, want %v", err, boom)
	}
	ra.Close()

	ra = ReadAhead(bytes.NewReader(data))
	buf := make([]byte, 10)
	if _, err := ra.Read(buf); err != nil {
		t.Fatal(err)
	}
	ra.Close()
	if _, err := ra.Read(buf); err == nil {
		// A read after Close may still return buffered bytes, but must
		// end with an error rather than block.
		for err == nil {
			_, err = ra.Read(buf)
		}
	}
}
