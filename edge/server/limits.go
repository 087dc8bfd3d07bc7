package server

import (
	"net/netip"
	"sync"
	"time"

	"github.com/stratapool/strata/wire"
)

// limiter keeps the per-IP counts, the bans and the accept rate.
type limiter struct {
	cfg Limits

	mu     sync.Mutex // guards everything below
	perIP  map[netip.Addr]int
	banned map[netip.Addr]ban
	tokens float64
	last   time.Time
}

// ban is an address refused until a time, and why: the reason goes to the
// core with the edge's bans at every link.
type ban struct {
	until  time.Time
	reason wire.BanReason
}

func newLimiter(cfg Limits) *limiter {
	return &limiter{cfg: cfg, perIP: map[netip.Addr]int{}, banned: map[netip.Addr]ban{},
		tokens: float64(cfg.AcceptBurst), last: time.Now()}
}

// accept decides on a new connection before its address is known for sure:
// only the accept rate.
func (l *limiter) accept(now time.Time) bool {
	if l.cfg.AcceptRate <= 0 {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.tokens = min(float64(l.cfg.AcceptBurst), l.tokens+now.Sub(l.last).Seconds()*l.cfg.AcceptRate)
	l.last = now
	if l.tokens < 1 {
		return false
	}
	l.tokens--
	return true
}

// admit counts a connection from ip, unless ip is banned or at its cap.
func (l *limiter) admit(ip netip.Addr, now time.Time) (ok, banned bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if b, ok := l.banned[ip]; ok {
		if now.Before(b.until) {
			return false, true
		}
		delete(l.banned, ip)
	}
	if l.cfg.PerIP > 0 && l.perIP[ip] >= l.cfg.PerIP {
		return false, false
	}
	l.perIP[ip]++
	return true, false
}

func (l *limiter) release(ip netip.Addr) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if n := l.perIP[ip]; n <= 1 {
		delete(l.perIP, ip)
	} else {
		l.perIP[ip] = n - 1
	}
}

// ban refuses ip for the configured ban time. It reports false with bans
// off.
func (l *limiter) ban(ip netip.Addr, now time.Time, reason wire.BanReason) bool {
	return l.banUntil(ip, now.Add(l.cfg.BanTime), reason)
}

// banUntil refuses ip until until. A ban already in force that ends later
// is kept: bans reach an edge from itself, the core and other edges, in
// any order. It reports false with bans off (BanTime 0), which turns off
// the core's bans as well as the edge's own.
func (l *limiter) banUntil(ip netip.Addr, until time.Time, reason wire.BanReason) bool {
	if l.cfg.BanTime <= 0 {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if b, ok := l.banned[ip]; !ok || until.After(b.until) {
		l.banned[ip] = ban{until: until, reason: reason}
	}
	return true
}

// bans lists the bans in force at now, each with its time left rounded up
// to whole seconds, for the core.
func (l *limiter) bans(now time.Time) []wire.Ban {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]wire.Ban, 0, len(l.banned))
	for ip, b := range l.banned {
		if now.Before(b.until) {
			out = append(out, wire.BanFor(ip.String(), b.reason, b.until.Sub(now)))
		}
	}
	return out
}

// inForce counts the bans in force at now.
func (l *limiter) inForce(now time.Time) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, b := range l.banned {
		if now.Before(b.until) {
			n++
		}
	}
	return n
}

// sweep forgets bans that are over.
func (l *limiter) sweep(now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for ip, b := range l.banned {
		if now.After(b.until) {
			delete(l.banned, ip)
		}
	}
}
