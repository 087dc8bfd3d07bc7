package session

import (
	"errors"
	"time"

	"github.com/stratapool/strata/edge/stratum"
	"github.com/stratapool/strata/edge/vardiff"
	"github.com/stratapool/strata/wire"
)

// Session state flags.
const (
	subscribed = 1 << iota
	authPending
	authorized
	configured
	allocated
	closed
)

// Session is one miner's connection. It is used by one goroutine at a time:
// the connection's event loop (or, for TLS, its goroutine).
type Session struct {
	cfg   *Config
	up    Upstream
	lines stratum.Lines

	ID wire.SessionID
	// Extranonce1 is what the miner is given: the core's extranonce1 and
	// zeros for the part of the slot the miner's extranonce2 does not fill.
	Extranonce1 []byte
	en2Size     int
	flags       uint8
	mask        uint32
	// diff is what the miner was last told; next what it is told with the
	// next notify (0 for no change); min the floor a suggestion or password
	// set.
	diff, next, min float64
	// told is the difficulty the core credits this session with; steps the
	// last few it was told, with the job each counts from, to re-open the
	// session on a new link exactly.
	told   float64
	steps  []wire.SessionUpdate
	fixed  bool
	vd     vardiff.State
	Worker string
	Agent  string
	Remote string
	// Payout is the session's payout script in solo mode.
	Payout   []byte
	authID   []byte
	notified bool
	// invalid counts rejected shares in the window begun at invalidSince.
	invalid      int
	invalidSince time.Time
	lastRead     time.Time
}

// New makes a session for a connection from remote.
func New(cfg *Config, up Upstream, remote string, now time.Time) *Session {
	s := &Session{cfg: cfg, up: up, Remote: remote, lastRead: now}
	s.lines = *stratum.NewLines(stratum.MaxLine)
	s.diff = vardiff.Clamp(cfg.StartDifficulty, &cfg.Vardiff)
	s.vd.Reset(now)
	return s
}

// ErrClose ends a connection; it wraps the reason.
type ErrClose struct{ Reason wire.CloseReason }

func (e *ErrClose) Error() string { return "session: close: " + e.Reason.String() }

// errBanned ends a connection whose malformed requests passed the
// invalid-share limit: the server bans its address.
var errBanned = &ErrClose{Reason: wire.CloseBanned}

// Authorized reports whether the miner is authorized.
func (s *Session) Authorized() bool { return s.flags&authorized != 0 }

// Difficulty is the difficulty the miner was last told.
func (s *Session) Difficulty() float64 { return s.diff }

// LastRead is when the miner last sent something.
func (s *Session) LastRead() time.Time { return s.lastRead }

// Feed handles bytes from the miner and appends the replies to out. An
// *ErrClose means the connection must be closed (a line over the limit,
// bytes that are not Stratum, or malformed requests past the invalid-share
// limit: CloseBanned, for which the address is banned).
func (s *Session) Feed(out, data []byte, now time.Time) ([]byte, error) {
	s.lastRead = now
	// A TLS ClientHello on the plain port (bfgminer tries TLS first): close
	// at once so the miner retries in plain text instead of waiting for a
	// line that never comes.
	if s.flags == 0 && s.lines.Buffered() == 0 && len(data) > 0 && data[0] == 0x16 {
		return out, &ErrClose{Reason: wire.CloseTLSError}
	}
	err := s.lines.Feed(data, func(line []byte) error {
		var req stratum.Request
		if err := stratum.Decode(line, &req); err != nil {
			if s.flags&(subscribed|authorized|authPending) == 0 && !looksLikeJSON(line) {
				return &ErrClose{Reason: wire.CloseProtocolError} // a TLS hello, HTTP, noise
			}
			out = stratum.AppendError(out, req.ID, 20, err.Error())
			if s.countInvalid(now) {
				return errBanned
			}
			return nil
		}
		out = s.handle(out, &req, now)
		if s.Banned() {
			return errBanned // malformed shares passed the limit
		}
		return nil
	})
	if errors.Is(err, stratum.ErrLineTooLong) {
		return out, &ErrClose{Reason: wire.CloseLineTooLong}
	}
	return out, err
}

// looksLikeJSON tells a malformed Stratum line from bytes that are not
// Stratum at all (a TLS ClientHello on the plain port, an HTTP request).
func looksLikeJSON(line []byte) bool {
	for _, c := range line {
		switch c {
		case ' ', '\t', '\r':
			continue
		case '{':
			return true
		}
		return false
	}
	return false
}

func (s *Session) handle(out []byte, r *stratum.Request, now time.Time) []byte {
	switch r.Method {
	case stratum.MethodSubmit:
		return s.submit(out, r, now)
	case stratum.MethodSubscribe:
		return s.subscribe(out, r)
	case stratum.MethodAuthorize:
		return s.authorize(out, r, now)
	case stratum.MethodConfigure:
		return s.configure(out, r)
	case stratum.MethodSuggestDifficulty:
		return s.suggestDifficulty(out, r)
	case stratum.MethodSuggestTarget:
		return s.suggestTarget(out, r)
	case stratum.MethodExtranonceSubscribe, stratum.MethodMultiVersion:
		return stratum.AppendBool(out, r.ID, true)
	case stratum.MethodPing:
		return stratum.AppendResult(out, r.ID, []byte(`"pong"`))
	case stratum.MethodPong, stratum.MethodResult:
		return out // an answer to the pool's ping: the read itself counts
	case stratum.MethodGetTransactions:
		// The edge holds no transactions; an empty list is a valid answer.
		return stratum.AppendResult(out, r.ID, []byte("[]"))
	}
	return stratum.AppendError(out, r.ID, 20, "Unknown method "+string(truncate(r.Name, 64)))
}

func truncate(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}

// Close tells the core the session ended and frees its number.
func (s *Session) Close(reason wire.CloseReason) {
	if s.flags&closed != 0 {
		return
	}
	s.flags |= closed
	if s.flags&(authorized|authPending) != 0 {
		s.up.Close(s, reason)
	}
	if s.flags&allocated != 0 {
		s.up.Release(s.ID)
	}
}
