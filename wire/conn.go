package wire

import (
	"bufio"
	"crypto/cipher"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/klauspost/compress/s2"
)

// Conn is an established link. One goroutine reads (ReadFrame); any number
// may write (Write, Flush, Send), serialised by Conn.
type Conn struct {
	nc      net.Conn
	version uint16
	caps    Caps
	// sendDir is the direction of the messages this end sends.
	sendDir Direction
	maxRecv int // largest payload this end accepts
	maxSend int // largest payload the peer accepts

	// Read side: owned by the reading goroutine.
	br      *bufio.Reader
	opener  cipher.AEAD // nil on a plain-text link
	recvSeq uint64
	rnonce  [12]byte
	rhdr    [HeaderSize]byte
	rbuf    []byte
	dbuf    []byte

	wmu     sync.Mutex // guards the write side below
	bw      *bufio.Writer
	sealer  cipher.AEAD // nil on a plain-text link
	sendSeq uint64
	wnonce  [12]byte
	wbuf    []byte
	cbuf    []byte
	werr    error // sticky: the link is broken once a write fails
}

const connBufferSize = 64 << 10

func newConn(nc net.Conn, sendDir Direction) *Conn {
	return &Conn{
		nc:      nc,
		sendDir: sendDir,
		maxRecv: handshakeMaxFrame,
		maxSend: handshakeMaxFrame,
		br:      bufio.NewReaderSize(nc, connBufferSize),
		bw:      bufio.NewWriterSize(nc, connBufferSize),
		wbuf:    make([]byte, 0, 8<<10),
	}
}

// Version is the protocol version the link speaks.
func (c *Conn) Version() uint16 { return c.version }

// Caps is the set of capabilities both ends agreed to.
func (c *Conn) Caps() Caps { return c.caps }

// Sealed reports whether frames are authenticated and encrypted.
func (c *Conn) Sealed() bool { return c.sealer != nil }

// RemoteAddr is the peer's network address.
func (c *Conn) RemoteAddr() net.Addr { return c.nc.RemoteAddr() }

// SetReadDeadline bounds the next ReadFrame.
func (c *Conn) SetReadDeadline(t time.Time) error { return c.nc.SetReadDeadline(t) }

// SetWriteDeadline bounds the next writes.
func (c *Conn) SetWriteDeadline(t time.Time) error { return c.nc.SetWriteDeadline(t) }

// Close closes the network connection.
func (c *Conn) Close() error { return c.nc.Close() }

// ReadFrame reads the next frame and returns its type and payload, opened
// and decompressed. The payload is valid until the next ReadFrame. Bad input
// gives an error wrapping ErrMalformed; the link must then be closed.
func (c *Conn) ReadFrame() (Type, []byte, error) {
	h, payload, err := c.readRaw()
	if err != nil {
		return 0, nil, err
	}
	payload, err = c.open(h, payload)
	if err != nil {
		return 0, nil, err
	}
	return h.typ, payload, nil
}

// ReadMessage reads the next frame into a new message. It allocates; hot
// paths use ReadFrame and decode into a reused message.
func (c *Conn) ReadMessage() (Message, error) {
	t, payload, err := c.ReadFrame()
	if err != nil {
		return nil, err
	}
	return Decode(t, payload)
}

// readRaw reads one frame without opening it.
func (c *Conn) readRaw() (header, []byte, error) {
	if _, err := io.ReadFull(c.br, c.rhdr[:]); err != nil {
		return header{}, nil, err
	}
	maxLen := c.maxRecv
	if c.opener != nil {
		maxLen += TagSize
	}
	h, err := parseHeader(c.rhdr[:], maxLen, c.sendDir^Both, c.caps)
	if err != nil {
		return h, nil, err
	}
	n := int(h.length)
	if cap(c.rbuf) < n {
		c.rbuf = make([]byte, n)
	}
	payload := c.rbuf[:n]
	if _, err := io.ReadFull(c.br, payload); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return h, nil, err
	}
	return h, payload, nil
}

// open authenticates, decrypts and decompresses a frame's payload in place.
func (c *Conn) open(h header, payload []byte) ([]byte, error) {
	if c.opener != nil {
		if len(payload) < TagSize {
			return nil, fmt.Errorf("%w: %s frame shorter than its tag", ErrAuthentication, h.typ)
		}
		var err error
		payload, err = c.opener.Open(payload[:0], nonce(&c.rnonce, c.recvSeq), payload, c.rhdr[:])
		if err != nil {
			return nil, fmt.Errorf("%w: %s frame %d", ErrAuthentication, h.typ, c.recvSeq)
		}
		c.recvSeq++
	}
	if h.flags&FlagCompressed == 0 {
		return payload, nil
	}
	n, err := s2.DecodedLen(payload)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrDecompress, h.typ, err)
	}
	if n > c.maxRecv {
		return nil, fmt.Errorf("%w: %s decompresses to %d bytes, at most %d", ErrFrameTooLarge, h.typ, n, c.maxRecv)
	}
	if cap(c.dbuf) < n {
		c.dbuf = make([]byte, n)
	}
	out, err := s2.Decode(c.dbuf[:n], payload)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrDecompress, h.typ, err)
	}
	return out, nil
}

// Write encodes m into the link's write buffer; Flush sends it. An error
// encoding m leaves the link usable; an I/O error breaks it for good.
func (c *Conn) Write(m Message) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.writeLocked(m)
}

// Flush sends what Write buffered.
func (c *Conn) Flush() error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.flushLocked()
}

// Send writes m and flushes.
func (c *Conn) Send(m Message) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if err := c.writeLocked(m); err != nil {
		return err
	}
	return c.flushLocked()
}

func (c *Conn) flushLocked() error {
	if c.werr != nil {
		return c.werr
	}
	if err := c.bw.Flush(); err != nil {
		c.werr = err
	}
	return c.werr
}

func (c *Conn) writeLocked(m Message) error {
	if c.werr != nil {
		return c.werr
	}
	t := m.Type()
	if t.Direction()&c.sendDir == 0 {
		return fmt.Errorf("wire: this end may not send %s", t)
	}
	if !t.allowed(c.caps) {
		return fmt.Errorf("wire: the link did not agree the capability %s needs", t)
	}
	buf, err := m.AppendBinary(c.wbuf[:HeaderSize])
	if err != nil {
		return err
	}
	// The peer bounds the decompressed size too, so check before compressing.
	if size := len(buf) - HeaderSize; size > c.maxSend {
		c.wbuf = buf[:0]
		return fmt.Errorf("wire: %s of %d bytes is over the peer's maximum of %d", t, size, c.maxSend)
	}
	var flags Flags
	if c.caps.Has(CapCompression) && types[t].compressible && len(buf)-HeaderSize >= compressThreshold {
		c.cbuf = s2.Encode(c.cbuf[:cap(c.cbuf)], buf[HeaderSize:])
		if len(c.cbuf) < len(buf)-HeaderSize {
			buf = append(buf[:HeaderSize], c.cbuf...)
			flags |= FlagCompressed
		}
	}
	size := len(buf) - HeaderSize
	if c.sealer != nil {
		size += TagSize
	}
	putHeader(buf, header{length: uint32(size), typ: t, flags: flags})
	if c.sealer != nil {
		// Seal in place: the ciphertext overwrites the plaintext exactly.
		buf = c.sealer.Seal(buf[:HeaderSize], nonce(&c.wnonce, c.sendSeq), buf[HeaderSize:], buf[:HeaderSize])
		c.sendSeq++
	}
	c.wbuf = buf[:0]
	if _, err := c.bw.Write(buf); err != nil {
		c.werr = err
	}
	return c.werr
}

// writePlain sends m unsealed: the handshake's GOODBYE to a peer that may
// not hold the key.
func (c *Conn) writePlain(m Message) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	sealer := c.sealer
	c.sealer = nil
	defer func() { c.sealer = sealer }()
	if err := c.writeLocked(m); err != nil {
		return err
	}
	return c.flushLocked()
}

// Goodbye sends a GOODBYE and closes the link. Errors are not interesting:
// the link is going away either way.
func (c *Conn) Goodbye(reason GoodbyeReason, detail string) {
	_ = c.SetWriteDeadline(time.Now().Add(time.Second))
	_ = c.Send(&Goodbye{Reason: reason, Detail: TruncateText(detail)})
	_ = c.Close()
}

// TruncateText cuts s to MaxTextLen bytes on a rune boundary, so it fits a
// text field of any message.
func TruncateText(s string) string {
	if len(s) <= MaxTextLen {
		return s
	}
	// s[i] is the first byte dropped: while it continues a rune, the cut
	// would split that rune, so cut before the rune starts.
	i := MaxTextLen
	for i > 0 && s[i]&0xc0 == 0x80 {
		i--
	}
	return s[:i]
}
