package wire

import (
	"bytes"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/s2"
	"github.com/stratapool/strata/internal/testnet"
)

func testKey(b byte) []byte { return bytes.Repeat([]byte{b}, KeySize) }

func keyFor(k []byte) func(string) ([]byte, bool) {
	return func(string) ([]byte, bool) { return k, true }
}

func testWelcome(*Hello) (Welcome, error) {
	return Welcome{EdgeID: 7, SessionBits: 24, Extranonce1Size: 4, Extranonce2Size: 8,
		MaxBatch: 256, PingIntervalMillis: 5000, Software: "core-test"}, nil
}

func edgeConfig(key []byte) ClientConfig {
	return ClientConfig{Name: "edge-a", Key: key, Caps: AllCaps, Software: "edge-test", Timeout: 5 * time.Second}
}

func coreConfig(key []byte) ServerConfig {
	return ServerConfig{Key: keyFor(key), Caps: AllCaps, Admit: testWelcome, Timeout: 5 * time.Second}
}

type handshakeResult struct {
	edge, core *Conn
	welcome    *Welcome
	hello      *Hello
	edgeErr    error
	coreErr    error
}

func (r *handshakeResult) close() {
	if r.edge != nil {
		r.edge.Close()
	}
	if r.core != nil {
		r.core.Close()
	}
}

// handshakeOver runs both ends of a handshake over the two halves of a
// connection.
func handshakeOver(edgeSide, coreSide net.Conn, ec ClientConfig, sc ServerConfig) *handshakeResult {
	r := &handshakeResult{}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		r.core, r.hello, r.coreErr = Server(coreSide, sc)
	}()
	r.edge, r.welcome, r.edgeErr = Client(edgeSide, ec)
	wg.Wait()
	return r
}

// tcpPair returns the two ends of a loopback TCP connection.
func tcpPair(t *testing.T) (edgeSide, coreSide net.Conn) {
	t.Helper()
	ln, err := testnet.Listen()
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	edgeSide, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	coreSide = <-accepted
	if coreSide == nil {
		t.Fatal("accept failed")
	}
	return edgeSide, coreSide
}

func handshakeTCP(t *testing.T, ec ClientConfig, sc ServerConfig) *handshakeResult {
	t.Helper()
	a, b := tcpPair(t)
	r := handshakeOver(a, b, ec, sc)
	t.Cleanup(r.close)
	return r
}

func TestHandshakeAndExchange(t *testing.T) {
	key := testKey(0x42)
	r := handshakeTCP(t, edgeConfig(key), coreConfig(key))
	if r.edgeErr != nil || r.coreErr != nil {
		t.Fatalf("handshake: edge %v, core %v", r.edgeErr, r.coreErr)
	}
	if r.welcome.EdgeID != 7 || r.hello.Name != "edge-a" || r.hello.Software != "edge-test" {
		t.Fatalf("welcome %+v, hello %+v", r.welcome, r.hello)
	}
	if !r.edge.Sealed() || !r.core.Sealed() || r.edge.Version() != 1 || !r.edge.Caps().Has(CapCompression) {
		t.Fatal("link not sealed, or wrong version or caps")
	}

	// Core to edge: a job large enough to be compressed.
	job := &Job{ID: 9, Clean: true, Coinb1: bytes.Repeat([]byte{0xab}, 4000), Coinb2: []byte{1}, Branch: make([][32]byte, 12)}
	counter := &countingConn{Conn: r.core.nc}
	r.core.bw.Reset(counter)
	if err := r.core.Send(job); err != nil {
		t.Fatal(err)
	}
	if counter.n > 1000 {
		t.Errorf("a compressible 4 KB job took %d bytes on the wire", counter.n)
	}
	got, err := r.edge.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	if j, ok := got.(*Job); !ok || !bytes.Equal(j.Coinb1, job.Coinb1) || len(j.Branch) != 12 {
		t.Fatalf("edge read %+v", got)
	}

	// Edge to core: a submit batch, then verdicts back.
	sub := &SubmitBatch{Records: []SubmitRecord{{Session: 1, Job: 9, Nonce: 5}, {Session: 2, Job: 9, Nonce: 6}}}
	if err := r.edge.Send(sub); err != nil {
		t.Fatal(err)
	}
	typ, payload, err := r.core.ReadFrame()
	if err != nil || typ != TypeSubmit {
		t.Fatalf("core read %s, %v", typ, err)
	}
	var back SubmitBatch
	if err := back.Decode(payload); err != nil || len(back.Records) != 2 || back.Records[1].Nonce != 6 {
		t.Fatalf("submit: %v %+v", err, back)
	}
	if err := r.core.Send(&VerdictBatch{Verdicts: []Verdict{VerdictAccepted, VerdictDuplicate}}); err != nil {
		t.Fatal(err)
	}
	if m, err := r.edge.ReadMessage(); err != nil || m.(*VerdictBatch).Verdicts[1] != VerdictDuplicate {
		t.Fatalf("verdict: %v", err)
	}

	// Neither end may send the other's messages.
	if err := r.edge.Send(job); err == nil {
		t.Error("an edge sent a JOB")
	}
	if err := r.core.Send(sub); err == nil {
		t.Error("a core sent a SUBMIT")
	}

	// A goodbye is read as a message; the link then closes.
	go r.core.Goodbye(GoodbyeShutdown, "restarting")
	m, err := r.edge.ReadMessage()
	if err != nil || m.(*Goodbye).Detail != "restarting" {
		t.Fatalf("goodbye: %v %v", m, err)
	}
	if _, err := r.edge.ReadMessage(); !errors.Is(err, io.EOF) {
		t.Fatalf("after goodbye: %v", err)
	}
}

type countingConn struct {
	net.Conn
	n int
}

func (c *countingConn) Write(p []byte) (int, error) {
	c.n += len(p)
	return c.Conn.Write(p)
}

func TestHandshakeWrongKey(t *testing.T) {
	r := handshakeTCP(t, edgeConfig(testKey(1)), coreConfig(testKey(2)))
	var bye *GoodbyeError
	if !errors.As(r.edgeErr, &bye) || bye.Reason != GoodbyeAuthFailed {
		t.Errorf("edge: %v, want a goodbye saying auth_failed", r.edgeErr)
	}
	if !errors.Is(r.coreErr, ErrAuthentication) {
		t.Errorf("core: %v, want ErrAuthentication", r.coreErr)
	}
	if r.edge != nil || r.core != nil {
		t.Error("a link came up with the wrong key")
	}
}

func TestHandshakeUnknownEdgeName(t *testing.T) {
	sc := coreConfig(nil)
	sc.Key = func(string) ([]byte, bool) { return nil, false }
	r := handshakeTCP(t, edgeConfig(testKey(1)), sc)
	var bye *GoodbyeError
	if !errors.As(r.edgeErr, &bye) || bye.Reason != GoodbyeAuthFailed {
		t.Errorf("edge: %v; an unknown name must fail like a wrong key", r.edgeErr)
	}
	if !errors.Is(r.coreErr, ErrAuthentication) {
		t.Errorf("core: %v", r.coreErr)
	}
}

func TestHandshakeAdmitRefuses(t *testing.T) {
	key := testKey(3)
	sc := coreConfig(key)
	sc.Admit = func(*Hello) (Welcome, error) {
		return Welcome{}, &GoodbyeError{Reason: GoodbyeNameInUse, Detail: "edge-a is connected from 10.0.0.1"}
	}
	r := handshakeTCP(t, edgeConfig(key), sc)
	var bye *GoodbyeError
	if !errors.As(r.edgeErr, &bye) || bye.Reason != GoodbyeNameInUse || !strings.Contains(bye.Detail, "10.0.0.1") {
		t.Errorf("edge: %v", r.edgeErr)
	}
	if r.coreErr == nil {
		t.Error("core admitted a refused edge")
	}
}

func TestPlaintext(t *testing.T) {
	t.Run("edge without key or permission", func(t *testing.T) {
		ec := edgeConfig(nil)
		r := handshakeTCP(t, ec, coreConfig(nil))
		if !errors.Is(r.edgeErr, ErrNoKey) {
			t.Errorf("edge: %v", r.edgeErr)
		}
	})
	t.Run("core does not allow it", func(t *testing.T) {
		ec := edgeConfig(nil)
		ec.AllowPlaintext = true
		r := handshakeTCP(t, ec, coreConfig(testKey(1)))
		var bye *GoodbyeError
		if !errors.As(r.edgeErr, &bye) || bye.Reason != GoodbyePlaintextRefused {
			t.Errorf("edge: %v", r.edgeErr)
		}
		if !errors.Is(r.coreErr, ErrPlaintextRefused) {
			t.Errorf("core: %v", r.coreErr)
		}
	})
	t.Run("both allow it on loopback", func(t *testing.T) {
		ec := edgeConfig(nil)
		ec.AllowPlaintext = true
		sc := coreConfig(nil)
		sc.AllowPlaintext = true
		r := handshakeTCP(t, ec, sc)
		if r.edgeErr != nil || r.coreErr != nil {
			t.Fatalf("edge %v, core %v", r.edgeErr, r.coreErr)
		}
		if r.edge.Sealed() {
			t.Error("plain-text link claims to be sealed")
		}
		if err := r.edge.Send(&Ping{Nonce: 1}); err != nil {
			t.Fatal(err)
		}
		if m, err := r.core.ReadMessage(); err != nil || m.(*Ping).Nonce != 1 {
			t.Fatalf("plain text exchange: %v", err)
		}
	})
	t.Run("core refuses a remote peer", func(t *testing.T) {
		a, b := net.Pipe()
		ec := edgeConfig(nil)
		ec.AllowPlaintext = true
		sc := coreConfig(nil)
		sc.AllowPlaintext = true
		// The edge believes the core is local; the core sees a remote peer.
		edgeSide := addrConn{a, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}}
		coreSide := addrConn{b, &net.TCPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 1}}
		r := handshakeOver(edgeSide, coreSide, ec, sc)
		defer r.close()
		if !errors.Is(r.coreErr, ErrPlaintextRefused) {
			t.Errorf("core: %v", r.coreErr)
		}
	})
	t.Run("edge refuses a remote core", func(t *testing.T) {
		a, b := net.Pipe()
		defer b.Close()
		ec := edgeConfig(nil)
		ec.AllowPlaintext = true
		_, _, err := Client(addrConn{a, &net.TCPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 1}}, ec)
		if !errors.Is(err, ErrPlaintextRefused) {
			t.Errorf("edge: %v", err)
		}
	})
}

// addrConn reports a chosen remote address.
type addrConn struct {
	net.Conn
	remote net.Addr
}

func (c addrConn) RemoteAddr() net.Addr { return c.remote }

func TestHandshakeVersionMismatch(t *testing.T) {
	a, b := net.Pipe()
	done := make(chan error, 1)
	go func() {
		_, _, err := Server(b, coreConfig(testKey(1)))
		done <- err
	}()
	c := newConn(a, EdgeToCore)
	hello := &Hello{MinVersion: 7, MaxVersion: 9, Auth: AuthPSK, MaxFrame: DefaultMaxFrame, Name: "future"}
	if err := c.Send(hello); err != nil {
		t.Fatal(err)
	}
	var ch Challenge
	err := c.readHandshake(&ch, nil)
	var bye *GoodbyeError
	if !errors.As(err, &bye) || bye.Reason != GoodbyeVersion {
		t.Errorf("edge: %v, want a version goodbye", err)
	}
	if err := <-done; !errors.Is(err, ErrVersion) {
		t.Errorf("core: %v", err)
	}
	a.Close()
}

func TestHandshakeGarbage(t *testing.T) {
	for _, junk := range [][]byte{
		[]byte("GET / HTTP/1.1\r\n\r\n"),                 // a stray HTTP client: frame too large
		{0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01}, // a TLS ClientHello
		{0x05, 0, 0, 0, byte(TypeSubmit), 0, 1, 2, 3, 4, 5},
		{},
	} {
		a, b := net.Pipe()
		done := make(chan error, 1)
		go func() {
			_, _, err := Server(b, coreConfig(testKey(1)))
			done <- err
		}()
		go func() {
			a.Write(junk)
			io.Copy(io.Discard, a)
		}()
		time.AfterFunc(200*time.Millisecond, func() { a.Close() })
		if err := <-done; err == nil {
			t.Errorf("core accepted %q", junk)
		}
	}
}

// sealedFrame captures the exact bytes of the next frame the edge writes.
func captureFrame(t *testing.T, c *Conn, m Message) []byte {
	t.Helper()
	var buf bytes.Buffer
	c.wmu.Lock()
	c.bw.Reset(&buf)
	c.wmu.Unlock()
	if err := c.Send(m); err != nil {
		t.Fatal(err)
	}
	c.wmu.Lock()
	c.bw.Reset(c.nc)
	c.wmu.Unlock()
	return buf.Bytes()
}

// sealedPair is a handshaken link over a pipe; raw bytes can be pushed into
// the core's reader through edgeRaw.
func sealedPair(t *testing.T) (edge, core *Conn, edgeRaw net.Conn) {
	t.Helper()
	a, b := net.Pipe()
	key := testKey(9)
	r := handshakeOver(a, b, edgeConfig(key), coreConfig(key))
	if r.edgeErr != nil || r.coreErr != nil {
		t.Fatalf("handshake: %v %v", r.edgeErr, r.coreErr)
	}
	t.Cleanup(r.close)
	return r.edge, r.core, a
}

// readAfter writes raw bytes from the edge side and reads one frame at the
// core, with a deadline so a grown length field cannot hang the test.
func readAfter(t *testing.T, core *Conn, raw net.Conn, frames ...[]byte) (Type, []byte, error) {
	t.Helper()
	go func() {
		for _, f := range frames {
			if _, err := raw.Write(f); err != nil {
				return
			}
		}
	}()
	core.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	var (
		typ     Type
		payload []byte
		err     error
	)
	for range frames {
		if typ, payload, err = core.ReadFrame(); err != nil {
			break
		}
	}
	return typ, payload, err
}

// TestTamperedFrameRefused flips each bit position of a sealed frame, one
// frame per link: the core must refuse every one.
func TestTamperedFrameRefused(t *testing.T) {
	sub := &SubmitBatch{Records: []SubmitRecord{{Session: 3, Job: 1, Extranonce2: 77, Nonce: 0xdead, HasVersion: true, VersionBits: 0x2000}}}
	edge, _, _ := sealedPair(t)
	frameLen := len(captureFrame(t, edge, sub))
	for i := range frameLen {
		edge, core, raw := sealedPair(t)
		frame := captureFrame(t, edge, sub)
		frame[i] ^= 0x01
		if _, _, err := readAfter(t, core, raw, frame); err == nil {
			t.Errorf("byte %d of %d flipped: the core read the frame", i, frameLen)
		}
	}
	// And the untouched frame is read: the test is not passing by accident.
	edge, core, raw := sealedPair(t)
	frame := captureFrame(t, edge, sub)
	if typ, _, err := readAfter(t, core, raw, frame); err != nil || typ != TypeSubmit {
		t.Fatalf("untampered frame: %s %v", typ, err)
	}
}

func TestReplayedAndReorderedFramesRefused(t *testing.T) {
	one := &Ping{Nonce: 1}
	two := &Ping{Nonce: 2}

	edge, core, raw := sealedPair(t)
	f1 := captureFrame(t, edge, one)
	if _, _, err := readAfter(t, core, raw, f1, f1); !errors.Is(err, ErrAuthentication) {
		t.Errorf("replayed frame: %v", err)
	}

	edge, core, raw = sealedPair(t)
	f1, f2 := captureFrame(t, edge, one), captureFrame(t, edge, two)
	if _, _, err := readAfter(t, core, raw, f2, f1); !errors.Is(err, ErrAuthentication) {
		t.Errorf("reordered frames: %v", err)
	}

	// A frame the core sent, reflected back to it.
	edge, core, raw = sealedPair(t)
	var buf bytes.Buffer
	core.bw.Reset(&buf)
	if err := core.Send(one); err != nil {
		t.Fatal(err)
	}
	if _, _, err := readAfter(t, core, raw, buf.Bytes()); !errors.Is(err, ErrAuthentication) {
		t.Errorf("reflected frame: %v", err)
	}
}

// sendRaw seals and writes a frame with any type, flags and payload.
func sendRaw(t *testing.T, c *Conn, typ Type, flags Flags, payload []byte) []byte {
	t.Helper()
	buf := make([]byte, HeaderSize, HeaderSize+len(payload)+TagSize)
	putHeader(buf, header{length: uint32(len(payload) + TagSize), typ: typ, flags: flags})
	buf = c.sealer.Seal(buf, nonce(&c.wnonce, c.sendSeq), payload, buf[:HeaderSize])
	c.sendSeq++
	return buf
}

func TestBadFramesRefused(t *testing.T) {
	ping, _ := Encode(&Ping{Nonce: 1})
	job, _ := Encode(&Job{ID: 1, Coinb1: bytes.Repeat([]byte{1}, 600)})
	bomb := s2.Encode(nil, make([]byte, DefaultMaxFrame+1))
	cases := []struct {
		name  string
		frame func(edge *Conn) []byte
		want  error
	}{
		{"too large", func(*Conn) []byte {
			return []byte{0xff, 0xff, 0xff, 0x7f, byte(TypePing), 0}
		}, ErrFrameTooLarge},
		{"unknown type", func(e *Conn) []byte { return sendRaw(t, e, 0x7e, 0, ping) }, ErrUnknownType},
		{"wrong direction", func(e *Conn) []byte { return sendRaw(t, e, TypeJob, 0, job) }, ErrWrongDirection},
		{"reserved flag", func(e *Conn) []byte { return sendRaw(t, e, TypePing, 0x80, ping) }, ErrBadFlags},
		{"compressed type that never is", func(e *Conn) []byte {
			return sendRaw(t, e, TypePing, FlagCompressed, s2.Encode(nil, ping))
		}, ErrBadFlags},
		{"bad compressed stream", func(e *Conn) []byte {
			return sendRaw(t, e, TypeStats, FlagCompressed, []byte{0x05, 0xff, 0xff})
		}, ErrDecompress},
		{"decompresses over the limit", func(e *Conn) []byte {
			return sendRaw(t, e, TypeStats, FlagCompressed, bomb)
		}, ErrFrameTooLarge},
		{"shorter than its tag", func(*Conn) []byte {
			return []byte{3, 0, 0, 0, byte(TypePing), 0, 1, 2, 3}
		}, ErrAuthentication},
		{"payload malformed after opening", func(e *Conn) []byte {
			return sendRaw(t, e, TypePing, 0, ping[:5])
		}, ErrTruncated},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			edge, core, raw := sealedPair(t)
			typ, payload, err := readAfter(t, core, raw, c.frame(edge))
			if err == nil {
				m, _ := New(typ)
				err = m.Decode(payload)
			}
			if !errors.Is(err, c.want) || !errors.Is(err, ErrMalformed) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
		})
	}
}

func TestWriteRefusesOversizeMessage(t *testing.T) {
	edge, core, _ := sealedPair(t)
	core.maxSend = MinFrameLimit
	big := &Job{Coinb1: make([]byte, MaxCoinbasePart), Coinb2: make([]byte, MaxCoinbasePart), PayoutSlot: true, Coinb2Tail: make([]byte, MaxCoinbasePart)}
	big.Coinb1[0] = 1
	core.maxSend = 1000
	if err := core.Write(big); err == nil || !strings.Contains(err.Error(), "maximum") {
		t.Fatalf("oversize write: %v", err)
	}
	// The link is still usable after a refused write.
	go core.Send(&Ping{Nonce: 4})
	if m, err := edge.ReadMessage(); err != nil || m.(*Ping).Nonce != 4 {
		t.Fatalf("after a refused write: %v", err)
	}
}

func TestSealedZeroAlloc(t *testing.T) {
	edge, core, _ := sealedPair(t)
	sub := &SubmitBatch{Records: realisticSubmits(newRand(), 256, false)}
	var out SubmitBatch
	var mem memConn
	// Run once to grow the buffers, then count.
	pipeFrame(t, &mem, edge, core, sub, &out)
	allocs := testing.AllocsPerRun(50, func() { pipeFrame(t, &mem, edge, core, sub, &out) })
	if allocs != 0 {
		t.Fatalf("sealed submit frame write+read: %v allocs, want 0", allocs)
	}
}

// pipeFrame writes a message at one end into memory and reads it at the
// other, so the whole frame path runs without a socket.
func pipeFrame(t testing.TB, mem *memConn, from, to *Conn, m Message, into Message) {
	mem.buf, mem.off = mem.buf[:0], 0
	from.bw.Reset(mem)
	if err := from.Send(m); err != nil {
		t.Fatal(err)
	}
	to.br.Reset(mem)
	_, payload, err := to.ReadFrame()
	if err != nil {
		t.Fatal(err)
	}
	if err := into.Decode(payload); err != nil {
		t.Fatal(err)
	}
}

// memConn is a reusable in-memory byte queue.
type memConn struct {
	buf []byte
	off int
}

func (m *memConn) Write(p []byte) (int, error) { m.buf = append(m.buf, p...); return len(p), nil }
func (m *memConn) Read(p []byte) (int, error) {
	if m.off == len(m.buf) {
		return 0, io.EOF
	}
	n := copy(p, m.buf[m.off:])
	m.off += n
	return n, nil
}

// BenchmarkSealedSubmitFrame is the whole link cost of a batch of 256
// submits: encode, seal (AES-256-GCM), open, decode.
func BenchmarkSealedSubmitFrame(b *testing.B) {
	a, c := net.Pipe()
	key := testKey(9)
	r := handshakeOver(a, c, edgeConfig(key), coreConfig(key))
	if r.edgeErr != nil || r.coreErr != nil {
		b.Fatal(r.edgeErr, r.coreErr)
	}
	defer r.close()
	sub := &SubmitBatch{Records: realisticSubmits(newRand(), 256, false)}
	var out SubmitBatch
	var mem memConn
	r.edge.bw.Reset(&mem)
	b.ReportAllocs()
	for b.Loop() {
		mem.buf, mem.off = mem.buf[:0], 0
		if err := r.edge.Send(sub); err != nil {
			b.Fatal(err)
		}
		r.core.br.Reset(&mem)
		_, payload, err := r.core.ReadFrame()
		if err != nil {
			b.Fatal(err)
		}
		if err := out.Decode(payload); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/256, "ns/submit")
}

// BAN goes only over a link whose ends both offered CapBans: an end
// without it neither sends one nor takes one.
func TestBanNeedsItsCapability(t *testing.T) {
	key := testKey(0x42)
	ban := &Ban{Target: "192.0.2.7", Reason: BanInvalidShares, Seconds: 60}

	r := handshakeTCP(t, edgeConfig(key), coreConfig(key))
	if r.edgeErr != nil || r.coreErr != nil {
		t.Fatalf("handshake: edge %v, core %v", r.edgeErr, r.coreErr)
	}
	if err := r.edge.Send(ban); err != nil {
		t.Fatal(err)
	}
	if got, err := r.core.ReadMessage(); err != nil || *got.(*Ban) != *ban {
		t.Fatalf("core read %+v, %v", got, err)
	}
	if err := r.core.Send(ban); err != nil {
		t.Fatal(err)
	}
	if got, err := r.edge.ReadMessage(); err != nil || *got.(*Ban) != *ban {
		t.Fatalf("edge read %+v, %v", got, err)
	}
	r.close()

	old := edgeConfig(key)
	old.Caps = CapCompression // an edge from before bans were shared
	r = handshakeTCP(t, old, coreConfig(key))
	defer r.close()
	if r.edgeErr != nil || r.coreErr != nil {
		t.Fatalf("handshake: edge %v, core %v", r.edgeErr, r.coreErr)
	}
	if r.core.Caps().Has(CapBans) {
		t.Fatal("CapBans agreed with an edge that did not offer it")
	}
	if err := r.core.Send(ban); err == nil {
		t.Fatal("the core sent a BAN without CapBans")
	}
	r.edge.caps |= CapBans // an edge that sends one anyway
	if err := r.edge.Send(ban); err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.core.ReadFrame(); !errors.Is(err, ErrUnexpected) {
		t.Fatalf("core read a BAN without CapBans: %v", err)
	}
}
