package load

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/stratapool/strata/bench/miner"
)

// pendingMax is how many submits a connection may have unanswered; the
// send times are kept as numbers, so 10,000 connections' worth is 20 MB
// with nothing for the garbage collector to scan.
const pendingMax = 256

// conn is one simulated miner.
type conn struct {
	r     *run
	index int
	nc    net.Conn
	hs    *handshake
	user  string

	wmu  sync.Mutex // guards wbuf and writes
	wbuf []byte

	mu          sync.Mutex // guards everything below
	en1         []byte
	en2Size     int
	mask        uint32
	subscribed  bool
	authorized  bool
	job         *miner.Job
	jobSeq      uint64 // bumped per job: the extranonce2 changes with it
	root        [32]byte
	target      miner.Target
	network     miner.Target
	haveTarget  bool
	nextNonce   uint32
	submits     uint64
	sentAt      [pendingMax]int64 // unix nanos, by submit number, for sequential ids
	fifo        []int64           // for a fixed id: answers in order
	outstanding int
}

func (c *conn) write(line []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.wbuf = append(append(c.wbuf[:0], line...), '\n')
	_ = c.nc.SetWriteDeadline(time.Now().Add(10 * time.Second))
	_, err := c.nc.Write(c.wbuf)
	return err
}

// open sends the handshake.
func (c *conn) open(pass string) error {
	for _, l := range c.hs.lines(c.user, pass) {
		if err := c.write([]byte(l)); err != nil {
			return err
		}
	}
	return nil
}

// read handles the pool's lines until the connection ends.
func (c *conn) read() error {
	br := bufio.NewReaderSize(c.nc, 16<<10)
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			if errors.Is(err, bufio.ErrBufferFull) {
				return errors.New("a line from the pool over 16 KiB")
			}
			return err
		}
		at := time.Now()
		line = bytes.TrimRight(line, "\r\n")
		if id, ok := fastAccepted(line); ok && c.isSubmit(string(id)) {
			c.answered(id, at, true, 0)
			continue
		}
		if params, ok := fastNotify(line); ok {
			if err := c.notify(params, at); err != nil {
				return err
			}
			continue
		}
		if err := c.handle(line, at); err != nil {
			return err
		}
	}
}

// fastAccepted reads the common answer without decoding JSON:
// {"id":N,"result":true,"error":null}.
func fastAccepted(line []byte) ([]byte, bool) {
	const head, tail = `{"id":`, `,"result":true,"error":null}`
	if !bytes.HasPrefix(line, []byte(head)) || !bytes.HasSuffix(line, []byte(tail)) {
		return nil, false
	}
	id := line[len(head) : len(line)-len(tail)]
	if len(id) == 0 || len(id) > 24 {
		return nil, false
	}
	return id, true
}

// fastNotify finds mining.notify's params without decoding the line, in
// the form most pools write it; other forms go through encoding/json.
func fastNotify(line []byte) ([]byte, bool) {
	const head = `{"id":null,"method":"mining.notify","params":`
	if !bytes.HasPrefix(line, []byte(head)) || !bytes.HasSuffix(line, []byte("]}")) {
		return nil, false
	}
	return line[len(head) : len(line)-1], true
}

func (c *conn) handle(line []byte, at time.Time) error {
	var m miner.Message
	if err := json.Unmarshal(line, &m); err != nil {
		return fmt.Errorf("pool sent %q: %w", truncate(line), err)
	}
	if m.Method != "" {
		return c.notification(&m, at)
	}
	id := string(m.ID)
	refusal := m.Refusal()
	rejected := refusal != nil
	switch id {
	case c.hs.subscribeID:
		if !c.subscribedNow() {
			if rejected {
				return fmt.Errorf("subscribe refused: %s", m.Error)
			}
			return c.subscribeResult(m.Result)
		}
	case c.hs.authorizeID:
		if !c.authorizedNow() {
			if rejected || string(m.Result) != "true" {
				return fmt.Errorf("authorize %s refused: %s", c.user, m.Error)
			}
			c.mu.Lock()
			c.authorized = true
			c.mu.Unlock()
			return nil
		}
	}
	if !c.isSubmit(id) {
		// A handshake answer (configure, multi_version, ...).
		if id == "1" || id == "0" {
			c.configureResult(m.Result)
		}
		return nil
	}
	code := 0
	if rejected {
		code = refusal.Code
		if code <= 0 { // none given, or not a number
			code = 20
		}
	} else if string(m.Result) != "true" {
		code = 20
	}
	c.answered([]byte(id), at, code == 0, code)
	return nil
}

func (c *conn) subscribedNow() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.subscribed
}

func (c *conn) authorizedNow() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.authorized
}

func (c *conn) isSubmit(id string) bool {
	if c.hs.fixedID != "" {
		return id == c.hs.fixedID
	}
	n, err := strconv.ParseUint(id, 10, 64)
	return err == nil && n >= 1000
}

func (c *conn) subscribeResult(res json.RawMessage) error {
	var r []json.RawMessage
	var en1 string
	var size int
	if json.Unmarshal(res, &r) != nil || len(r) < 3 || json.Unmarshal(r[1], &en1) != nil || json.Unmarshal(r[2], &size) != nil {
		return fmt.Errorf("subscribe result %s", truncate(res))
	}
	b, err := hex.DecodeString(en1)
	if err != nil || size < 1 || size > 16 {
		return fmt.Errorf("subscribe result %s", truncate(res))
	}
	c.mu.Lock()
	c.en1, c.en2Size, c.subscribed = b, size, true
	c.mu.Unlock()
	return nil
}

func (c *conn) configureResult(res json.RawMessage) {
	var r map[string]any
	if json.Unmarshal(res, &r) != nil {
		return
	}
	if ok, _ := r["version-rolling"].(bool); ok && c.hs.rolling {
		if m, _ := r["version-rolling.mask"].(string); m != "" {
			if v, err := strconv.ParseUint(m, 16, 32); err == nil {
				c.mu.Lock()
				c.mask = uint32(v)
				c.mu.Unlock()
			}
		}
	}
}

func (c *conn) notification(m *miner.Message, at time.Time) error {
	switch m.Method {
	case "mining.notify":
		return c.notify(m.Params, at)
	case "mining.set_difficulty":
		var p []float64
		if json.Unmarshal(m.Params, &p) != nil || len(p) == 0 {
			return fmt.Errorf("set_difficulty %s", truncate(m.Params))
		}
		t, err := miner.TargetFor(p[0])
		if err != nil {
			return err
		}
		c.mu.Lock()
		c.target, c.haveTarget = t, true
		c.mu.Unlock()
	case "mining.set_version_mask":
		var p []string
		if json.Unmarshal(m.Params, &p) == nil && len(p) > 0 && c.hs.rolling {
			if v, err := strconv.ParseUint(p[0], 16, 32); err == nil {
				c.mu.Lock()
				c.mask = uint32(v)
				c.mu.Unlock()
			}
		}
	case "mining.ping":
		return c.write(append(append([]byte(`{"id":`), m.ID...), `,"result":"pong","error":null}`...))
	case "client.reconnect":
		c.r.reconnects.Add(1)
	}
	return nil
}

// notify takes a new job. Every miner of a pool gets the same notify, so
// the decoding is shared (the run's job cache); only the merkle root, which
// has this miner's extranonce in it, is this connection's own work.
func (c *conn) notify(params []byte, at time.Time) error {
	j, network, err := c.r.job(params)
	if err != nil {
		return err
	}
	c.r.jobSeen(j.ID, at)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.job, c.network = j, network
	c.jobSeq++
	en2 := miner.Extranonce2(uint64(c.index)<<24|c.jobSeq&0xffffff, max(c.en2Size, 1))
	c.root = j.MerkleRoot(c.en1, en2)
	c.nextNonce = 0
	return nil
}

// answered records a submit's answer.
func (c *conn) answered(id []byte, at time.Time, accepted bool, code int) {
	var sent int64
	c.mu.Lock()
	if c.hs.fixedID != "" {
		if len(c.fifo) > 0 {
			sent = c.fifo[0]
			c.fifo = c.fifo[1:]
		}
	} else if n, err := strconv.ParseUint(string(id), 10, 64); err == nil && n >= 1000 {
		sent = c.sentAt[(n-1000)%pendingMax]
	}
	if c.outstanding > 0 {
		c.outstanding--
	}
	c.mu.Unlock()
	if sent == 0 {
		return
	}
	c.r.answer(time.Duration(at.UnixNano()-sent), accepted, code)
}

// share makes the next share, or reports that there is no work yet. In
// flood mode any hash is a share: the first nonce whose hash is not a
// block is taken (or, asked for a block, the first that is). Otherwise
// nonces are searched, up to limit hashes.
func (c *conn) share(flood, block bool, limit int) (line []byte, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.job == nil || !c.authorized || !c.haveTarget || c.outstanding >= pendingMax {
		return nil, false
	}
	j := c.job
	version, bits := j.Version, uint32(0)
	if c.mask != 0 {
		bits = j.Version & c.mask
	}
	for range limit {
		nonce := c.nextNonce
		c.nextNonce++
		h := j.Header(c.root, version, j.NTime, nonce)
		hash := miner.HashHeader(&h)
		if flood && c.network.Meets(hash) != block {
			continue // a stress test mines a block only when asked to
		}
		if !flood && !c.target.Meets(hash) {
			continue
		}
		n := c.submits
		c.submits++
		now := time.Now().UnixNano()
		if c.hs.fixedID != "" {
			c.fifo = append(c.fifo, now)
		} else {
			c.sentAt[n%pendingMax] = now
		}
		c.outstanding++
		en2 := miner.Extranonce2(uint64(c.index)<<24|c.jobSeq&0xffffff, max(c.en2Size, 1))
		return c.submitLine(c.hs.submitID(n), j.ID, en2, j.NTime, nonce, bits), true
	}
	return nil, false
}

func (c *conn) submitLine(id, job string, en2 []byte, ntime, nonce, bits uint32) []byte {
	b := make([]byte, 0, 200)
	b = append(b, `{"id":`...)
	b = append(b, id...)
	b = append(b, `,"method":"mining.submit","params":[`...)
	b = strconv.AppendQuote(b, c.user)
	b = append(b, `,"`...)
	b = append(b, job...)
	b = append(b, `","`...)
	b = hex.AppendEncode(b, en2)
	b = append(b, `","`...)
	b = appendHex32(b, ntime)
	b = append(b, `","`...)
	b = appendHex32(b, nonce)
	b = append(b, '"')
	if c.hs.rolling && c.mask != 0 {
		b = append(b, `,"`...)
		b = appendHex32(b, bits)
		b = append(b, '"')
	}
	return append(b, "]}"...)
}

func appendHex32(b []byte, v uint32) []byte {
	var x [4]byte
	binary.BigEndian.PutUint32(x[:], v)
	return hex.AppendEncode(b, x[:])
}

func truncate(b []byte) string {
	if len(b) > 200 {
		return string(b[:200]) + "..."
	}
	return string(b)
}
