package wire

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net"
	"time"
)

// handshakeMaxFrame bounds frames before the ends have agreed on a maximum.
const handshakeMaxFrame = 4096

// keyInfo separates this protocol's keys from any other use of the PSK.
const keyInfo = "strata wire v1 link keys"

// ClientConfig configures the edge's end of a link.
type ClientConfig struct {
	// Name identifies the edge; the core picks its key and edge id by it.
	Name string
	// Key is the pre-shared key (KeySize bytes). Nil asks for plain text.
	Key []byte
	// AllowPlaintext must be set, and the core on loopback, for plain text.
	AllowPlaintext bool
	// Caps is what the edge offers.
	Caps Caps
	// MaxFrame is the largest frame payload the edge accepts (default DefaultMaxFrame).
	MaxFrame int
	// Software is a version string for the core's logs.
	Software string
	// Timeout bounds the handshake (default DefaultHandshakeTimeout).
	Timeout time.Duration
	// Rand is the source of the nonce (default crypto/rand).
	Rand io.Reader
}

// ServerConfig configures the core's end of links.
type ServerConfig struct {
	// Key returns the pre-shared key for an edge name.
	Key func(name string) (key []byte, ok bool)
	// AllowPlaintext allows unauthenticated links from loopback peers.
	AllowPlaintext bool
	// Caps is what the core offers.
	Caps Caps
	// MaxFrame is the largest frame payload the core accepts (default DefaultMaxFrame).
	MaxFrame int
	// Timeout bounds the handshake (default DefaultHandshakeTimeout).
	Timeout time.Duration
	// Rand is the source of the nonce (default crypto/rand).
	Rand io.Reader
	// Admit decides, once the edge has proven its key, whether it may stay
	// and with what identity. An error that is a *GoodbyeError is sent to
	// the edge as its reason.
	Admit func(h *Hello) (Welcome, error)
}

// Client runs the edge's side of the handshake on nc. On success the link
// is ready; on failure nc is closed.
func Client(nc net.Conn, cfg ClientConfig) (*Conn, *Welcome, error) {
	c, w, err := client(nc, cfg)
	if err != nil {
		_ = nc.Close()
		return nil, nil, fmt.Errorf("wire: handshake with %s: %w", nc.RemoteAddr(), err)
	}
	return c, w, nil
}

func client(nc net.Conn, cfg ClientConfig) (*Conn, *Welcome, error) {
	maxFrame, err := frameLimit(cfg.MaxFrame)
	if err != nil {
		return nil, nil, err
	}
	hello := Hello{
		MinVersion: MinVersion,
		MaxVersion: MaxVersion,
		Auth:       AuthPSK,
		Caps:       cfg.Caps,
		MaxFrame:   uint32(maxFrame),
		Name:       cfg.Name,
		Software:   cfg.Software,
	}
	switch {
	case cfg.Key != nil && len(cfg.Key) != KeySize:
		return nil, nil, fmt.Errorf("wire: link key is %d bytes, want %d", len(cfg.Key), KeySize)
	case cfg.Key == nil && !(cfg.AllowPlaintext && isLoopback(nc.RemoteAddr())):
		if cfg.AllowPlaintext {
			return nil, nil, ErrPlaintextRefused
		}
		return nil, nil, ErrNoKey
	case cfg.Key == nil:
		hello.Auth = AuthNone
	}
	if _, err := io.ReadFull(randOrDefault(cfg.Rand), hello.Nonce[:]); err != nil {
		return nil, nil, fmt.Errorf("wire: nonce: %w", err)
	}
	_ = nc.SetDeadline(time.Now().Add(timeoutOrDefault(cfg.Timeout)))
	c := newConn(nc, EdgeToCore)
	transcript := sha256.New()
	if err := c.writeTranscript(&hello, transcript); err != nil {
		return nil, nil, err
	}

	var ch Challenge
	if err := c.readHandshake(&ch, transcript); err != nil {
		return nil, nil, err
	}
	if ch.Version < MinVersion || ch.Version > MaxVersion || !cfg.Caps.Has(ch.Caps) {
		return nil, nil, fmt.Errorf("%w: challenge offers version %d, caps %#x", ErrUnexpected, ch.Version, uint64(ch.Caps))
	}
	var auth Auth
	copy(auth.Transcript[:], transcript.Sum(nil))
	if cfg.Key != nil {
		if err := c.setKeys(cfg.Key, auth.Transcript[:], true); err != nil {
			return nil, nil, err
		}
	}
	c.version, c.caps = ch.Version, ch.Caps
	if err := c.Send(&auth); err != nil {
		return nil, nil, err
	}
	var w Welcome
	if err := c.readHandshake(&w, nil); err != nil {
		return nil, nil, err
	}
	c.maxRecv, c.maxSend = maxFrame, int(ch.MaxFrame)
	_ = nc.SetDeadline(time.Time{})
	return c, &w, nil
}

// Server runs the core's side of the handshake on nc. On success the link is
// ready and the edge's HELLO is returned; on failure nc is closed, after a
// GOODBYE that says why when the edge can be told.
func Server(nc net.Conn, cfg ServerConfig) (*Conn, *Hello, error) {
	c, h, err := server(nc, cfg)
	if err != nil {
		_ = nc.Close()
		name := ""
		if h != nil {
			name = fmt.Sprintf(" (edge %q)", h.Name)
		}
		return nil, h, fmt.Errorf("wire: handshake with %s%s: %w", nc.RemoteAddr(), name, err)
	}
	return c, h, nil
}

func server(nc net.Conn, cfg ServerConfig) (*Conn, *Hello, error) {
	maxFrame, err := frameLimit(cfg.MaxFrame)
	if err != nil {
		return nil, nil, err
	}
	_ = nc.SetDeadline(time.Now().Add(timeoutOrDefault(cfg.Timeout)))
	c := newConn(nc, CoreToEdge)
	transcript := sha256.New()
	var hello Hello
	if err := c.readHandshake(&hello, transcript); err != nil {
		c.refuse(err)
		return nil, nil, err
	}
	version := min(hello.MaxVersion, MaxVersion)
	if version < max(hello.MinVersion, MinVersion) {
		err := fmt.Errorf("%w: edge speaks %d..%d, core %d..%d", ErrVersion, hello.MinVersion, hello.MaxVersion, MinVersion, MaxVersion)
		c.goodbyePlain(GoodbyeVersion, err.Error())
		return nil, &hello, err
	}
	var key []byte
	if hello.Auth == AuthNone {
		if !cfg.AllowPlaintext || !isLoopback(nc.RemoteAddr()) {
			c.goodbyePlain(GoodbyePlaintextRefused, ErrPlaintextRefused.Error())
			return nil, &hello, ErrPlaintextRefused
		}
	} else {
		var k []byte
		ok := false
		if cfg.Key != nil {
			k, ok = cfg.Key(hello.Name)
		}
		if !ok || len(k) != KeySize {
			// Go on with a random key: an unknown name fails exactly like a
			// wrong key, so names cannot be probed.
			k = make([]byte, KeySize)
			_, _ = io.ReadFull(randOrDefault(cfg.Rand), k)
		}
		key = k
	}
	ch := Challenge{Version: version, Caps: hello.Caps & cfg.Caps, MaxFrame: uint32(maxFrame)}
	if _, err := io.ReadFull(randOrDefault(cfg.Rand), ch.Nonce[:]); err != nil {
		return nil, &hello, fmt.Errorf("wire: nonce: %w", err)
	}
	if err := c.writeTranscript(&ch, transcript); err != nil {
		return nil, &hello, err
	}
	sum := transcript.Sum(nil)
	if key != nil {
		if err := c.setKeys(key, sum, false); err != nil {
			return nil, &hello, err
		}
	}
	c.version, c.caps = ch.Version, ch.Caps

	var auth Auth
	err = c.readHandshake(&auth, nil)
	if err == nil && subtle.ConstantTimeCompare(auth.Transcript[:], sum) != 1 {
		err = fmt.Errorf("%w: transcript differs", ErrAuthentication)
	}
	if err != nil {
		c.refuse(err)
		return nil, &hello, err
	}
	var w Welcome
	if cfg.Admit != nil {
		if w, err = cfg.Admit(&hello); err != nil {
			var bye *GoodbyeError
			if errors.As(err, &bye) {
				_ = c.Send(&Goodbye{Reason: bye.Reason, Detail: TruncateText(bye.Detail)})
			}
			return nil, &hello, err
		}
	}
	if err := c.Send(&w); err != nil {
		return nil, &hello, err
	}
	c.maxRecv, c.maxSend = maxFrame, int(hello.MaxFrame)
	_ = nc.SetDeadline(time.Time{})
	return c, &hello, nil
}

// refuse tells the edge why its handshake failed, when that is worth saying.
func (c *Conn) refuse(err error) {
	switch {
	case errors.Is(err, ErrAuthentication):
		c.goodbyePlain(GoodbyeAuthFailed, "authentication failed: wrong key or unknown edge name")
	case errors.Is(err, ErrMalformed):
		c.goodbyePlain(GoodbyeProtocolError, err.Error())
	}
}

func (c *Conn) goodbyePlain(reason GoodbyeReason, detail string) {
	_ = c.writePlain(&Goodbye{Reason: reason, Detail: TruncateText(detail)})
}

// writeTranscript sends a plain-text handshake message and adds its frame
// to the transcript.
func (c *Conn) writeTranscript(m Message, transcript io.Writer) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if err := c.writeLocked(m); err != nil {
		return err
	}
	_, _ = transcript.Write(c.wbuf[:HeaderSize+m.Len()])
	return c.flushLocked()
}

// readHandshake reads the next handshake frame into m. A GOODBYE instead is
// returned as a *GoodbyeError; it may come in plain text even on a sealed
// link, since the peer may have refused our key. When transcript is not
// nil the frame is added to it.
func (c *Conn) readHandshake(m Message, transcript io.Writer) error {
	h, raw, err := c.readRaw()
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("peer closed the link during the handshake: %w", err)
		}
		return err
	}
	if h.typ == TypeGoodbye {
		var bye Goodbye
		if c.opener != nil {
			if opened, err := c.open(h, append([]byte(nil), raw...)); err == nil && bye.Decode(opened) == nil {
				return bye.Err()
			}
		}
		if err := bye.Decode(raw); err != nil {
			return err
		}
		return bye.Err()
	}
	if h.typ != m.Type() {
		return fmt.Errorf("%w: got %s, want %s", ErrUnexpected, h.typ, m.Type())
	}
	if transcript != nil {
		_, _ = transcript.Write(c.rhdr[:])
		_, _ = transcript.Write(raw)
	}
	payload, err := c.open(h, raw)
	if err != nil {
		return err
	}
	return m.Decode(payload)
}

// setKeys derives the two directions' keys from the pre-shared key and the
// handshake transcript, and seals the link from here on.
func (c *Conn) setKeys(psk, transcript []byte, isEdge bool) error {
	keys, err := hkdf.Key(sha256.New, psk, transcript, keyInfo, 2*KeySize)
	if err != nil {
		return fmt.Errorf("wire: key derivation: %w", err)
	}
	edgeToCore, err := newAEAD(keys[:KeySize])
	if err != nil {
		return err
	}
	coreToEdge, err := newAEAD(keys[KeySize:])
	if err != nil {
		return err
	}
	if isEdge {
		c.sealer, c.opener = edgeToCore, coreToEdge
	} else {
		c.sealer, c.opener = coreToEdge, edgeToCore
	}
	return nil
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("wire: aes: %w", err)
	}
	return cipher.NewGCM(block)
}

func frameLimit(n int) (int, error) {
	if n == 0 {
		return DefaultMaxFrame, nil
	}
	if n < MinFrameLimit || n > MaxFrameLimit {
		return 0, fmt.Errorf("wire: max frame %d outside [%d, %d]", n, MinFrameLimit, MaxFrameLimit)
	}
	return n, nil
}

func timeoutOrDefault(d time.Duration) time.Duration {
	if d <= 0 {
		return DefaultHandshakeTimeout
	}
	return d
}

func randOrDefault(r io.Reader) io.Reader {
	if r == nil {
		return rand.Reader
	}
	return r
}

// isLoopback reports whether a is a loopback TCP address.
func isLoopback(a net.Addr) bool {
	t, ok := a.(*net.TCPAddr)
	return ok && t.IP.IsLoopback()
}
