package account

import (
	"context"
	"slices"
	"strings"
	"time"
)

// banSlack is how much later a ban already kept must end for a new report
// of it to be news: edges report their bans again at every link, in whole
// seconds, and those echoes are not passed on.
const banSlack = 5 * time.Second

// loadBans adds the stored bans in force to those reported meanwhile
// (while OpenLater's store was not open), keeping the later end.
func (a *Accounts) loadBans(ctx context.Context, now time.Time) error {
	list, err := a.st.Bans(ctx, now)
	if err != nil {
		return err
	}
	a.banMu.Lock()
	defer a.banMu.Unlock()
	for _, b := range list {
		if cur, ok := a.bans[b.Target]; !ok || b.Until.After(cur.Until) {
			a.bans[b.Target] = b
		}
	}
	return nil
}

// Ban keeps a ban, written with the next transaction, and reports whether
// it is news: a target not banned, or banned until more than banSlack
// earlier.
func (a *Accounts) Ban(b Ban) bool {
	if b.Target == "" || !b.Until.After(b.Time) {
		return false
	}
	a.banMu.Lock()
	cur, ok := a.bans[b.Target]
	if ok && cur.Until.After(b.Time) && !b.Until.After(cur.Until.Add(banSlack)) {
		a.banMu.Unlock()
		return false
	}
	a.bans[b.Target] = b
	a.banMu.Unlock()
	a.call(func(w *Write) { w.Bans = append(w.Bans, b) })
	a.log.Info("ban kept", "target", b.Target, "reason", b.Reason, "until", b.Until)
	return true
}

// Bans are the bans in force at now, those ending first first.
func (a *Accounts) Bans(now time.Time) []Ban {
	a.banMu.Lock()
	out := make([]Ban, 0, len(a.bans))
	for target, b := range a.bans {
		if !b.Until.After(now) {
			delete(a.bans, target)
			continue
		}
		out = append(out, b)
	}
	a.banMu.Unlock()
	slices.SortFunc(out, func(x, y Ban) int {
		if c := x.Until.Compare(y.Until); c != 0 {
			return c
		}
		return strings.Compare(x.Target, y.Target)
	})
	return out
}
