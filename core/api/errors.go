// Package api holds the types shared by the public engine API (package core) and every index
// implementation: error codes, feature flags, datasets, filters and the Engine contract.
package api

import (
	"errors"
	"fmt"

	"github.com/govsag/vsag/core/serial"
)

// ErrorCode is one of VSAG's error codes. The C ABI returns its negative.
type ErrorCode int

// VSAG's error codes, with VSAG's numbering.
const (
	OK                        ErrorCode = 0
	UnknownError              ErrorCode = 1
	InternalError             ErrorCode = 2
	InvalidArgument           ErrorCode = 3
	WrongStatus               ErrorCode = 4
	BuildTwice                ErrorCode = 5
	IndexNotEmpty             ErrorCode = 6
	UnsupportedIndex          ErrorCode = 7
	UnsupportedIndexOperation ErrorCode = 8
	DimensionNotEqual         ErrorCode = 9
	IndexEmpty                ErrorCode = 10
	NoEnoughMemory            ErrorCode = 11
	ReadError                 ErrorCode = 12
	MissingFile               ErrorCode = 13
	InvalidBinary             ErrorCode = 14
	maxErrorCode                        = InvalidBinary
)

var codeNames = [...]string{
	OK:                        "OK",
	UnknownError:              "UNKNOWN_ERROR",
	InternalError:             "INTERNAL_ERROR",
	InvalidArgument:           "INVALID_ARGUMENT",
	WrongStatus:               "WRONG_STATUS",
	BuildTwice:                "BUILD_TWICE",
	IndexNotEmpty:             "INDEX_NOT_EMPTY",
	UnsupportedIndex:          "UNSUPPORTED_INDEX",
	UnsupportedIndexOperation: "UNSUPPORTED_INDEX_OPERATION",
	DimensionNotEqual:         "DIMENSION_NOT_EQUAL",
	IndexEmpty:                "INDEX_EMPTY",
	NoEnoughMemory:            "NO_ENOUGH_MEMORY",
	ReadError:                 "READ_ERROR",
	MissingFile:               "MISSING_FILE",
	InvalidBinary:             "INVALID_BINARY",
}

// String returns VSAG's name of the code, such as "INVALID_ARGUMENT".
func (c ErrorCode) String() string {
	if c >= 0 && c <= maxErrorCode {
		return codeNames[c]
	}
	return fmt.Sprintf("ErrorCode(%d)", int(c))
}

// Error is the error type of the engine: a VSAG error code and a message naming the offending
// key or value. It may wrap a lower-level cause.
type Error struct {
	Code  ErrorCode
	Msg   string
	Cause error
}

// Error implements the error interface.
func (e *Error) Error() string {
	if e.Cause != nil {
		return e.Code.String() + ": " + e.Msg + ": " + e.Cause.Error()
	}
	return e.Code.String() + ": " + e.Msg
}

// Unwrap returns the cause, if any.
func (e *Error) Unwrap() error { return e.Cause }

// Errorf builds an *Error with the given code and formatted message.
func Errorf(code ErrorCode, format string, args ...any) *Error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...)}
}

// Wrap builds an *Error that wraps cause. If cause already carries a code, that code is kept
// and msg is added as context.
func Wrap(code ErrorCode, cause error, format string, args ...any) *Error {
	var inner *Error
	if errors.As(cause, &inner) {
		code = inner.Code
	}
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...), Cause: cause}
}

// CodeOf returns the error code carried by err: OK for nil, UnknownError when err carries none.
func CodeOf(err error) ErrorCode {
	if err == nil {
		return OK
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return UnknownError
}

// LoadError is the error of an engine's Load that failed reading what (a section or a part
// of one): READ_ERROR when the source failed, INVALID_BINARY when its bytes are wrong.
func LoadError(err error, index, what string) error {
	code := InvalidBinary
	if serial.IsReadError(err) {
		code = ReadError
	}
	return Wrap(code, err, "%s: load %s", index, what)
}
