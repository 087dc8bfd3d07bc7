package session

import (
	"encoding/hex"
	"encoding/json"
	"math"
	"math/big"
	"math/bits"
	"strconv"
	"strings"
	"time"

	"github.com/stratapool/strata/edge/stratum"
	"github.com/stratapool/strata/edge/vardiff"
	"github.com/stratapool/strata/wire"
)

// maxField bounds what is kept of a miner's strings.
const maxField = 256

// allocate gives the session its number, resuming resume if it can.
func (s *Session) allocate(resume []byte) bool {
	if s.flags&allocated != 0 {
		return true
	}
	id, en1, slot, ok := s.up.Allocate(resume)
	if !ok {
		return false
	}
	s.ID = id
	// The miner rolls the configured size, or the whole slot when that is
	// smaller or none is configured.
	s.en2Size = s.cfg.Extranonce2Size
	if s.en2Size <= 0 || s.en2Size > slot {
		s.en2Size = slot
	}
	pad := slot - s.en2Size
	s.Extranonce1 = append(append(make([]byte, 0, len(en1)+pad), en1...), make([]byte, pad)...)
	s.flags |= allocated
	return true
}

// subscribe answers mining.subscribe: [agent, session to resume, ...].
func (s *Session) subscribe(out []byte, r *stratum.Request) []byte {
	var params []json.RawMessage
	_ = json.Unmarshal(r.Params, &params)
	if len(params) > 0 && s.Agent == "" {
		s.Agent = clip(stringParam(params[0]))
	}
	var resume []byte
	if len(params) > 1 {
		resume, _ = hex.DecodeString(stringParam(params[1]))
	}
	if !s.allocate(resume) {
		return stratum.AppendError(out, r.ID, 20, "Pool not ready: no link to the core")
	}
	first := s.flags&subscribed == 0
	s.flags |= subscribed
	sub := hex.EncodeToString(s.Extranonce1)
	out = stratum.AppendSubscribeResult(out, r.ID, sub, s.Extranonce1, s.en2Size)
	// A miner that authorized first gets its first job now.
	if first && s.flags&authorized != 0 {
		if j := s.up.Job(); j != nil {
			out = s.notify(out, j, true)
		}
	}
	return out
}

func stringParam(p json.RawMessage) string {
	var v string
	if json.Unmarshal(p, &v) != nil {
		return ""
	}
	return v
}

func clip(s string) string {
	if len(s) > maxField {
		s = s[:maxField]
	}
	return strings.ToValidUTF8(s, "?")
}

// authorize handles mining.authorize: [user, password, ...]. The answer
// waits for the core's AUTH_RESULT.
func (s *Session) authorize(out []byte, r *stratum.Request, now time.Time) []byte {
	var params []json.RawMessage
	if json.Unmarshal(r.Params, &params) != nil || len(params) == 0 {
		return stratum.AppendError(out, r.ID, 20, "mining.authorize takes a user name and a password")
	}
	user := stringParam(params[0])
	if user == "" {
		return stratum.AppendError(out, r.ID, 24, "Unauthorized worker: no user name")
	}
	switch {
	case s.flags&authorized != 0 && user == s.Worker:
		return stratum.AppendBool(out, r.ID, true)
	case s.flags&(authorized|authPending) != 0:
		return stratum.AppendError(out, r.ID, 24, "Unauthorized worker: this connection is for "+s.Worker)
	}
	if !s.allocate(nil) {
		return stratum.AppendError(out, r.ID, 20, "Pool not ready: no link to the core")
	}
	if len(params) > 1 {
		s.passwordOptions(stringParam(params[1]))
	}
	s.Worker = clip(user)
	s.authID = append([]byte(nil), r.ID...)
	s.flags |= authPending
	s.vd.Reset(now)
	s.told = s.target()
	s.steps = append(s.steps[:0], wire.SessionUpdate{Session: s.ID, Difficulty: s.told, VersionMask: s.mask})
	s.up.Open(s, &wire.SessionOpen{Session: s.ID, VersionMask: s.mask, Difficulty: s.told,
		Worker: wire.TruncateText(s.Worker), Agent: clipTo(s.Agent, wire.MaxAgentLen), Remote: clipTo(s.Remote, wire.MaxAddrLen)})
	return out
}

func clipTo(s string, n int) string {
	if len(s) > n {
		return strings.ToValidUTF8(s[:n], "?")
	}
	return s
}

// target is the difficulty the miner gets with its next notify.
func (s *Session) target() float64 {
	if s.next != 0 {
		return s.next
	}
	return s.diff
}

// passwordOptions reads d=/diff= (a fixed difficulty) and md=/mindiff= (a
// minimum) from the password, separated by commas, semicolons or spaces.
func (s *Session) passwordOptions(pass string) {
	for _, f := range strings.FieldsFunc(pass, func(r rune) bool { return r == ',' || r == ';' || r == ' ' }) {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			continue
		}
		d, err := strconv.ParseFloat(v, 64)
		if err != nil || !(d > 0) || math.IsInf(d, 0) {
			continue
		}
		switch strings.ToLower(k) {
		case "d", "diff":
			s.fixed = true
			s.setTarget(d)
		case "md", "mindiff":
			s.min = vardiff.Clamp(d, &s.cfg.Vardiff)
			if s.target() < s.min {
				s.setTarget(s.min)
			}
		}
	}
}

// setTarget sets the difficulty the next notify carries, within the
// listener's limits (and the session's minimum).
func (s *Session) setTarget(d float64) {
	if f := s.up.Flood(); f > 0 {
		d = f
	} else {
		d = vardiff.Clamp(max(d, s.min), &s.cfg.Vardiff)
	}
	if !s.notified {
		s.diff, s.next = d, 0 // nothing sent yet: the first notify carries it
		return
	}
	if d == s.diff {
		s.next = 0
		return
	}
	s.next = d
}

// AuthResult is the core's answer to the session's authorize.
func (s *Session) AuthResult(out []byte, m *wire.AuthResult, job *Job, now time.Time) []byte {
	if s.flags&authPending == 0 {
		return out
	}
	s.flags &^= authPending
	id := s.authID
	s.authID = nil
	if m.Status != wire.AuthOK {
		msg := m.Message
		if msg == "" {
			msg = m.Status.String()
		}
		return stratum.AppendError(out, id, 24, "Unauthorized worker: "+msg)
	}
	s.flags |= authorized
	s.Payout = m.PayoutScript
	if f := s.up.Flood(); f > 0 && s.target() != f {
		s.setTarget(f) // flood mode: nothing else counts
	}
	out = stratum.AppendBool(out, id, true)
	if job != nil {
		out = s.notify(out, job, true)
	}
	s.vd.Reset(now)
	return out
}

// configure answers mining.configure: [[extensions], {options}].
func (s *Session) configure(out []byte, r *stratum.Request) []byte {
	var params []json.RawMessage
	var names []string
	opts := map[string]json.RawMessage{}
	if json.Unmarshal(r.Params, &params) != nil || len(params) == 0 || json.Unmarshal(params[0], &names) != nil {
		return stratum.AppendError(out, r.ID, 20, "mining.configure takes a list of extensions and their options")
	}
	if len(params) > 1 {
		_ = json.Unmarshal(params[1], &opts)
	}
	var answers []stratum.Extension
	for _, name := range names {
		switch name {
		case "version-rolling":
			mask := uint32(0xffffffff)
			if v, ok := opts["version-rolling.mask"]; ok {
				if m, err := strconv.ParseUint(strings.TrimPrefix(stringParam(v), "0x"), 16, 32); err == nil {
					mask = uint32(m)
				}
			}
			mask &= s.cfg.VersionMask
			minBits := 0
			if v, ok := opts["version-rolling.min-bit-count"]; ok {
				_ = json.Unmarshal(v, &minBits)
			}
			if mask == 0 || bits.OnesCount32(mask) < minBits {
				answers = append(answers, stratum.Extension{Key: "version-rolling", Value: []byte("false")})
				continue
			}
			changed := s.mask != mask
			s.mask = mask
			s.flags |= configured
			answers = append(answers,
				stratum.Extension{Key: "version-rolling", Value: []byte("true")},
				stratum.Extension{Key: "version-rolling.mask", Value: stratum.AppendHex32([]byte{'"'}, mask)})
			answers[len(answers)-1].Value = append(answers[len(answers)-1].Value, '"')
			if changed && s.flags&authorized != 0 {
				s.up.Update(s, &wire.SessionUpdate{Session: s.ID, FromJob: s.lastJob(), Difficulty: s.diff, VersionMask: mask})
			}
		case "minimum-difficulty":
			var d float64
			if v, ok := opts["minimum-difficulty.value"]; ok && json.Unmarshal(v, &d) == nil && d > 0 {
				s.min = vardiff.Clamp(d, &s.cfg.Vardiff)
				if s.target() < s.min {
					s.setTarget(s.min)
				}
				answers = append(answers, stratum.Extension{Key: "minimum-difficulty", Value: []byte("true")})
				continue
			}
			answers = append(answers, stratum.Extension{Key: "minimum-difficulty", Value: []byte("false")})
		case "subscribe-extranonce":
			// The edge never changes a session's extranonce1: nothing to send.
			answers = append(answers, stratum.Extension{Key: name, Value: []byte("true")})
		default:
			answers = append(answers, stratum.Extension{Key: clip(name), Value: []byte("false")})
		}
	}
	return stratum.AppendConfigureResult(out, r.ID, answers)
}

// suggestDifficulty honours mining.suggest_difficulty within the limits:
// it becomes the session's difficulty and its floor.
func (s *Session) suggestDifficulty(out []byte, r *stratum.Request) []byte {
	var params []float64
	if json.Unmarshal(r.Params, &params) != nil || len(params) == 0 || !(params[0] > 0) {
		return stratum.AppendError(out, r.ID, 20, "mining.suggest_difficulty takes a positive difficulty")
	}
	s.suggest(params[0])
	return stratum.AppendBool(out, r.ID, true)
}

// suggestTarget honours mining.suggest_target: a target in hex.
func (s *Session) suggestTarget(out []byte, r *stratum.Request) []byte {
	var params []string
	if json.Unmarshal(r.Params, &params) != nil || len(params) == 0 {
		return stratum.AppendError(out, r.ID, 20, "mining.suggest_target takes a target in hex")
	}
	t, ok := new(big.Int).SetString(strings.TrimPrefix(params[0], "0x"), 16)
	if !ok || t.Sign() <= 0 || t.BitLen() > 256 {
		return stratum.AppendError(out, r.ID, 20, "mining.suggest_target takes a target in hex")
	}
	diff1 := new(big.Int).Lsh(big.NewInt(0xffff), 208)
	d, _ := new(big.Rat).SetFrac(diff1, t).Float64()
	s.suggest(d)
	return stratum.AppendBool(out, r.ID, true)
}

func (s *Session) suggest(d float64) {
	if s.fixed {
		return
	}
	d = vardiff.Clamp(d, &s.cfg.Vardiff)
	s.min = d
	s.setTarget(d)
}

func (s *Session) lastJob() wire.JobID {
	if j := s.up.Job(); j != nil {
		return j.ID
	}
	return 0
}
