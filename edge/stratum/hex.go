package stratum

// unhex is a hex digit's value, or 0xff.
var unhex = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = byte(c - '0')
	}
	for c := 'a'; c <= 'f'; c++ {
		t[c] = byte(c - 'a' + 10)
		t[c-'a'+'A'] = byte(c - 'a' + 10)
	}
	return t
}()

// Hex32 reads 1 to 8 hex digits, in either case, as a big-endian number:
// ntime, nonce, version bits and job ids come this way.
func Hex32(b []byte) (uint32, error) {
	if len(b) == 0 || len(b) > 8 {
		return 0, ErrBadHex
	}
	v, err := hexValue(b)
	return uint32(v), err
}

// HexBytes reads exactly 2n hex digits (n at most 8) as n bytes, returned
// as a big-endian number: an extranonce2 of n bytes.
func HexBytes(b []byte, n int) (uint64, error) {
	if n < 0 || n > 8 || len(b) != 2*n {
		return 0, ErrBadHex
	}
	return hexValue(b)
}

// hexValue reads up to 16 hex digits, in either case, as a big-endian
// number; the callers check the length.
func hexValue(b []byte) (uint64, error) {
	var v uint64
	for _, c := range b {
		d := unhex[c]
		if d == 0xff {
			return 0, ErrBadHex
		}
		v = v<<4 | uint64(d)
	}
	return v, nil
}
