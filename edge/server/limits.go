package server

import (
	"net/netip"
	"sync"
	"time"
)

// limiter keeps the per-IP counts, the bans and the accept rate.
type limiter struct {
	cfg Limits

	mu     sync.Mutex // guards everything below
	perIP  map[netip.Addr]int
	banned map[netip.Addr]time.Time
	tokens float64
	last   time.Time
}

func newLimiter(cfg Limits) *limiter {
	return &limiter{cfg: cfg, perIP: map[netip.Addr]int{}, banned: map[netip.Addr]time.Time{},
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
	if until, ok := l.banned[ip]; ok {
		if now.Before(until) {
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

func (l *limiter) ban(ip netip.Addr, now time.Time) {
	if l.cfg.BanTime <= 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.banned[ip] = now.Add(l.cfg.BanTime)
}

// sweep forgets bans that are over.
func (l *limiter) sweep(now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for ip, until := range l.banned {
		if now.After(until) {
			delete(l.banned, ip)
		}
	}
}
