package log

import (
	"bytes"
	"testing"
)

func TestLevelsAndStreams(t *testing.T) {
	var out, errOut bytes.Buffer
	l := New(&out, &errOut, InfoLevel, false)
	l.Debugf("hidden %d", 1)
	l.Infof("shown %d", 2)
	l.Warnf("careful")
	l.Errorf("broken: %s", "x")
	if got, want := out.String(), "shown 2\n"; got != want {
		t.Errorf("stdout = %q, want %q", got, want)
	}
	if got, want := errOut.String(), "Warning: careful\nERROR: broken: x\n"; got != want {
		t.Errorf("stderr = %q, want %q", got, want)
	}
}

func TestColour(t *testing.T) {
	var out, errOut bytes.Buffer
	New(&out, &errOut, DebugLevel, true).Errorf("x")
	if !bytes.Contains(errOut.Bytes(), []byte("\x1b[")) || !bytes.Contains(errOut.Bytes(), []byte("ERROR: ")) {
		t.Errorf("coloured error line = %q, want ANSI codes around ERROR: ", errOut.String())
	}
}

func TestParseLevel(t *testing.T) {
	for in, want := range map[string]Level{"debug": DebugLevel, "INFO": InfoLevel, "warn": WarnLevel, "error": ErrorLevel} {
		got, err := ParseLevel(in)
		if err != nil || got != want {
			t.Errorf("ParseLevel(%q) = %v, %v, want %v", in, got, err, want)
		}
	}
	if _, err := ParseLevel("loud"); err == nil {
		t.Error("ParseLevel(loud) succeeded, want error")
	}
}
