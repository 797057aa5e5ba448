// Package vlog is the library's logger: VSAG's levels, a process-wide level and one sink (a
// function the embedding program supplies: the C ABI's callback, Python's logging, Node's
// callback). Without a sink nothing is written.
package vlog

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/govsag/vsag/core/api"
)

// Level is a log level with VSAG's numbering (Logger::Level).
type Level int

// VSAG's log levels.
const (
	Trace Level = iota
	Debug
	Info
	Warn
	Error
	Critical
	Off
)

var levelNames = [...]string{"trace", "debug", "info", "warn", "error", "critical", "off"}

// String returns the level's name, such as "info".
func (l Level) String() string {
	if l >= Trace && l <= Off {
		return levelNames[l]
	}
	return fmt.Sprintf("Level(%d)", int(l))
}

// Sink receives each message at or above the level in force. It may be called from any
// goroutine, one call at a time.
type Sink func(level Level, msg string)

var (
	level  atomic.Int64
	sink   atomic.Pointer[Sink]
	sinkMu sync.Mutex // serialises calls of the sink
)

func init() { level.Store(int64(Info)) }

// SetLevel sets the level below which messages are dropped; outside Trace..Off is
// INVALID_ARGUMENT.
func SetLevel(l Level) error {
	if l < Trace || l > Off {
		return api.Errorf(api.InvalidArgument, "log level %d must be in 0..6 (trace..off)", int(l))
	}
	level.Store(int64(l))
	return nil
}

// CurrentLevel returns the level in force (Info by default).
func CurrentLevel() Level { return Level(level.Load()) }

// SetSink makes fn receive the messages (nil: drop them).
func SetSink(fn Sink) {
	if fn == nil {
		sink.Store(nil)
		return
	}
	sink.Store(&fn)
}

// Enabled reports whether a message at l would reach a sink.
func Enabled(l Level) bool {
	return l >= Level(level.Load()) && l < Off && sink.Load() != nil
}

// Logf formats and sends a message at l when Enabled(l).
func Logf(l Level, format string, args ...any) {
	if !Enabled(l) {
		return
	}
	fn := sink.Load()
	if fn == nil {
		return
	}
	msg := fmt.Sprintf(format, args...)
	sinkMu.Lock()
	defer sinkMu.Unlock()
	(*fn)(l, msg)
}
