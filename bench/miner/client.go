package miner

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"time"
)

// Client is one miner's connection.
type Client struct {
	conn net.Conn

	wmu  sync.Mutex // guards wbuf and writes
	wbuf []byte

	mu      sync.Mutex // guards everything below
	calls   map[string]chan Reply
	nextID  uint64
	job     *Job
	jobAt   time.Time
	diff    float64
	mask    uint32
	recon   *Reconnect
	updates chan struct{}

	// Extranonce1 and Extranonce2Size come from mining.subscribe.
	Extranonce1     []byte
	Extranonce2Size int

	done chan struct{}
	err  error
	// OnLine, if set before Start, sees every line from the pool with the
	// time it arrived. It runs on the reader goroutine.
	OnLine func(line []byte, at time.Time)
}

// Reply is the pool's answer to a request.
type Reply struct {
	ID     json.RawMessage
	Result json.RawMessage
	Error  *Error
	At     time.Time
}

// Error is a Stratum error: [code, message, data].
type Error struct {
	Code    int
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("stratum error %d: %s", e.Code, e.Message) }

// Reconnect is a client.reconnect the pool sent.
type Reconnect struct {
	Host string
	Port int
	Wait int
}

// ErrClosed is returned once the connection has ended.
var ErrClosed = errors.New("miner: connection closed")

// Dial connects to a pool; tlsCfg nil for plain TCP.
func Dial(ctx context.Context, addr string, tlsCfg *tls.Config) (*Client, error) {
	d := &net.Dialer{Timeout: 10 * time.Second}
	var conn net.Conn
	var err error
	if tlsCfg != nil {
		td := &tls.Dialer{NetDialer: d, Config: tlsCfg}
		conn, err = td.DialContext(ctx, "tcp", addr)
	} else {
		conn, err = d.DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return nil, fmt.Errorf("miner: dial %s: %w", addr, err)
	}
	return New(conn), nil
}

// New makes a client on a connection; Start begins reading.
func New(conn net.Conn) *Client {
	return &Client{conn: conn, calls: map[string]chan Reply{}, updates: make(chan struct{}, 1), done: make(chan struct{})}
}

// Start reads the pool's messages until the connection ends.
func (c *Client) Start() { go c.read() }

// Done is closed when the connection has ended; Err says why.
func (c *Client) Done() <-chan struct{} { return c.done }

// Err is why the connection ended.
func (c *Client) Err() error {
	select {
	case <-c.done:
		return c.err
	default:
		return nil
	}
}

// Close ends the connection.
func (c *Client) Close() error { return c.conn.Close() }

// LocalAddr is the client's end of the connection.
func (c *Client) LocalAddr() net.Addr { return c.conn.LocalAddr() }

// Updates signals a new job or difficulty.
func (c *Client) Updates() <-chan struct{} { return c.updates }

// Work is the current job (nil before the first), when it arrived, and
// the difficulty to mine it at.
func (c *Client) Work() (*Job, time.Time, float64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.job, c.jobAt, c.diff
}

// VersionMask is the mask the pool allows, from mining.configure or
// mining.set_version_mask.
func (c *Client) VersionMask() uint32 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.mask
}

// Reconnected is the last client.reconnect, or nil.
func (c *Client) Reconnected() *Reconnect {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.recon
}

// WriteLine sends a raw line (a newline is added).
func (c *Client) WriteLine(line []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.wbuf = append(append(c.wbuf[:0], line...), '\n')
	_, err := c.conn.Write(c.wbuf)
	return err
}

// Send writes a request without waiting for its answer; the answer comes
// on the returned channel.
func (c *Client) Send(method string, params any) (<-chan Reply, time.Time, error) {
	p, err := json.Marshal(params)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("miner: params of %s: %w", method, err)
	}
	ch := make(chan Reply, 1)
	c.mu.Lock()
	c.nextID++
	id := c.nextID
	c.calls[strconv.FormatUint(id, 10)] = ch
	c.mu.Unlock()

	c.wmu.Lock()
	b := append(c.wbuf[:0], `{"id":`...)
	b = strconv.AppendUint(b, id, 10)
	b = append(b, `,"method":`...)
	b = strconv.AppendQuote(b, method)
	b = append(b, `,"params":`...)
	b = append(append(b, p...), "}\n"...)
	c.wbuf = b
	sent := time.Now()
	_, err = c.conn.Write(b)
	c.wmu.Unlock()
	if err != nil {
		c.mu.Lock()
		delete(c.calls, strconv.FormatUint(id, 10))
		c.mu.Unlock()
		return nil, sent, fmt.Errorf("miner: send %s: %w", method, err)
	}
	return ch, sent, nil
}

// Call sends a request and waits for its answer.
func (c *Client) Call(ctx context.Context, method string, params any) (Reply, error) {
	ch, _, err := c.Send(method, params)
	if err != nil {
		return Reply{}, err
	}
	select {
	case r := <-ch:
		return r, nil
	case <-c.done:
		return Reply{}, fmt.Errorf("%s: %w", method, ErrClosed)
	case <-ctx.Done():
		return Reply{}, fmt.Errorf("miner: %s: %w", method, ctx.Err())
	}
}

// Configure asks for version rolling with mask; the pool's mask is kept.
func (c *Client) Configure(ctx context.Context, mask uint32) error {
	r, err := c.Call(ctx, "mining.configure", []any{[]string{"version-rolling"},
		map[string]any{"version-rolling.mask": fmt.Sprintf("%08x", mask), "version-rolling.min-bit-count": 2}})
	if err != nil {
		return err
	}
	if r.Error != nil {
		return r.Error
	}
	var res map[string]any
	if err := json.Unmarshal(r.Result, &res); err != nil {
		return fmt.Errorf("miner: configure result %s", r.Result)
	}
	if ok, _ := res["version-rolling"].(bool); ok {
		m, _ := res["version-rolling.mask"].(string)
		v, err := strconv.ParseUint(m, 16, 32)
		if err != nil {
			return fmt.Errorf("miner: configure mask %q", m)
		}
		c.mu.Lock()
		c.mask = uint32(v)
		c.mu.Unlock()
	}
	return nil
}

// Subscribe sends mining.subscribe and keeps the extranonce it gives.
func (c *Client) Subscribe(ctx context.Context, agent string, resume string) error {
	params := []any{agent}
	if resume != "" {
		params = append(params, resume)
	}
	r, err := c.Call(ctx, "mining.subscribe", params)
	if err != nil {
		return err
	}
	if r.Error != nil {
		return r.Error
	}
	var res []json.RawMessage
	var en1 string
	if err := json.Unmarshal(r.Result, &res); err != nil || len(res) < 3 || json.Unmarshal(res[1], &en1) != nil ||
		json.Unmarshal(res[2], &c.Extranonce2Size) != nil {
		return fmt.Errorf("miner: subscribe result %s", r.Result)
	}
	if c.Extranonce1, err = hexDecode(en1); err != nil {
		return fmt.Errorf("miner: subscribe extranonce1 %q", en1)
	}
	return nil
}

// Authorize sends mining.authorize.
func (c *Client) Authorize(ctx context.Context, user, password string) error {
	r, err := c.Call(ctx, "mining.authorize", []string{user, password})
	if err != nil {
		return err
	}
	if r.Error != nil {
		return r.Error
	}
	if string(r.Result) != "true" {
		return fmt.Errorf("miner: authorize %s: %s", user, r.Result)
	}
	return nil
}

// Share is a solution to a job.
type Share struct {
	JobID       string
	Extranonce2 []byte
	NTime       uint32
	Nonce       uint32
	// VersionBits are the rolled bits sent as the 6th parameter, when
	// HasVersion.
	VersionBits uint32
	HasVersion  bool
	Hash        [32]byte
}

// Params are the share's mining.submit params for user.
func (s *Share) Params(user string) []string {
	p := []string{user, s.JobID, hexEncode(s.Extranonce2), fmt.Sprintf("%08x", s.NTime), fmt.Sprintf("%08x", s.Nonce)}
	if s.HasVersion {
		p = append(p, fmt.Sprintf("%08x", s.VersionBits))
	}
	return p
}

// Submit sends a share and waits for the verdict.
func (c *Client) Submit(ctx context.Context, user string, s *Share) (Reply, error) {
	return c.Call(ctx, "mining.submit", s.Params(user))
}

func (c *Client) read() {
	defer close(c.done)
	r := bufio.NewReaderSize(c.conn, 16<<10)
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			if errors.Is(err, bufio.ErrBufferFull) {
				c.err = errors.New("miner: line from the pool over 16 KiB")
			} else if errors.Is(err, io.EOF) {
				c.err = ErrClosed
			} else {
				c.err = err
			}
			c.conn.Close()
			return
		}
		at := time.Now()
		if c.OnLine != nil {
			c.OnLine(line, at)
		}
		if err := c.handle(line, at); err != nil {
			c.err = err
			c.conn.Close()
			return
		}
	}
}

// Message is a line from the pool, decoded: a notification when Method
// is set, else an answer.
type Message struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Params json.RawMessage `json:"params"`
	Result json.RawMessage `json:"result"`
	Error  json.RawMessage `json:"error"`
}

// Refusal is the answer's error, or nil when it has none.
func (m *Message) Refusal() *Error {
	if len(m.Error) == 0 || string(m.Error) == "null" {
		return nil
	}
	return parseError(m.Error)
}

func (c *Client) handle(line []byte, at time.Time) error {
	var m Message
	if err := json.Unmarshal(line, &m); err != nil {
		return fmt.Errorf("miner: pool sent %q: %w", line, err)
	}
	if m.Method == "" {
		rep := Reply{ID: m.ID, Result: m.Result, At: at, Error: m.Refusal()}
		c.mu.Lock()
		ch, ok := c.calls[string(m.ID)]
		delete(c.calls, string(m.ID))
		c.mu.Unlock()
		if ok {
			ch <- rep
		}
		return nil
	}
	switch m.Method {
	case "mining.notify":
		j, err := ParseNotify(m.Params)
		if err != nil {
			return err
		}
		c.mu.Lock()
		c.job, c.jobAt = j, at
		c.mu.Unlock()
		c.signal()
	case "mining.set_difficulty":
		var p []float64
		if err := json.Unmarshal(m.Params, &p); err != nil || len(p) < 1 || !(p[0] > 0) {
			return fmt.Errorf("miner: set_difficulty %s", m.Params)
		}
		c.mu.Lock()
		c.diff = p[0]
		c.mu.Unlock()
		c.signal()
	case "mining.set_version_mask":
		var p []string
		if err := json.Unmarshal(m.Params, &p); err == nil && len(p) > 0 {
			if v, err := strconv.ParseUint(p[0], 16, 32); err == nil {
				c.mu.Lock()
				c.mask = uint32(v)
				c.mu.Unlock()
			}
		}
	case "mining.ping":
		// Bitaxe's answer shape.
		c.wmu.Lock()
		c.wbuf = append(append(append(c.wbuf[:0], `{"id":`...), m.ID...), `,"method":"pong","params":[]}`+"\n"...)
		_, _ = c.conn.Write(c.wbuf)
		c.wmu.Unlock()
	case "client.reconnect":
		var p []any
		_ = json.Unmarshal(m.Params, &p)
		rc := &Reconnect{}
		if len(p) > 0 {
			rc.Host, _ = p[0].(string)
		}
		if len(p) > 1 {
			port, _ := p[1].(float64)
			rc.Port = int(port)
		}
		if len(p) > 2 {
			wait, _ := p[2].(float64)
			rc.Wait = int(wait)
		}
		c.mu.Lock()
		c.recon = rc
		c.mu.Unlock()
	}
	return nil
}

func (c *Client) signal() {
	select {
	case c.updates <- struct{}{}:
	default:
	}
}

func parseError(raw json.RawMessage) *Error {
	var p []json.RawMessage
	e := &Error{Code: -1, Message: string(raw)}
	if json.Unmarshal(raw, &p) == nil && len(p) >= 2 {
		_ = json.Unmarshal(p[0], &e.Code)
		_ = json.Unmarshal(p[1], &e.Message)
	}
	return e
}
