package wire

import (
	"encoding/binary"
	"math"
	"unicode/utf8"
)

// Encoding helpers. All integers are little-endian; variable-length integers
// are unsigned LEB128 (encoding/binary's uvarint) in their shortest form;
// strings and byte strings are a uvarint length and the bytes.

func appendU16(b []byte, v uint16) []byte { return binary.LittleEndian.AppendUint16(b, v) }
func appendU32(b []byte, v uint32) []byte { return binary.LittleEndian.AppendUint32(b, v) }
func appendU64(b []byte, v uint64) []byte { return binary.LittleEndian.AppendUint64(b, v) }
func appendUvarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

// appendVarint writes v zigzag-encoded, so small negative deltas stay short.
func appendVarint(b []byte, v int64) []byte {
	return appendUvarint(b, uint64(v<<1)^uint64(v>>63))
}

func appendF64(b []byte, v float64) []byte { return appendU64(b, math.Float64bits(v)) }

// uvarintLen is the encoded size of v.
func uvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

// encodeError reports a value that cannot be encoded (over a limit, or
// invalid). Encoding never truncates silently.
func encodeError(t Type, field string, err error) error {
	return &DecodeError{Type: t, Field: field, Err: err}
}

// checkString validates a string before it is encoded.
func checkString(t Type, field, s string, max int) error {
	if len(s) > max {
		return encodeError(t, field, ErrLimit)
	}
	if !utf8.ValidString(s) {
		return encodeError(t, field, ErrInvalidValue)
	}
	return nil
}

func appendString(b []byte, s string) []byte {
	b = appendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendBytes(b []byte, p []byte) []byte {
	b = appendUvarint(b, uint64(len(p)))
	return append(b, p...)
}

// decoder reads a payload field by field. The first failure sticks: later
// reads return zero values, and err says which field failed and why.
type decoder struct {
	buf []byte
	off int
	typ Type
	err error
}

func newDecoder(t Type, b []byte) decoder { return decoder{buf: b, typ: t} }

func (d *decoder) fail(field string, err error) {
	if d.err == nil {
		d.err = &DecodeError{Type: d.typ, Field: field, Err: err}
	}
}

// take returns the next n bytes, or nil after recording a truncation.
func (d *decoder) take(field string, n int) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || len(d.buf)-d.off < n {
		d.fail(field, ErrTruncated)
		return nil
	}
	p := d.buf[d.off : d.off+n : d.off+n]
	d.off += n
	return p
}

func (d *decoder) u8(field string) uint8 {
	if p := d.take(field, 1); p != nil {
		return p[0]
	}
	return 0
}

func (d *decoder) u16(field string) uint16 {
	if p := d.take(field, 2); p != nil {
		return binary.LittleEndian.Uint16(p)
	}
	return 0
}

func (d *decoder) u32(field string) uint32 {
	if p := d.take(field, 4); p != nil {
		return binary.LittleEndian.Uint32(p)
	}
	return 0
}

func (d *decoder) u64(field string) uint64 {
	if p := d.take(field, 8); p != nil {
		return binary.LittleEndian.Uint64(p)
	}
	return 0
}

func (d *decoder) hash(field string) (h [32]byte) {
	if p := d.take(field, 32); p != nil {
		copy(h[:], p)
	}
	return h
}

// uvarint reads a shortest-form uvarint no larger than max.
func (d *decoder) uvarint(field string, max uint64) uint64 {
	if d.err != nil {
		return 0
	}
	v, n, err := readUvarint(d.buf[d.off:])
	if err != nil {
		d.fail(field, err)
		return 0
	}
	if v > max {
		d.fail(field, ErrLimit)
		return 0
	}
	d.off += n
	return v
}

// varint reads a zigzag varint that fits in an int32.
func (d *decoder) varint32(field string) int32 {
	u := d.uvarint(field, math.MaxUint32)
	return int32(u>>1) ^ -int32(u&1)
}

// f64 reads a finite, non-negative float (difficulties).
func (d *decoder) f64(field string) float64 {
	v := math.Float64frombits(d.u64(field))
	if d.err == nil && (math.IsNaN(v) || math.IsInf(v, 0) || v < 0) {
		d.fail(field, ErrInvalidValue)
		return 0
	}
	return v
}

// str reads a UTF-8 string of at most max bytes.
func (d *decoder) str(field string, max int) string {
	n := d.uvarint(field, uint64(max))
	p := d.take(field, int(n))
	if p == nil {
		return ""
	}
	if !utf8.Valid(p) {
		d.fail(field, ErrInvalidValue)
		return ""
	}
	return string(p)
}

// bytesInto reads a byte string of at most max bytes into dst's storage.
func (d *decoder) bytesInto(field string, max int, dst []byte) []byte {
	n := d.uvarint(field, uint64(max))
	p := d.take(field, int(n))
	if p == nil {
		return dst[:0]
	}
	return append(dst[:0], p...)
}

// enum reads one byte that must be below limit.
func (d *decoder) enum(field string, limit uint8) uint8 {
	v := d.u8(field)
	if d.err == nil && v >= limit {
		d.fail(field, ErrInvalidValue)
		return 0
	}
	return v
}

// boolean reads a byte that must be 0 or 1.
func (d *decoder) boolean(field string) bool { return d.enum(field, 2) == 1 }

// finish reports the first error, or trailing bytes after the last field.
func (d *decoder) finish() error {
	if d.err == nil && d.off != len(d.buf) {
		d.fail("end", ErrTrailingBytes)
	}
	return d.err
}

// readUvarint decodes a shortest-form uvarint of at most 64 bits.
func readUvarint(b []byte) (uint64, int, error) {
	var v uint64
	for i := 0; i < len(b) && i < binary.MaxVarintLen64; i++ {
		c := b[i]
		if i == binary.MaxVarintLen64-1 && c > 1 {
			return 0, 0, ErrLimit // over 64 bits
		}
		v |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			if c == 0 && i > 0 {
				return 0, 0, ErrNonCanonical // a trailing zero group
			}
			return v, i + 1, nil
		}
	}
	if len(b) < binary.MaxVarintLen64 {
		return 0, 0, ErrTruncated
	}
	return 0, 0, ErrLimit
}
