package server

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stratapool/strata/wire"
)

func TestBanUntilKeepsTheLaterEnd(t *testing.T) {
	l := newLimiter(Limits{BanTime: time.Minute})
	ip := netip.MustParseAddr("192.0.2.1")
	t0 := time.Unix(1_700_000_000, 0)
	if !l.banUntil(ip, t0.Add(time.Hour), wire.BanOperator) {
		t.Fatal("ban refused with bans on")
	}
	l.banUntil(ip, t0.Add(time.Second), wire.BanInvalidShares) // shorter: ignored
	if ok, banned := l.admit(ip, t0.Add(30*time.Minute)); ok || !banned {
		t.Fatal("a shorter ban cut a longer one")
	}
	if got := l.bans(t0); len(got) != 1 || got[0] != (wire.Ban{Target: "192.0.2.1", Reason: wire.BanOperator, Seconds: 3600}) {
		t.Errorf("bans %+v", got)
	}
	l.ban(ip, t0.Add(time.Hour), wire.BanInvalidShares) // a local ban ending later wins, reason and all
	if got := l.bans(t0); len(got) != 1 || got[0] != (wire.Ban{Target: "192.0.2.1", Reason: wire.BanInvalidShares, Seconds: 3660}) {
		t.Errorf("bans %+v", got)
	}
	if ok, _ := l.admit(ip, t0.Add(time.Hour+time.Minute)); !ok {
		t.Error("refused after the ban")
	}

	off := newLimiter(Limits{})
	if off.banUntil(ip, t0.Add(time.Hour), wire.BanOperator) || off.ban(ip, t0, wire.BanMalformed) {
		t.Error("a ban with bans off")
	}
	if ok, _ := off.admit(ip, t0); !ok {
		t.Error("refused with bans off")
	}
}

func TestBansListing(t *testing.T) {
	l := newLimiter(Limits{BanTime: time.Minute})
	t0 := time.Unix(1_700_000_000, 0)
	l.banUntil(netip.MustParseAddr("192.0.2.1"), t0.Add(1500*time.Millisecond), wire.BanInvalidShares)
	l.banUntil(netip.MustParseAddr("192.0.2.2"), t0.Add(time.Millisecond), wire.BanOperator)
	l.banUntil(netip.MustParseAddr("2001:db8::2"), t0.Add(10*time.Second), wire.BanOperator)
	l.banUntil(netip.MustParseAddr("192.0.2.3"), t0, wire.BanOperator) // ends now: over
	l.banUntil(netip.MustParseAddr("192.0.2.4"), t0.Add(200*365*24*time.Hour), wire.BanOperator)
	got := l.bans(t0)
	slices.SortFunc(got, func(a, b wire.Ban) int { return strings.Compare(a.Target, b.Target) })
	want := []wire.Ban{
		{Target: "192.0.2.1", Reason: wire.BanInvalidShares, Seconds: 2}, // rounded up
		{Target: "192.0.2.2", Reason: wire.BanOperator, Seconds: 1},
		{Target: "192.0.2.4", Reason: wire.BanOperator, Seconds: 1<<32 - 1}, // the field's limit
		{Target: "2001:db8::2", Reason: wire.BanOperator, Seconds: 10},
	}
	if !slices.Equal(got, want) {
		t.Errorf("bans\n%+v\nwant\n%+v", got, want)
	}
	for i := range got {
		if _, err := got[i].AppendBinary(nil); err != nil {
			t.Errorf("%+v does not encode: %v", got[i], err)
		}
	}
	l.sweep(t0.Add(time.Minute))
	if got := l.bans(t0); len(got) != 1 || got[0].Target != "192.0.2.4" {
		t.Errorf("after the sweep: %+v", got)
	}
}
