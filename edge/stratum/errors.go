package stratum

import "errors"

// Errors for bad input. A line that is not valid Stratum gets an error
// answer; a line too long closes the connection.
var (
	ErrLineTooLong   = errors.New("stratum: line over the limit")
	ErrNotJSON       = errors.New("stratum: not a JSON object")
	ErrNoMethod      = errors.New("stratum: no method")
	ErrBadID         = errors.New("stratum: id is not a number, string or null")
	ErrIDTooLong     = errors.New("stratum: id too long")
	ErrBadParams     = errors.New("stratum: params of the wrong type or count")
	ErrBadHex        = errors.New("stratum: not the hex the field needs")
	ErrMethodTooLong = errors.New("stratum: method name too long")
)
