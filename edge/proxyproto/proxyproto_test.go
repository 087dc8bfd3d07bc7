package proxyproto

import (
	"encoding/binary"
	"errors"
	"testing"
)

func v2(cmd, family byte, body []byte) []byte {
	b := append([]byte(nil), v2sig...)
	b = append(b, 0x20|cmd, family)
	b = binary.BigEndian.AppendUint16(b, uint16(len(body)))
	return append(b, body...)
}

func TestParse(t *testing.T) {
	v4body := []byte{192, 0, 2, 7, 10, 0, 0, 1, 0x0f, 0xbc, 0x0d, 0x05}
	v6body := make([]byte, 36)
	v6body[0], v6body[15], v6body[32], v6body[33] = 0x20, 0x01, 0x01, 0xbb
	cases := []struct {
		name   string
		in     []byte
		source string
		local  bool
		n      int
	}{
		{"v1 tcp4", []byte("PROXY TCP4 192.0.2.7 10.0.0.1 4028 3333\r\n{\"id\":1}"), "192.0.2.7:4028", false, 41},
		{"v1 tcp6", []byte("PROXY TCP6 2001:db8::7 2001:db8::1 4028 3333\r\n"), "[2001:db8::7]:4028", false, 46},
		{"v1 unknown", []byte("PROXY UNKNOWN\r\n"), "", true, 15},
		{"v2 tcp4", append(v2(1, 0x11, v4body), '{'), "192.0.2.7:4028", false, 28},
		{"v2 tcp6", v2(1, 0x21, v6body), "[2000::1]:443", false, 52},
		{"v2 local", v2(0, 0x00, nil), "", true, 16},
	}
	for _, c := range cases {
		h, n, err := Parse(c.in)
		if err != nil || h.Local != c.local || n != c.n || (!c.local && h.Source.String() != c.source) {
			t.Errorf("%s: %+v %d %v", c.name, h, n, err)
		}
	}
}

func TestParseRefusals(t *testing.T) {
	cases := []struct {
		in   string
		want error
	}{
		{`{"id":1,"method":"mining.subscribe"}`, ErrNotProxy},
		{"PROXY TCP4 192.0.2.7", ErrIncomplete},
		{"PROXY TCP4 192.0.2.7 10.0.0.1 4028\r\n", ErrMalformed},
		{"PROXY TCP4 2001:db8::7 10.0.0.1 4028 3333\r\n", ErrMalformed},
		{"PROXY TCP4 192.0.2.7 10.0.0.1 99999 3333\r\n", ErrMalformed},
		{"PROXY UDP4 192.0.2.7 10.0.0.1 1 2\r\n", ErrMalformed},
		{"PROXY TCP4 " + string(make([]byte, 120)), ErrMalformed},
		{"PRAXY TCP4 1.2.3.4 1.2.3.4 1 2\r\n", ErrMalformed},
		{"\r\n\r\n\x00\r\n", ErrIncomplete},
		{string(v2(1, 0x11, []byte{1, 2, 3})), ErrMalformed},
		{string(v2(7, 0x11, make([]byte, 12))), ErrMalformed},
		{string(v2(1, 0x11, make([]byte, 12))[:20]), ErrIncomplete},
		{"", ErrIncomplete},
	}
	for _, c := range cases {
		if _, _, err := Parse([]byte(c.in)); !errors.Is(err, c.want) {
			t.Errorf("%q: %v, want %v", c.in, err, c.want)
		}
	}
}

// FuzzParse: any bytes are a header, a request for more, or an error; a
// header never claims more bytes than there are.
func FuzzParse(f *testing.F) {
	f.Add([]byte("PROXY TCP4 192.0.2.7 10.0.0.1 4028 3333\r\n"))
	f.Add(v2(1, 0x11, []byte{192, 0, 2, 7, 10, 0, 0, 1, 0x0f, 0xbc, 0x0d, 0x05}))
	f.Add(v2(1, 0x21, make([]byte, 36)))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, n, err := Parse(b)
		if err == nil && (n <= 0 || n > len(b)) {
			t.Fatalf("header of %d bytes in %d", n, len(b))
		}
	})
}
