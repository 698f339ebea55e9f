//go:build !unix

package layers

import (
	"io"
	"os"
)

// openFile opens a regular file for reading.
func openFile(path string) (io.ReadCloser, error) {
	return os.Open(path)
}
