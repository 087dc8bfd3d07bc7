package session

import (
	"time"

	"github.com/stratapool/strata/edge/stratum"
	"github.com/stratapool/strata/wire"
)

// submit checks what the edge can check of a share (the session's state and
// the fields' form) and passes it to the core; the answer waits for the
// core's verdict.
func (s *Session) submit(out []byte, r *stratum.Request, now time.Time) []byte {
	switch {
	case s.flags&subscribed == 0:
		return s.reject(out, r.ID, wire.VerdictNotSubscribed.StratumCode(), wire.VerdictNotSubscribed.Message())
	case s.flags&authorized == 0:
		return s.reject(out, r.ID, wire.VerdictUnauthorized.StratumCode(), wire.VerdictUnauthorized.Message())
	}
	sub := &r.Submit
	job, err := stratum.Hex32(sub.JobID)
	if err != nil || !s.up.Known(wire.JobID(job)) {
		return s.reject(out, r.ID, 21, "Job not found")
	}
	en2, err := stratum.HexBytes(sub.Extranonce2, s.en2Size)
	if err != nil {
		return s.malformed(out, r.ID, "extranonce2 must be the size given at subscribe", now)
	}
	ntime, err := stratum.Hex32(sub.NTime)
	if err != nil {
		return s.malformed(out, r.ID, "ntime must be hex", now)
	}
	nonce, err := stratum.Hex32(sub.Nonce)
	if err != nil {
		return s.malformed(out, r.ID, "nonce must be hex", now)
	}
	rec := wire.SubmitRecord{Session: s.ID, Job: wire.JobID(job), Extranonce2: en2, NTime: ntime, Nonce: nonce}
	if sub.HasVersion {
		if rec.VersionBits, err = stratum.Hex32(sub.Version); err != nil {
			return s.malformed(out, r.ID, "version bits must be hex", now)
		}
		rec.HasVersion = true
	}
	if !s.up.Submit(s, rec, r.ID) {
		return s.reject(out, r.ID, 20, "Pool busy: share not taken, please resubmit")
	}
	return out
}

func (s *Session) malformed(out, id []byte, why string, now time.Time) []byte {
	s.countInvalid(now)
	return s.reject(out, id, 20, "Malformed share: "+why)
}

// reject answers a submit the edge does not pass on.
func (s *Session) reject(out, id []byte, code int, msg string) []byte {
	s.up.Rejected()
	return stratum.AppendError(out, id, code, msg)
}

// countInvalid counts a rejected share; it reports a ban when the
// listener's limit is passed within its window.
func (s *Session) countInvalid(now time.Time) bool {
	if s.cfg.BanInvalid <= 0 {
		return false
	}
	if now.Sub(s.invalidSince) > s.cfg.BanWindow {
		s.invalid, s.invalidSince = 0, now
	}
	s.invalid++
	return s.invalid >= s.cfg.BanInvalid
}

// Banned reports whether the miner has passed the invalid-share limit.
func (s *Session) Banned() bool { return s.cfg.BanInvalid > 0 && s.invalid >= s.cfg.BanInvalid }

// countsAgainst reports whether a verdict is the miner's fault: stale work
// after a new block, or a pool that cannot credit, is not.
func countsAgainst(v wire.Verdict) bool {
	switch v {
	case wire.VerdictDuplicate, wire.VerdictLowDifficulty, wire.VerdictBadNTime, wire.VerdictBadVersion,
		wire.VerdictMalformed, wire.VerdictUnauthorized, wire.VerdictNotSubscribed:
		return true
	}
	return false
}

// Verdict answers the submit with id. ban reports the miner passed the
// invalid-share limit and should be closed and banned.
func (s *Session) Verdict(out, id []byte, v wire.Verdict, now time.Time) (_ []byte, ban bool) {
	if v.Accepted() {
		out = stratum.AppendBool(out, id, true)
		if s.vd.Share(now, &s.cfg.Vardiff) {
			s.Retarget(now) // far above the target rate: no need to wait
		}
		return out, false
	}
	out = stratum.AppendError(out, id, v.StratumCode(), v.Message())
	return out, countsAgainst(v) && s.countInvalid(now)
}

// NotifyParts is what the miner is sent for a new job: prefix (appended to
// out) holds a new difficulty when one is due, line is the job's shared
// notify, to be written after it unchanged. ok is false for a session that
// gets no jobs (not authorized).
func (s *Session) NotifyParts(out []byte, j *Job) (prefix, line []byte, ok bool) {
	first := !s.notified
	out, ok = s.notifyPrefix(out, j)
	if !ok {
		return out, nil, false
	}
	return out, j.Line(s.Payout, first), true
}

func (s *Session) notify(out []byte, j *Job, forceClean bool) []byte {
	first := !s.notified
	out, ok := s.notifyPrefix(out, j)
	if !ok {
		return out
	}
	return append(out, j.Line(s.Payout, forceClean || first)...)
}

// notifyPrefix sends set_difficulty before a job when the miner's
// difficulty changes with it (always before its first), and tells the core
// from which job the new one counts.
func (s *Session) notifyPrefix(out []byte, j *Job) ([]byte, bool) {
	if s.flags&(authorized|subscribed) != authorized|subscribed || s.flags&closed != 0 {
		return out, false
	}
	changed := s.next != 0
	if changed {
		s.diff, s.next = s.next, 0
	}
	if !s.notified || changed {
		out = stratum.AppendSetDifficulty(out, s.diff)
	}
	if s.told != s.diff {
		u := wire.SessionUpdate{Session: s.ID, FromJob: j.ID, Difficulty: s.diff, VersionMask: s.mask}
		s.up.Update(s, &u)
		s.told = s.diff
		if len(s.steps) == maxSteps {
			s.steps = append(s.steps[:0], s.steps[1:]...)
		}
		s.steps = append(s.steps, u)
	}
	s.notified = true
	return out, true
}

// maxSteps is how many difficulty steps a session remembers: the core keeps
// as many, for the jobs a miner may still be finishing.
const maxSteps = 4

// Reopen is what re-opens an authorized session on a new link to a core
// that may have restarted: its open, with the difficulty of its oldest
// step, and an update for each later step. ok is false for a session that
// is not authorized.
func (s *Session) Reopen() (open wire.SessionOpen, updates []wire.SessionUpdate, ok bool) {
	if s.flags&authorized == 0 || s.flags&closed != 0 || len(s.steps) == 0 {
		return open, nil, false
	}
	open = wire.SessionOpen{Session: s.ID, Resumed: true, VersionMask: s.mask, Difficulty: s.steps[0].Difficulty,
		Worker: wire.TruncateText(s.Worker), Agent: clipTo(s.Agent, wire.MaxAgentLen), Remote: clipTo(s.Remote, wire.MaxAddrLen)}
	return open, s.steps[1:], true
}

// Tick is the session's timer: vardiff when its window is over.
func (s *Session) Tick(now time.Time) {
	if now.Sub(s.vd.Since()) >= s.cfg.Vardiff.Retarget {
		s.Retarget(now)
	}
}

// Retarget runs vardiff; a new difficulty goes out with the next notify.
func (s *Session) Retarget(now time.Time) {
	if s.flags&authorized == 0 || s.fixed {
		return
	}
	next, changed := s.vd.Retarget(s.target(), now, &s.cfg.Vardiff)
	if changed {
		s.setTarget(max(next, s.min))
	}
}

// Reconnect appends client.reconnect.
func (s *Session) Reconnect(out []byte, host string, port, wait int) []byte {
	return stratum.AppendReconnect(out, host, port, wait)
}

// ShowMessage appends client.show_message.
func (s *Session) ShowMessage(out []byte, text string) []byte {
	return stratum.AppendShowMessage(out, text)
}

// Ping appends the pool's mining.ping; either shape of answer counts as
// the miner being there.
func (s *Session) Ping(out []byte, id uint64) []byte { return stratum.AppendPing(out, id) }
