package account

import (
	"testing"
	"time"
)

// Bans are kept across a restart; an edge's echo of a ban already kept
// is not news, a later end is; a ban that is over is not in force.
func TestBansAreKeptAcrossARestart(t *testing.T) {
	st, _ := sqliteStore(t)
	a := start(t, Config{Store: st})
	now := time.Now().Truncate(time.Millisecond)
	ban := Ban{Target: "192.0.2.7", Reason: "invalid_shares", Until: now.Add(10 * time.Minute), Time: now}
	if !a.Ban(ban) {
		t.Fatal("a new ban is not news")
	}
	echo := ban
	echo.Until, echo.Time = ban.Until.Add(time.Second), now.Add(time.Second)
	if a.Ban(echo) {
		t.Error("an echo of a kept ban, a second later, is news")
	}
	longer := ban
	longer.Until = ban.Until.Add(time.Hour)
	if !a.Ban(longer) {
		t.Error("a ban ending an hour later is not news")
	}
	short := Ban{Target: "192.0.2.8", Reason: "operator", Until: now.Add(300 * time.Millisecond), Time: now}
	if !a.Ban(short) {
		t.Fatal("a new ban is not news")
	}
	if a.Ban(Ban{Target: "192.0.2.9", Until: now, Time: now}) {
		t.Error("a ban already over is news")
	}
	if got := a.Bans(now); len(got) != 2 || got[0].Target != "192.0.2.8" || got[1] != longer {
		t.Fatalf("bans in force: %+v", got)
	}
	a.stop()

	time.Sleep(400 * time.Millisecond) // the short one ends
	b := start(t, Config{Store: st})
	got := b.Bans(time.Now())
	if len(got) != 1 || got[0].Target != longer.Target || !got[0].Until.Equal(longer.Until) || got[0].Reason != longer.Reason {
		t.Fatalf("bans after the restart: %+v", got)
	}
}
