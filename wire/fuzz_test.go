package wire

import (
	"bytes"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// fuzzDecoder checks one decoder: any input decodes or fails with
// ErrMalformed, never panics; whatever decodes re-encodes to the very same
// bytes (the encoding is canonical) and Len agrees.
func fuzzDecoder(f *testing.F, typ Type) {
	for _, s := range messageSamples() {
		if s.msg.Type() == typ {
			f.Add(unhex(f, s.hex))
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, _ := New(typ)
		if err := m.Decode(b); err != nil {
			if !isMalformed(err) {
				t.Fatalf("decode error %v does not wrap ErrMalformed", err)
			}
			return
		}
		out, err := Encode(m)
		if err != nil {
			t.Fatalf("decoded %x but cannot re-encode: %v", b, err)
		}
		if !bytes.Equal(out, b) {
			t.Fatalf("not canonical:\n in  %x\n out %x", b, out)
		}
		if m.Len() != len(b) {
			t.Fatalf("Len() = %d for %d bytes", m.Len(), len(b))
		}
	})
}

func isMalformed(err error) bool {
	for e := err; e != nil; {
		if e == ErrMalformed {
			return true
		}
		switch u := e.(type) {
		case interface{ Unwrap() error }:
			e = u.Unwrap()
		case interface{ Unwrap() []error }:
			for _, x := range u.Unwrap() {
				if isMalformed(x) {
					return true
				}
			}
			return false
		default:
			return false
		}
	}
	return false
}

func FuzzDecodeHello(f *testing.F)         { fuzzDecoder(f, TypeHello) }
func FuzzDecodeChallenge(f *testing.F)     { fuzzDecoder(f, TypeChallenge) }
func FuzzDecodeAuth(f *testing.F)          { fuzzDecoder(f, TypeAuth) }
func FuzzDecodeWelcome(f *testing.F)       { fuzzDecoder(f, TypeWelcome) }
func FuzzDecodeGoodbye(f *testing.F)       { fuzzDecoder(f, TypeGoodbye) }
func FuzzDecodePing(f *testing.F)          { fuzzDecoder(f, TypePing) }
func FuzzDecodePong(f *testing.F)          { fuzzDecoder(f, TypePong) }
func FuzzDecodeStats(f *testing.F)         { fuzzDecoder(f, TypeStats) }
func FuzzDecodeJob(f *testing.F)           { fuzzDecoder(f, TypeJob) }
func FuzzDecodeWorkState(f *testing.F)     { fuzzDecoder(f, TypeWorkState) }
func FuzzDecodeSessionOpen(f *testing.F)   { fuzzDecoder(f, TypeSessionOpen) }
func FuzzDecodeSessionUpdate(f *testing.F) { fuzzDecoder(f, TypeSessionUpdate) }
func FuzzDecodeSessionClose(f *testing.F)  { fuzzDecoder(f, TypeSessionClose) }
func FuzzDecodeAuthResult(f *testing.F)    { fuzzDecoder(f, TypeAuthResult) }
func FuzzDecodeSubmit(f *testing.F)        { fuzzDecoder(f, TypeSubmit) }
func FuzzDecodeVerdict(f *testing.F)       { fuzzDecoder(f, TypeVerdict) }
func FuzzDecodeBlockFound(f *testing.F)    { fuzzDecoder(f, TypeBlockFound) }
func FuzzDecodeShowMessage(f *testing.F)   { fuzzDecoder(f, TypeShowMessage) }
func FuzzDecodeReconnect(f *testing.F)     { fuzzDecoder(f, TypeReconnect) }
func FuzzDecodeDrop(f *testing.F)          { fuzzDecoder(f, TypeDrop) }
func FuzzDecodeBan(f *testing.F)           { fuzzDecoder(f, TypeBan) }

// FuzzReadFrame feeds arbitrary bytes to an established, sealed link's
// reader, as a peer (or anyone on the path) could: every result is a frame
// that passed authentication or an error, never a panic. The seeds are
// valid sealed frames, so the fuzzer starts from bytes that get deep.
func FuzzReadFrame(f *testing.F) {
	for _, s := range messageSamples() {
		if s.msg.Type().Direction()&EdgeToCore == 0 {
			continue
		}
		edge, _ := fuzzLink(f)
		var mem memConn
		edge.bw.Reset(&mem)
		if err := edge.Send(s.msg); err != nil {
			f.Fatal(err)
		}
		f.Add(mem.buf)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_, core := fuzzLink(t)
		core.br.Reset(bytes.NewReader(b))
		for range 64 {
			typ, payload, err := core.ReadFrame()
			if err != nil {
				return
			}
			m, _ := New(typ)
			_ = m.Decode(payload)
		}
	})
}

// fuzzLink returns both ends of a sealed link whose handshake has been done,
// with fixed keys and nonces so that seeds stay valid from run to run.
func fuzzLink(t testing.TB) (edge, core *Conn) {
	t.Helper()
	key := testKey(0x5a)
	edge, core = newConn(nil, EdgeToCore), newConn(nil, CoreToEdge)
	transcript := bytes.Repeat([]byte{1}, 32)
	if err := edge.setKeys(key, transcript, true); err != nil {
		t.Fatal(err)
	}
	if err := core.setKeys(key, transcript, false); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*Conn{edge, core} {
		c.version, c.caps, c.maxRecv, c.maxSend = 1, AllCaps, DefaultMaxFrame, DefaultMaxFrame
	}
	return edge, core
}

// FuzzServerHandshake plays an edge that sends arbitrary bytes to the core's
// handshake: the core must refuse or finish, never panic or hang.
func FuzzServerHandshake(f *testing.F) {
	for _, seed := range handshakeSeeds(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		a, c := net.Pipe()
		done := make(chan struct{})
		go func() {
			defer close(done)
			sc := coreConfig(testKey(1))
			sc.Timeout = 200 * time.Millisecond
			if conn, _, err := Server(c, sc); err == nil {
				conn.Close()
				t.Error("handshake succeeded without the key")
			}
		}()
		go func() {
			_, _ = a.Write(b)
			_ = a.Close()
		}()
		<-done
	})
}

// handshakeSeeds are a HELLO frame alone, and followed by an AUTH header.
func handshakeSeeds(t testing.TB) [][]byte {
	hello, err := Encode(&Hello{MinVersion: 1, MaxVersion: 1, Auth: AuthPSK, Caps: AllCaps, MaxFrame: DefaultMaxFrame, Name: "e"})
	if err != nil {
		t.Fatal(err)
	}
	frame := append([]byte{byte(len(hello)), 0, 0, 0, byte(TypeHello), 0}, hello...)
	return [][]byte{frame, append(frame[:len(frame):len(frame)], 0x30, 0, 0, 0, byte(TypeAuth), 0)}
}

var writeCorpus = flag.Bool("write-corpus", false, "rewrite testdata/fuzz seed corpora from the sample tables")

// TestWriteSeedCorpus writes the committed seed corpus when run with
// -write-corpus; otherwise it checks that every fuzz target has one.
func TestWriteSeedCorpus(t *testing.T) {
	targets := map[string][][]byte{}
	for _, typ := range Types() {
		name := "FuzzDecode" + fuzzName(typ)
		for _, s := range messageSamples() {
			if s.msg.Type() == typ {
				targets[name] = append(targets[name], unhex(t, s.hex))
			}
		}
	}
	for _, s := range messageSamples() {
		if s.msg.Type().Direction()&EdgeToCore != 0 {
			edge, _ := fuzzLink(t)
			var mem memConn
			edge.bw.Reset(&mem)
			if err := edge.Send(s.msg); err != nil {
				t.Fatal(err)
			}
			targets["FuzzReadFrame"] = append(targets["FuzzReadFrame"], mem.buf)
		}
	}
	targets["FuzzServerHandshake"] = handshakeSeeds(t)
	for name, seeds := range targets {
		dir := filepath.Join("testdata", "fuzz", name)
		if !*writeCorpus {
			if entries, err := os.ReadDir(dir); err != nil || len(entries) == 0 {
				t.Errorf("%s has no committed seed corpus in %s (run go test -run TestWriteSeedCorpus -write-corpus)", name, dir)
			}
			continue
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for i, seed := range seeds {
			body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", seed)
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed-%02d", i)), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// fuzzName turns SESSION_OPEN into SessionOpen.
func fuzzName(t Type) string {
	var out []byte
	upper := true
	for _, c := range []byte(t.String()) {
		switch {
		case c == '_':
			upper = true
		case upper:
			out = append(out, c)
			upper = false
		default:
			out = append(out, c+'a'-'A')
		}
	}
	return string(out)
}
