package stratum

import "bytes"

// MaxLine is the longest line accepted, with its newline: real messages are
// a few hundred bytes, an authorize with a long password a little more.
const MaxLine = 8 << 10

// Lines splits a stream into lines. It keeps bytes only for a line that
// spans reads, and never more than MaxLine.
type Lines struct {
	partial []byte
	max     int
}

// NewLines makes a splitter with the given limit (MaxLine when 0).
func NewLines(max int) *Lines {
	if max <= 0 {
		max = MaxLine
	}
	return &Lines{max: max}
}

// Feed hands every complete line in data to line, without its newline (and
// without a carriage return before it). Lines are valid only during the
// call. A line longer than the limit, complete or not, ends the feed with
// ErrLineTooLong; an error from line ends it too.
func (l *Lines) Feed(data []byte, line func([]byte) error) error {
	for len(data) > 0 {
		i := indexNewline(data)
		if i < 0 {
			if len(l.partial)+len(data) > l.max {
				l.partial = l.partial[:0]
				return ErrLineTooLong
			}
			l.partial = append(l.partial, data...)
			return nil
		}
		chunk := data[:i]
		data = data[i+1:]
		if len(l.partial) > 0 {
			if len(l.partial)+len(chunk) > l.max {
				l.partial = l.partial[:0]
				return ErrLineTooLong
			}
			chunk = append(l.partial, chunk...)
			l.partial = chunk[:0]
		} else if len(chunk) > l.max {
			return ErrLineTooLong
		}
		if n := len(chunk); n > 0 && chunk[n-1] == '\r' {
			chunk = chunk[:n-1]
		}
		if len(chunk) == 0 {
			continue
		}
		if err := line(chunk); err != nil {
			return err
		}
	}
	if cap(l.partial) > 1024 && len(l.partial) == 0 {
		l.partial = nil // give back what a long line borrowed
	}
	return nil
}

// Buffered is how many bytes of a partial line are held.
func (l *Lines) Buffered() int { return len(l.partial) }

func indexNewline(b []byte) int { return bytes.IndexByte(b, '\n') }
