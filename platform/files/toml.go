package files

import (
	"bytes"
	"os"
	"path/filepath"

	"github.com/BurntSushi/toml"
	"github.com/pkg/errors"
)

// readTOML decodes the TOML file at path into v. Keys that v has no field for
// are ignored (FIL-11).
func readTOML(path string, v any) error {
	data, err := readFile(path)
	if err != nil {
		return err
	}
	return decodeTOML(path, data, v)
}

// readFile reads path. A missing file keeps os.ErrNotExist in the chain.
func readFile(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, errors.Wrapf(err, "reading %s", path)
	}
	return data, nil
}

// decodeTOML decodes data, read from path, into v.
func decodeTOML(path string, data []byte, v any) error {
	if _, err := toml.Decode(string(data), v); err != nil {
		return errors.Wrapf(err, "parsing %s", path)
	}
	return nil
}

// writeTOML encodes v and writes it to path atomically with mode 0644,
// creating parent directories. The encoder writes struct fields in
// declaration order and map keys sorted, so the output is deterministic.
func writeTOML(path string, v any) error {
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(v); err != nil {
		return errors.Wrapf(err, "writing %s", path)
	}
	return errors.Wrapf(writeAtomic(path, buf.Bytes()), "writing %s", path)
}

// writeAtomic writes data to a temporary file next to path and renames it
// into place, so readers never see a partly written file.
func writeAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return err
	}
	// CreateTemp makes the file 0600; Chmod is not subject to the umask.
	if err := tmp.Chmod(0o644); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
