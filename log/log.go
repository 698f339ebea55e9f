package log

import (
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/heroku/color"
)

// Level is a log level.
type Level int

// Log levels, from the most verbose.
const (
	DebugLevel Level = iota
	InfoLevel
	WarnLevel
	ErrorLevel
)

// ParseLevel reads a level name as given to -log-level / CNB_LOG_LEVEL.
func ParseLevel(s string) (Level, error) {
	switch strings.ToLower(s) {
	case "debug":
		return DebugLevel, nil
	case "info":
		return InfoLevel, nil
	case "warn", "warning":
		return WarnLevel, nil
	case "error":
		return ErrorLevel, nil
	}
	return 0, fmt.Errorf("invalid log level %q: want debug, info, warn or error", s)
}

// Logger writes leveled lines. Its methods are safe for concurrent use.
type Logger struct {
	mu    sync.Mutex
	out   io.Writer
	err   io.Writer
	level Level
	color bool
}

// New returns a Logger writing debug and info lines to out and warnings and
// errors to errOut. With colour on, prefixes and phase headers carry ANSI
// colour codes.
func New(out, errOut io.Writer, level Level, colour bool) *Logger {
	return &Logger{out: out, err: errOut, level: level, color: colour}
}

// Discard returns a Logger that writes nothing.
func Discard() *Logger { return New(io.Discard, io.Discard, ErrorLevel+1, false) }

// Level returns the logger's level.
func (l *Logger) Level() Level { return l.level }

// Enabled reports whether lines of level lv are written.
func (l *Logger) Enabled(lv Level) bool { return lv >= l.level }

func (l *Logger) paint(c *color.Color, s string) string {
	if !l.color {
		return s
	}
	return c.Sprint(s)
}

func (l *Logger) write(w io.Writer, prefix, format string, args []any) {
	msg := fmt.Sprintf(format, args...)
	if !strings.HasSuffix(msg, "\n") {
		msg += "\n"
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	_, _ = io.WriteString(w, prefix+msg)
}

// Debugf writes a line at debug level to the info writer.
func (l *Logger) Debugf(format string, args ...any) {
	if l.Enabled(DebugLevel) {
		l.write(l.out, "", format, args)
	}
}

// Infof writes a line at info level.
func (l *Logger) Infof(format string, args ...any) {
	if l.Enabled(InfoLevel) {
		l.write(l.out, "", format, args)
	}
}

// Warnf writes a "Warning: " line to the error writer.
func (l *Logger) Warnf(format string, args ...any) {
	if l.Enabled(WarnLevel) {
		l.write(l.err, l.paint(color.New(color.FgYellow, color.Bold), "Warning: "), format, args)
	}
}

// Errorf writes an "ERROR: " line to the error writer. Errors are written at
// every level.
func (l *Logger) Errorf(format string, args ...any) {
	l.write(l.err, l.paint(color.New(color.FgRed, color.Bold), "ERROR: "), format, args)
}

// Phase writes a phase header such as "===> DETECTING" at info level
// (CONFORMANCE GEN-11).
func (l *Logger) Phase(name string) {
	if l.Enabled(InfoLevel) {
		l.write(l.out, "", "%s", []any{l.paint(color.New(color.FgCyan, color.Bold), "===> "+strings.ToUpper(name))})
	}
}

// Writer returns a writer for raw output (such as a buildpack's own stdout)
// at level lv, or io.Discard when that level is off.
func (l *Logger) Writer(lv Level) io.Writer {
	if !l.Enabled(lv) {
		return io.Discard
	}
	if lv >= WarnLevel {
		return lockedWriter{l: l, w: l.err}
	}
	return lockedWriter{l: l, w: l.out}
}

type lockedWriter struct {
	l *Logger
	w io.Writer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.l.mu.Lock()
	defer w.l.mu.Unlock()
	return w.w.Write(p)
}
