package wire

import (
	"errors"
	"fmt"
)

// ErrMalformed is wrapped by every error that blames the bytes a peer sent,
// as opposed to the connection under them. A link that sees one closes.
var ErrMalformed = errors.New("wire: malformed input")

// malformedError is a sentinel that is also an ErrMalformed.
type malformedError struct{ msg string }

func (e *malformedError) Error() string { return "wire: " + e.msg }
func (e *malformedError) Unwrap() error { return ErrMalformed }

// Errors for bad input. Each satisfies errors.Is(err, ErrMalformed).
var (
	ErrTruncated      error = &malformedError{"truncated"}
	ErrTrailingBytes  error = &malformedError{"trailing bytes"}
	ErrLimit          error = &malformedError{"count or length over its limit"}
	ErrNonCanonical   error = &malformedError{"non-canonical encoding"}
	ErrInvalidValue   error = &malformedError{"invalid value"}
	ErrFrameTooLarge  error = &malformedError{"frame larger than the agreed maximum"}
	ErrUnknownType    error = &malformedError{"unknown message type"}
	ErrWrongDirection error = &malformedError{"message type not allowed from this end"}
	ErrUnexpected     error = &malformedError{"message not allowed in this state"}
	ErrBadFlags       error = &malformedError{"reserved or unagreed frame flags"}
	ErrAuthentication error = &malformedError{"frame failed authentication (tampered, or wrong key)"}
	ErrDecompress     error = &malformedError{"bad compressed payload"}
)

// Errors a handshake can end with besides malformed input and I/O errors.
var (
	ErrVersion          = errors.New("wire: no common protocol version")
	ErrPlaintextRefused = errors.New("wire: plain text refused: it needs both ends on loopback and allow_plaintext set")
	ErrNoKey            = errors.New("wire: no link key configured")
)

// DecodeError is a malformed message: its type, the field that failed and why.
type DecodeError struct {
	Type  Type
	Field string
	Err   error
}

func (e *DecodeError) Error() string {
	cause := e.Err.Error()
	if m, ok := e.Err.(*malformedError); ok {
		cause = m.msg
	}
	return fmt.Sprintf("wire: %s.%s: %s", e.Type, e.Field, cause)
}

// Unwrap lets errors.Is see both the cause and ErrMalformed.
func (e *DecodeError) Unwrap() []error { return []error{e.Err, ErrMalformed} }

// GoodbyeError is returned when the peer closed the link with a GOODBYE.
type GoodbyeError struct {
	Reason GoodbyeReason
	Detail string
}

func (e *GoodbyeError) Error() string {
	if e.Detail == "" {
		return fmt.Sprintf("wire: peer said goodbye: %s", e.Reason)
	}
	return fmt.Sprintf("wire: peer said goodbye: %s: %s", e.Reason, e.Detail)
}
