package proxyproto

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net/netip"
	"strconv"
)

// Errors.
var (
	ErrNotProxy   = errors.New("proxyproto: no PROXY header")
	ErrMalformed  = errors.New("proxyproto: malformed PROXY header")
	ErrIncomplete = errors.New("proxyproto: header incomplete")
)

var v2sig = []byte("\r\n\r\n\x00\r\nQUIT\n")

// maxV1 is version 1's longest header, with its CRLF.
const maxV1 = 107

// Header is what a PROXY header says: the client's address, or none for a
// LOCAL (health check) connection.
type Header struct {
	Source netip.AddrPort
	Local  bool
}

// Parse reads a header at the start of b. It returns the header and its
// length; ErrIncomplete asks for more bytes, any other error closes the
// connection.
func Parse(b []byte) (Header, int, error) {
	switch {
	case len(b) >= 1 && b[0] == 'P':
		return parseV1(b)
	case len(b) >= 1 && b[0] == '\r':
		return parseV2(b)
	}
	if len(b) == 0 {
		return Header{}, 0, ErrIncomplete
	}
	return Header{}, 0, ErrNotProxy
}

func parseV1(b []byte) (Header, int, error) {
	end := bytes.Index(b, []byte("\r\n"))
	if end < 0 {
		if len(b) >= maxV1 || !bytes.HasPrefix([]byte("PROXY "), b[:min(len(b), 6)]) {
			return Header{}, 0, ErrMalformed
		}
		return Header{}, 0, ErrIncomplete
	}
	if end+2 > maxV1 {
		return Header{}, 0, ErrMalformed
	}
	f := bytes.Split(b[:end], []byte(" "))
	if len(f) < 2 || string(f[0]) != "PROXY" {
		return Header{}, 0, ErrMalformed
	}
	switch string(f[1]) {
	case "UNKNOWN":
		return Header{Local: true}, end + 2, nil
	case "TCP4", "TCP6":
	default:
		return Header{}, 0, ErrMalformed
	}
	if len(f) != 6 {
		return Header{}, 0, ErrMalformed
	}
	ip, err := netip.ParseAddr(string(f[2]))
	if err != nil || ip.Is4() != (string(f[1]) == "TCP4") {
		return Header{}, 0, ErrMalformed
	}
	port, err := strconv.ParseUint(string(f[4]), 10, 16)
	if err != nil || len(f[4]) > 5 {
		return Header{}, 0, ErrMalformed
	}
	if _, err := netip.ParseAddr(string(f[3])); err != nil {
		return Header{}, 0, ErrMalformed
	}
	if _, err := strconv.ParseUint(string(f[5]), 10, 16); err != nil {
		return Header{}, 0, ErrMalformed
	}
	return Header{Source: netip.AddrPortFrom(ip, uint16(port))}, end + 2, nil
}

func parseV2(b []byte) (Header, int, error) {
	if len(b) < 16 {
		if !bytes.HasPrefix(v2sig, b[:min(len(b), 12)]) {
			return Header{}, 0, ErrNotProxy
		}
		return Header{}, 0, ErrIncomplete
	}
	if !bytes.Equal(b[:12], v2sig) || b[12]>>4 != 2 {
		return Header{}, 0, ErrMalformed
	}
	cmd, family := b[12]&0xf, b[13]
	n := int(binary.BigEndian.Uint16(b[14:16]))
	if n > 4096 {
		return Header{}, 0, ErrMalformed
	}
	if len(b) < 16+n {
		return Header{}, 0, ErrIncomplete
	}
	body := b[16 : 16+n]
	total := 16 + n
	switch cmd {
	case 0: // LOCAL: the balancer's own connection
		return Header{Local: true}, total, nil
	case 1: // PROXY
	default:
		return Header{}, 0, ErrMalformed
	}
	switch family {
	case 0x11: // TCP over IPv4
		if n < 12 {
			return Header{}, 0, ErrMalformed
		}
		ip := netip.AddrFrom4([4]byte(body[0:4]))
		return Header{Source: netip.AddrPortFrom(ip, binary.BigEndian.Uint16(body[8:10]))}, total, nil
	case 0x21: // TCP over IPv6
		if n < 36 {
			return Header{}, 0, ErrMalformed
		}
		ip := netip.AddrFrom16([16]byte(body[0:16]))
		return Header{Source: netip.AddrPortFrom(ip, binary.BigEndian.Uint16(body[32:34]))}, total, nil
	case 0x00: // UNSPEC
		return Header{Local: true}, total, nil
	}
	return Header{}, 0, ErrMalformed
}
