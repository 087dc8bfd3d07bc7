package work

import (
	"strings"
	"testing"
	"time"

	"github.com/stratapool/strata/core/node"
	"github.com/stratapool/strata/wire"
)

func TestGate(t *testing.T) {
	now := time.Now()
	fresh, old := now.Add(-10*time.Second), now.Add(-3*time.Minute)
	ready := node.Status{Name: "a", Health: node.HealthReady, Active: true}
	down := node.Status{Name: "b", Health: node.HealthDown, LastError: "connection refused"}
	syncing := node.Status{Name: "c", Health: node.HealthSyncing}
	cases := []struct {
		name    string
		nodes   []node.Status
		fetched time.Time
		haveJob bool
		want    wire.WorkReason
		detail  string
	}{
		{"ready", []node.Status{ready, down}, fresh, true, wire.WorkReady, ""},
		{"no node", []node.Status{down}, fresh, true, wire.WorkNoNode, "b: down (connection refused)"},
		{"syncing", []node.Status{down, syncing}, fresh, true, wire.WorkNodeSyncing, "c: syncing"},
		{"stale template", []node.Status{ready}, old, true, wire.WorkTemplateStale, "3m0s old"},
		{"no template yet", []node.Status{ready}, time.Time{}, false, wire.WorkNoNode, "no template yet"},
	}
	for _, c := range cases {
		s := gate(c.nodes, c.fetched, c.haveJob, 2*time.Minute, now)
		if s.Reason != c.want || !strings.Contains(s.Detail, c.detail) {
			t.Errorf("%s: %s %q, want %s containing %q", c.name, s.Reason, s.Detail, c.want, c.detail)
		}
	}
	long := node.Status{Name: strings.Repeat("é", 600), Health: node.HealthDown}
	s := gate([]node.Status{long}, fresh, true, time.Minute, now)
	if _, err := wire.Encode(&wire.WorkState{Reason: s.Reason, Detail: s.Detail}); err != nil {
		t.Errorf("a long reason does not fit the wire: %v", err)
	}
}
