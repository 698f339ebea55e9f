package api

import (
	"fmt"
	"strconv"
	"strings"
)

// Version is an API version of the form <major>.<minor>. The spec lets a
// version be written as "<major>", which means "<major>.0".
type Version struct {
	Major, Minor int
}

// ErrInvalidVersion is returned (wrapped) by Parse for text that is not a
// version.
var ErrInvalidVersion = fmt.Errorf("api: invalid version")

// Parse reads "<major>.<minor>" or "<major>". Components are non-negative
// decimal integers; anything else (an empty string, a "v" prefix, a patch
// component) is rejected.
func Parse(s string) (Version, error) {
	majorText, minorText, hasMinor := strings.Cut(s, ".")
	major, err := parseComponent(majorText)
	if err != nil {
		return Version{}, fmt.Errorf("%w %q", ErrInvalidVersion, s)
	}
	minor := 0
	if hasMinor {
		if minor, err = parseComponent(minorText); err != nil {
			return Version{}, fmt.Errorf("%w %q", ErrInvalidVersion, s)
		}
	}
	return Version{Major: major, Minor: minor}, nil
}

func parseComponent(s string) (int, error) {
	if s == "" || strings.TrimLeft(s, "0123456789") != "" {
		return 0, ErrInvalidVersion
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, err
	}
	return n, nil
}

// MustParse is Parse for versions written in this package's own tables.
func MustParse(s string) Version {
	v, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return v
}

// String renders the version as "<major>.<minor>".
func (v Version) String() string {
	return fmt.Sprintf("%d.%d", v.Major, v.Minor)
}

// Compare returns -1, 0 or +1 as v is older than, equal to or newer than o.
func (v Version) Compare(o Version) int {
	switch {
	case v.Major != o.Major:
		return sign(v.Major - o.Major)
	default:
		return sign(v.Minor - o.Minor)
	}
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

// AtLeast reports whether v is o or newer.
func (v Version) AtLeast(o Version) bool { return v.Compare(o) >= 0 }

// IsZero reports whether v is the zero value (no version given).
func (v Version) IsZero() bool { return v == Version{} }

// Range is a set of consecutive versions with the same major number, from Min
// to Max inclusive.
type Range struct {
	Min, Max Version
}

// Contains reports whether v lies in r.
func (r Range) Contains(v Version) bool {
	return v.AtLeast(r.Min) && r.Max.AtLeast(v)
}

// String renders the range as "<min>-<max>".
func (r Range) String() string { return r.Min.String() + "-" + r.Max.String() }
