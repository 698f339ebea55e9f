// Package fsutil holds small file helpers shared by the phases.
package fsutil

import (
	"bufio"
	"os"
	"strings"
)

// OSRelease is what /etc/os-release says of the distribution.
type OSRelease struct {
	ID        string
	VersionID string
}

// ReadOSRelease reads ID and VERSION_ID from an os-release file
// (os-release(5)): KEY=value lines, values optionally quoted. A missing file
// gives an empty result.
func ReadOSRelease(path string) (OSRelease, error) {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return OSRelease{}, nil
	}
	if err != nil {
		return OSRelease{}, err
	}
	defer f.Close()
	var r OSRelease
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), "=")
		if !ok {
			continue
		}
		v = strings.Trim(v, `"'`)
		switch k {
		case "ID":
			r.ID = v
		case "VERSION_ID":
			r.VersionID = v
		}
	}
	return r, sc.Err()
}
