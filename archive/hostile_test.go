package archive

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pkg/errors"
)

// Hostile archives (issue 8 §3; CONFORMANCE RES-5, RES-6, ANA-9, LAY-5). Each
// case extracts one crafted tar into <base>/sandbox/dest, beside a sentinel
// directory <base>/outside holding a file "victim", and asserts that
//
//   - nothing appears, changes or disappears outside dest (the whole of
//     <base> is walked, the victim's contents, mode and link count checked);
//   - the outcome is the one chosen: an error naming the entry (or the tar
//     reader's error), or the entry skipped without error;
//   - nothing panics.
//
// Cases marked "restorer" extract the way phase/restore.go (and the
// analyzer's SBOM layer, phase/analyze.go) do: entry names are absolute
// image paths ("$P/..." below is dest's own path), extracted with
// WithStripPrefix(dest) through ReadAhead. Other cases call Extract plainly,
// relative names, as a library user would.
//
// Decisions asserted here, which Extract's doc comment states:
//
//   - an absolute name is re-rooted under dest (plain mode); in restorer
//     mode a name outside the layer's own path is skipped;
//   - ".." leaving dest is refused with ErrPathEscapes (plain mode); in
//     restorer mode the name is cleaned first, so it lands outside the
//     prefix and is skipped;
//   - symlinks are created as given, even pointing out of dest, but nothing
//     is ever written, linked, chmodded or removed through one;
//   - devices, fifos and unknown entry types are skipped without error
//     (a lifecycle layer never holds them, RPR-5);
//   - setuid, setgid and sticky bits are kept: the restorer runs as the
//     build user, so the files it makes are that user's and the bits grant
//     nothing the user does not have;
//   - whiteouts are applied only WithWhiteouts (the restorer never sets it:
//     a ".wh." file in a buildpack layer is an ordinary file);
//   - oversized or malformed headers and truncated data end the extraction
//     with the tar reader's error.

// hent is one entry of a hostile tar: its header and, for regular files,
// its body (the header's Size is set from it unless already set).
type hent struct {
	hdr  tar.Header
	body string
}

func reg(name, body string) hent {
	return hent{hdr: tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644}, body: body}
}

func dirent(name string, mode int64) hent {
	return hent{hdr: tar.Header{Name: name, Typeflag: tar.TypeDir, Mode: mode}}
}

func symlnk(name, target string) hent {
	return hent{hdr: tar.Header{Name: name, Typeflag: tar.TypeSymlink, Linkname: target, Mode: 0o777}}
}

func hardlnk(name, target string) hent {
	return hent{hdr: tar.Header{Name: name, Typeflag: tar.TypeLink, Linkname: target, Mode: 0o644}}
}

func special(name string, typ byte) hent {
	return hent{hdr: tar.Header{Name: name, Typeflag: typ, Mode: 0o666, Devmajor: 1, Devminor: 3}}
}

func withMode(e hent, mode int64) hent { e.hdr.Mode = mode; return e }

// hostileTar writes entries, replacing "$P" by prefix and "$O" by outside
// in names and link names.
func hostileTar(t *testing.T, prefix, outside string, entries []hent) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	sub := strings.NewReplacer("$P", prefix, "$O", outside)
	for _, e := range entries {
		h := e.hdr
		h.Name, h.Linkname = sub.Replace(h.Name), sub.Replace(h.Linkname)
		if h.Typeflag == tar.TypeReg && h.Size == 0 {
			h.Size = int64(len(e.body))
		}
		h.Format = tar.FormatPAX
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatalf("writing header %q: %v", h.Name, err)
		}
		if _, err := io.WriteString(tw, e.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// patchHeader overwrites the bytes at [off, off+len(field)) of the first
// header block of data and recomputes its checksum, as a hand-crafted
// hostile header would be.
func patchHeader(data []byte, off int, field []byte) []byte {
	out := append([]byte(nil), data...)
	copy(out[off:], field)
	copy(out[148:156], "        ")
	sum := 0
	for _, b := range out[:512] {
		sum += int(b)
	}
	copy(out[148:156], fmt.Sprintf("%06o\x00 ", sum))
	return out
}

// ustarFile is one ustar regular file header plus body, for patching.
func ustarFile(t *testing.T, name, body string) []byte {
	t.Helper()
	return append(rawEntry(t, tar.TypeReg, name, body), make([]byte, 1024)...)
}

// rawEntry is one ustar entry of type typ (written as a regular file, then
// retyped by hand: the tar writer refuses special types), its body padded,
// without the end-of-archive blocks.
func rawEntry(t *testing.T, typ byte, name, body string) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(body)), Format: tar.FormatUSTAR}); err != nil {
		t.Fatal(err)
	}
	io.WriteString(tw, body)
	tw.Flush()
	if typ == tar.TypeReg {
		return buf.Bytes()
	}
	return patchHeader(buf.Bytes(), 156, []byte{typ})
}

// paxRecords encodes PAX records "key=value" with their length prefixes.
func paxRecords(kvs ...string) string {
	var b strings.Builder
	for _, kv := range kvs {
		rec := " " + kv + "\n"
		n := len(rec) + len(strconv.Itoa(len(rec)))
		if len(strconv.Itoa(n)) != len(strconv.Itoa(len(rec))) {
			n++
		}
		b.WriteString(strconv.Itoa(n) + rec)
	}
	return b.String()
}

// withPAX is a tar of one regular file name (body) preceded by a PAX
// extended header holding records, which the tar writer would not write.
func withPAX(t *testing.T, name, body string, kvs ...string) []byte {
	t.Helper()
	out := rawEntry(t, tar.TypeXHeader, "PaxHeaders/"+name, paxRecords(kvs...))
	out = append(out, rawEntry(t, tar.TypeReg, name, body)...)
	return append(out, make([]byte, 1024)...)
}

type hostileCase struct {
	name string
	// restorer extracts as the restorer does (see above).
	restorer  bool
	whiteouts bool
	entries   []hent
	// lower, when set, is extracted first with the same options and must
	// succeed: a layer below the hostile one.
	lower []hent
	// raw, when set, is the archive instead of entries.
	raw func(t *testing.T) []byte
	// wantErr is a substring of the error; "" wants success.
	wantErr string
	wantIs  error
	// check looks at dest after extraction.
	check func(t *testing.T, dest string)
}

func TestHostileArchives(t *testing.T) {
	long := strings.Repeat("n", 300)                         // longer than NAME_MAX
	deep := strings.Repeat(strings.Repeat("d", 200)+"/", 25) // 5000 bytes, longer than PATH_MAX
	huge := strings.Repeat("x", 2<<20)                       // a PAX record of 2 MiB
	many := strings.Repeat("k", 900<<10)                     // just under the reader's 1 MiB PAX limit
	exists := func(rel string) func(*testing.T, string) { return wantPresent(rel, true) }
	absent := func(rel string) func(*testing.T, string) { return wantPresent(rel, false) }
	cases := []hostileCase{
		// Names leaving dest.
		{name: "plain/dot-dot", entries: []hent{reg("../x", "evil")}, wantIs: ErrPathEscapes},
		{name: "plain/inner dot-dot", entries: []hent{reg("a/../../x", "evil")}, wantIs: ErrPathEscapes},
		{name: "plain/rooted dot-dot", entries: []hent{reg("/../../x", "evil")}, wantIs: ErrPathEscapes},
		{name: "plain/dot then dot-dot", entries: []hent{reg("./../x", "evil")}, wantIs: ErrPathEscapes},
		{name: "plain/dot-dot directory", entries: []hent{dirent("../d/", 0o777)}, wantIs: ErrPathEscapes},
		{name: "plain/absolute is re-rooted", entries: []hent{reg("/etc/x", "rerooted")}, check: exists("etc/x")},
		{name: "restorer/dot-dot out of the layer is skipped", restorer: true, entries: []hent{reg("$P/../x", "evil"), reg("$P/ok", "ok")}, check: exists("ok")},
		{name: "restorer/inner dot-dot is skipped", restorer: true, entries: []hent{reg("$P/a/../../x", "evil")}, check: absent("x")},
		{name: "restorer/relative dot-dot is skipped", restorer: true, entries: []hent{reg("../../../x", "evil")}},
		{name: "restorer/absolute elsewhere is skipped", restorer: true, entries: []hent{reg("/etc/x", "evil"), reg("$O/victim", "evil")}, check: absent("etc")},
		{name: "restorer/sibling sharing the prefix string is skipped", restorer: true, entries: []hent{reg("$P-evil/x", "evil"), reg("$Px", "evil")}},

		// Symlinks out of dest, then entries through them.
		{name: "restorer/absolute symlink then file", restorer: true, entries: []hent{symlnk("$P/l", "$O"), reg("$P/l/pwned", "evil")}, wantErr: "extracting l/pwned"},
		{name: "restorer/relative symlink then file", restorer: true, entries: []hent{symlnk("$P/l", "../.."), reg("$P/l/outside/pwned", "evil")}, wantErr: "extracting l/outside/pwned"},
		{name: "plain/symlink to dot-dot then file", entries: []hent{symlnk("l", ".."), reg("l/pwned", "evil")}, wantErr: "extracting l/pwned"},
		{name: "plain/symlink chain then file", entries: []hent{symlnk("a", "b"), symlnk("b", "c"), symlnk("c", "$O"), reg("a/pwned", "evil")}, wantErr: "extracting a/pwned"},
		{name: "plain/relative symlink chain then file", entries: []hent{dirent("s/", 0o755), symlnk("s/a", "../b"), symlnk("b", "s/c"), symlnk("s/c", "../../../outside"), reg("s/a/pwned", "evil")}, wantErr: "extracting s/a/pwned"},
		{name: "restorer/symlink then directory", restorer: true, entries: []hent{symlnk("$P/l", "$O"), dirent("$P/l/d/", 0o777)}, wantErr: "extracting l/d"},
		{name: "plain/symlink then file of the same name replaces the link", entries: []hent{symlnk("l", "$O/victim"), reg("l", "replaced")}, check: wantFile("l", "replaced")},
		{name: "plain/symlink then directory of the same name replaces the link", entries: []hent{symlnk("l", "$O"), dirent("l/", 0o777), reg("l/f", "in")}, check: wantFile("l/f", "in")},
		{name: "plain/directory replaced by a symlink keeps outside's mode", entries: []hent{dirent("d/", 0o777), symlnk("d", "$O")}, check: wantSymlink("d")},
		{name: "plain/symlink to outside file is kept as a link", entries: []hent{symlnk("l", "$O/victim")}, check: wantSymlink("l")},

		// Hard links to outside files.
		{name: "plain/hardlink dot-dot", entries: []hent{hardlnk("h", "../../outside/victim")}, wantIs: ErrPathEscapes},
		{name: "plain/hardlink absolute is re-rooted and missing", entries: []hent{hardlnk("h", "$O/victim")}, wantErr: "extracting h"},
		{name: "plain/hardlink through a symlink", entries: []hent{symlnk("l", "$O"), hardlnk("h", "l/victim")}, wantErr: "extracting h"},
		{name: "plain/hardlink to a symlink links the symlink", entries: []hent{symlnk("l", "$O/victim"), hardlnk("h", "l")}, check: wantSymlink("h")},
		{name: "plain/hardlink to itself", entries: []hent{hardlnk("h", "h")}, wantErr: "extracting h"},
		{name: "restorer/hardlink outside the layer", restorer: true, entries: []hent{hardlnk("$P/h", "$O/victim")}, wantIs: ErrPathEscapes},
		{name: "restorer/hardlink dot-dot out of the layer", restorer: true, entries: []hent{hardlnk("$P/h", "$P/../../outside/victim")}, wantIs: ErrPathEscapes},
		{name: "restorer/hardlink through a symlink", restorer: true, entries: []hent{symlnk("$P/l", "$O"), hardlnk("$P/h", "$P/l/victim")}, wantErr: "extracting h"},

		// Devices, fifos, unknown types: skipped.
		{name: "plain/char device skipped", entries: []hent{special("null", tar.TypeChar), reg("after", "a")}, check: both(absent("null"), exists("after"))},
		{name: "plain/block device skipped", entries: []hent{special("sda", tar.TypeBlock)}, check: absent("sda")},
		{name: "plain/fifo skipped", entries: []hent{special("fifo", tar.TypeFifo)}, check: absent("fifo")},
		{name: "plain/unknown type skipped", entries: []hent{special("odd", 'Z')}, check: absent("odd")},
		{name: "restorer/char device skipped", restorer: true, entries: []hent{special("$P/null", tar.TypeChar)}, check: absent("null")},
		{name: "plain/device named dot-dot", entries: []hent{special("../null", tar.TypeChar)}, wantIs: ErrPathEscapes},

		// Mode bits: kept.
		{name: "plain/setuid file kept", entries: []hent{withMode(reg("suid", "s"), 0o4755)}, check: wantMode("suid", fs.ModeSetuid|0o755)},
		{name: "plain/setgid directory kept", entries: []hent{dirent("sgid/", 0o2775)}, check: wantMode("sgid", fs.ModeDir|fs.ModeSetgid|0o775)},
		{name: "plain/sticky directory kept", entries: []hent{dirent("tmp/", 0o1777)}, check: wantMode("tmp", fs.ModeDir|fs.ModeSticky|0o777)},
		{name: "restorer/setuid setgid file kept", restorer: true, entries: []hent{withMode(reg("$P/bin", "s"), 0o6755)}, check: wantMode("bin", fs.ModeSetuid|fs.ModeSetgid|0o755)},
		{name: "plain/file type bits in mode ignored", entries: []hent{withMode(reg("f", "x"), 0o170644)}, check: wantMode("f", 0o644)},

		// Whiteouts.
		{name: "whiteout/naming dot-dot", whiteouts: true, entries: []hent{reg(".wh..", "")}, wantErr: "invalid whiteout"},
		{name: "whiteout/empty name", whiteouts: true, entries: []hent{reg("d/.wh.", "")}, wantErr: "invalid whiteout"},
		{name: "whiteout/in a dot-dot directory", whiteouts: true, entries: []hent{reg("../.wh.victim", "")}, wantIs: ErrPathEscapes},
		{name: "whiteout/through a symlink", whiteouts: true, entries: []hent{symlnk("l", "$O"), reg("l/.wh.victim", "")}, wantErr: "extracting l/.wh.victim"},
		{name: "whiteout/opaque through a symlink", whiteouts: true, entries: []hent{symlnk("l", "$O"), reg("l/.wh..wh..opq", "")}, wantErr: "extracting l/.wh..wh..opq"},
		{name: "whiteout/of a symlink written by the same tar is ignored", whiteouts: true, entries: []hent{symlnk("l", "$O"), reg(".wh.l", "")}, check: wantSymlink("l")},
		{name: "whiteout/of a lower symlink removes only the link", whiteouts: true, lower: []hent{symlnk("l", "$O")}, entries: []hent{reg(".wh.l", "")}, check: absent("l")},
		{name: "whiteout/opaque over a lower symlink to outside", whiteouts: true, lower: []hent{dirent("d/", 0o755), symlnk("d/l", "$O")}, entries: []hent{reg("d/.wh..wh..opq", "")}, check: absent("d/l")},
		{name: "whiteout/through a lower symlink", whiteouts: true, lower: []hent{symlnk("l", "$O")}, entries: []hent{reg("l/.wh.victim", "")}, wantErr: "extracting l/.wh.victim"},
		{name: "plain/file through a lower symlink", lower: []hent{symlnk("l", "$O")}, entries: []hent{reg("l/pwned", "evil")}, wantErr: "extracting l/pwned"},
		{name: "restorer/file through a symlink already in the layer", restorer: true, lower: []hent{symlnk("$P/l", "$O")}, entries: []hent{reg("$P/l/victim", "evil")}, wantErr: "extracting l/victim"},
		{name: "whiteout/opaque at the top", whiteouts: true, entries: []hent{reg("kept", "k"), reg(".wh..wh..opq", "")}, check: exists("kept")},
		{name: "whiteout/as a directory", whiteouts: true, entries: []hent{dirent(".wh.victim/", 0o755)}},
		{name: "restorer/whiteouts are ordinary files", restorer: true, entries: []hent{reg("$P/.wh.victim", ""), reg("$P/.wh..wh..opq", "")}, check: both(exists(".wh.victim"), exists(".wh..wh..opq"))},

		// Oversized and malformed headers, truncated data.
		{name: "header/PAX record of 2 MiB", raw: func(t *testing.T) []byte { return withPAX(t, "f", "x", "comment="+huge) }, wantErr: "header field too long"},
		{name: "header/PAX header declaring 8 GiB", raw: func(t *testing.T) []byte {
			return patchHeader(rawEntry(t, tar.TypeXHeader, "PaxHeaders/f", paxRecords("comment=x")), 124, []byte("77777777777\x00"))
		}, wantErr: "unexpected EOF"},
		{name: "header/GNU long name of 2 MiB", raw: func(t *testing.T) []byte {
			return append(rawEntry(t, tar.TypeGNULongName, "././@LongLink", huge), ustarFile(t, "f", "x")...)
		}, wantErr: "header field too long"},
		{name: "header/PAX records just under the limit", raw: func(t *testing.T) []byte { return withPAX(t, "f", "ok", "comment="+many) }, check: wantFile("f", "ok")},
		{name: "header/name component longer than NAME_MAX", entries: []hent{reg(long, "x")}, wantErr: "file name too long"},
		{name: "header/name longer than PATH_MAX is extracted below dest", entries: []hent{reg(deep+"f", "x")}, check: exists(deep[:200])},
		{name: "header/link name longer than PATH_MAX", entries: []hent{symlnk("l", strings.Repeat("/a", 3000))}, wantErr: "file name too long"},
		{name: "header/size beyond the data (truncated)", raw: func(t *testing.T) []byte {
			return ustarFile(t, "f", strings.Repeat("x", 4096))[:512+100]
		}, wantErr: "unexpected EOF"},
		{name: "header/size of 8 GiB, no data", raw: func(t *testing.T) []byte {
			return patchHeader(rawEntry(t, tar.TypeReg, "f", ""), 124, []byte("77777777777\x00"))
		}, wantErr: "unexpected EOF"},
		{name: "header/truncated inside a header", raw: func(t *testing.T) []byte { return ustarFile(t, "f", "x")[:300] }, wantErr: "unexpected EOF"},
		{name: "header/negative size", raw: func(t *testing.T) []byte {
			return patchHeader(ustarFile(t, "f", "x"), 124, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe})
		}, wantErr: "invalid tar header"},
		{name: "header/garbage size", raw: func(t *testing.T) []byte { return patchHeader(ustarFile(t, "f", "x"), 124, []byte("zzzzzzzzzzz\x00")) }, wantErr: "invalid tar header"},
		{name: "header/garbage mode", raw: func(t *testing.T) []byte { return patchHeader(ustarFile(t, "f", "x"), 100, []byte("9q9q9q9\x00")) }, wantErr: "invalid tar header"},
		{name: "header/bad checksum", raw: func(t *testing.T) []byte {
			d := ustarFile(t, "f", "x")
			d[148] ^= 1
			return d
		}, wantErr: "invalid tar header"},
		{name: "header/PAX negative size", raw: func(t *testing.T) []byte { return withPAX(t, "f", "x", "size=-5") }, wantErr: "invalid tar header"},
		{name: "header/PAX garbage uid", raw: func(t *testing.T) []byte { return withPAX(t, "f", "x", "uid=99999999999999999999999") }, wantErr: "invalid tar header"},
		{name: "header/PAX malformed record", raw: func(t *testing.T) []byte { return withPAX(t, "f", "x", "nonsense") }, wantErr: "invalid tar header"},
		{name: "header/PAX path with dot-dot", raw: func(t *testing.T) []byte { return withPAX(t, "f", "evil", "path=../../x") }, wantIs: ErrPathEscapes},
		{name: "header/PAX linkpath out of dest", raw: func(t *testing.T) []byte {
			return append(patchHeader(rawEntry(t, tar.TypeXHeader, "PaxHeaders/h", paxRecords("linkpath=../../outside/victim")), 0, nil), append(rawEntry(t, tar.TypeLink, "h", ""), make([]byte, 1024)...)...)
		}, wantIs: ErrPathEscapes},
		{name: "header/not a tar", raw: func(*testing.T) []byte { return bytes.Repeat([]byte("not a tar "), 100) }, wantErr: "reading tar"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			base := t.TempDir()
			outside := filepath.Join(base, "outside")
			if err := os.Mkdir(outside, 0o750); err != nil {
				t.Fatal(err)
			}
			victim := filepath.Join(outside, "victim")
			if err := os.WriteFile(victim, []byte("original"), 0o640); err != nil {
				t.Fatal(err)
			}
			dest := filepath.Join(base, "sandbox", "dest")
			prefix := filepath.ToSlash(dest)
			var data []byte
			if tc.raw != nil {
				data = tc.raw(t)
			} else {
				data = hostileTar(t, prefix, outside, tc.entries)
			}
			var opts []ExtractOption
			if tc.whiteouts {
				opts = append(opts, WithWhiteouts())
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			var err error
			if tc.lower != nil {
				lopts := opts
				if tc.restorer {
					lopts = append(lopts, WithStripPrefix(prefix))
				}
				if err := Extract(ctx, bytes.NewReader(hostileTar(t, prefix, outside, tc.lower)), dest, lopts...); err != nil {
					t.Fatalf("extracting the lower layer: %v", err)
				}
			}
			if tc.restorer {
				ra := ReadAhead(bytes.NewReader(data))
				err = Extract(ctx, ra, dest, append(opts, WithStripPrefix(prefix))...)
				ra.Close()
			} else {
				err = Extract(ctx, bytes.NewReader(data), dest, opts...)
			}
			switch {
			case tc.wantErr == "" && tc.wantIs == nil:
				if err != nil {
					t.Errorf("Extract() = %v, want nil", err)
				}
			case err == nil:
				t.Errorf("Extract() = nil, want an error containing %q (is %v)", tc.wantErr, tc.wantIs)
			default:
				t.Logf("Extract() = %v", err)
				if tc.wantIs != nil && !errors.Is(err, tc.wantIs) {
					t.Errorf("Extract() = %v, want %v", err, tc.wantIs)
				}
				if !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("Extract() = %v, want it to contain %q", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), "\n") {
					t.Errorf("Extract() = %q, want one line", err)
				}
			}
			wantNothingOutside(t, base, dest, victim)
			if tc.check != nil {
				tc.check(t, dest)
			}
		})
	}
}

// wantNothingOutside fails unless base holds only dest's tree, its parents
// and the untouched sentinel (outside/victim: contents, mode, one link).
func wantNothingOutside(t *testing.T, base, dest, victim string) {
	t.Helper()
	allowed := map[string]bool{base: true, filepath.Dir(dest): true, filepath.Dir(victim): true, victim: true}
	_ = filepath.WalkDir(base, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			t.Errorf("walking %s: %v", p, err)
			return nil
		}
		if p == dest || strings.HasPrefix(p, dest+string(filepath.Separator)) {
			if d.IsDir() && p != dest {
				return nil
			}
			if p == dest {
				return filepath.SkipDir
			}
		}
		if !allowed[p] {
			t.Errorf("extraction wrote %s outside its destination", p)
		}
		return nil
	})
	fi, err := os.Lstat(victim)
	if err != nil {
		t.Fatalf("the sentinel outside dest is gone: %v", err)
	}
	if data, _ := os.ReadFile(victim); string(data) != "original" {
		t.Errorf("the sentinel outside dest now holds %q", data)
	}
	if fi.Mode() != 0o640 {
		t.Errorf("the sentinel outside dest has mode %v, want -rw-r-----", fi.Mode())
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Nlink != 1 {
		t.Errorf("the sentinel outside dest has %d links, want 1", st.Nlink)
	}
	if fi, err := os.Stat(filepath.Dir(victim)); err != nil || fi.Mode() != fs.ModeDir|0o750 {
		t.Errorf("the directory outside dest: %v, %v, want mode drwxr-x---", fi, err)
	}
}

func wantPresent(rel string, want bool) func(*testing.T, string) {
	return func(t *testing.T, dest string) {
		t.Helper()
		_, err := os.Lstat(filepath.Join(dest, rel))
		if got := err == nil; got != want {
			t.Errorf("%s exists: %v, want %v", rel, got, want)
		}
	}
}

func wantFile(rel, body string) func(*testing.T, string) {
	return func(t *testing.T, dest string) {
		t.Helper()
		p := filepath.Join(dest, rel)
		fi, err := os.Lstat(p)
		if err != nil || !fi.Mode().IsRegular() {
			t.Errorf("%s: %v, %v, want a regular file", rel, fi, err)
			return
		}
		if data, _ := os.ReadFile(p); string(data) != body {
			t.Errorf("%s holds %q, want %q", rel, data, body)
		}
	}
}

func wantSymlink(rel string) func(*testing.T, string) {
	return func(t *testing.T, dest string) {
		t.Helper()
		if fi, err := os.Lstat(filepath.Join(dest, rel)); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			t.Errorf("%s: %v, %v, want a symlink", rel, fi, err)
		}
	}
}

func wantMode(rel string, mode fs.FileMode) func(*testing.T, string) {
	return func(t *testing.T, dest string) {
		t.Helper()
		if fi, err := os.Lstat(filepath.Join(dest, rel)); err != nil || fi.Mode() != mode {
			t.Errorf("%s: %v, %v, want mode %v", rel, fi, err, mode)
		}
	}
}

func both(checks ...func(*testing.T, string)) func(*testing.T, string) {
	return func(t *testing.T, dest string) {
		t.Helper()
		for _, c := range checks {
			c(t, dest)
		}
	}
}
