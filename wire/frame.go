package wire

import (
	"encoding/binary"
	"fmt"
)

// Flags is the sixth byte of a frame header.
type Flags uint8

const (
	// FlagCompressed marks an s2-compressed payload. Only with CapCompression.
	FlagCompressed Flags = 1 << 0

	knownFlags = FlagCompressed
)

// header is a decoded frame header.
//
//	+----------------+------+-------+
//	| length u32 LE  | type | flags |
//	+----------------+------+-------+
//
// length counts the bytes after the header: the payload, and the tag when
// the link is sealed.
type header struct {
	length uint32
	typ    Type
	flags  Flags
}

func putHeader(b []byte, h header) {
	binary.LittleEndian.PutUint32(b, h.length)
	b[4] = byte(h.typ)
	b[5] = byte(h.flags)
}

// parseHeader checks a header against what the receiving end accepts: the
// length against maxLen before anything is read, the type against the
// protocol and the direction, the flags against the agreed capabilities.
func parseHeader(b []byte, maxLen int, from Direction, caps Caps) (header, error) {
	h := header{
		length: binary.LittleEndian.Uint32(b),
		typ:    Type(b[4]),
		flags:  Flags(b[5]),
	}
	switch {
	case uint64(h.length) > uint64(maxLen):
		return h, fmt.Errorf("%w: %d bytes, at most %d", ErrFrameTooLarge, h.length, maxLen)
	case !h.typ.Known():
		return h, fmt.Errorf("%w: 0x%02x", ErrUnknownType, uint8(h.typ))
	case h.typ.Direction()&from == 0:
		return h, fmt.Errorf("%w: %s", ErrWrongDirection, h.typ)
	case !h.typ.allowed(caps):
		return h, fmt.Errorf("%w: %s without its capability", ErrUnexpected, h.typ)
	case h.flags&^knownFlags != 0,
		h.flags&FlagCompressed != 0 && (!caps.Has(CapCompression) || !types[h.typ].compressible):
		return h, fmt.Errorf("%w: 0x%02x on %s", ErrBadFlags, uint8(h.flags), h.typ)
	}
	return h, nil
}

// nonce builds the AES-GCM nonce of a frame: 4 zero bytes and the frame's
// sequence number in its direction. Each direction has its own key, so a
// nonce is never used twice under one key.
func nonce(dst *[12]byte, seq uint64) []byte {
	binary.LittleEndian.PutUint64(dst[4:], seq)
	return dst[:]
}
