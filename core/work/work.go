package work

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/stratapool/strata/core/chain"
	"github.com/stratapool/strata/core/job"
	"github.com/stratapool/strata/core/node"
	"github.com/stratapool/strata/core/share"
	"github.com/stratapool/strata/wire"
)

// State is whether work may be handed out, and if not, why.
type State struct {
	Reason wire.WorkReason
	Detail string
	Since  time.Time
}

// Ready reports whether work may be handed out.
func (s State) Ready() bool { return s.Reason == wire.WorkReady }

// Config configures a Manager.
type Config struct {
	Builder   *job.Builder
	Validator *share.Validator
	// Publish hands a new job to the link layer, after the validator has it.
	Publish func(*job.Job)
	// StateChanged is told when the gate opens or closes.
	StateChanged func(State)
	// Nodes reports the node set's state, for the gate's reason.
	Nodes func() []node.Status
	// MaxAge closes the gate when the newest template is older.
	MaxAge time.Duration
	// Store, if set, reports whether the accounts can commit: work that
	// cannot be credited is not handed out.
	Store func() (ok bool, detail string)
	Log   *slog.Logger
}

// Manager turns templates into jobs and keeps the gate.
type Manager struct {
	cfg Config
	log *slog.Logger

	mu        sync.Mutex // guards everything below
	state     State
	last      *job.Job
	fetchedAt time.Time
	built     uint64
	failed    uint64
}

// NewManager starts with the gate closed: no template yet.
func NewManager(cfg Config) *Manager {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &Manager{cfg: cfg, log: cfg.Log,
		state: State{Reason: wire.WorkNoNode, Detail: "no template yet", Since: time.Now()}}
}

// OnTemplate builds a job from a template and hands it on. It runs on the
// node set's goroutine.
func (m *Manager) OnTemplate(t *chain.Template) {
	j, err := m.cfg.Builder.Build(t, time.Now())
	if err != nil {
		m.mu.Lock()
		m.failed++
		m.mu.Unlock()
		m.log.Error("template refused", "node", t.Node, "height", t.Height, "err", err)
		return
	}
	m.cfg.Validator.AddJob(j)
	m.mu.Lock()
	m.last, m.fetchedAt = j, t.FetchedAt
	m.built++
	m.mu.Unlock()
	if m.cfg.Publish != nil {
		m.cfg.Publish(j)
	}
	// A found block needs the transactions in hex: prepare them now, off
	// the path from template to miners.
	j.PrepareTxHex()
	m.Evaluate()
}

// Job is the newest job, or nil.
func (m *Manager) Job() *job.Job {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.last
}

// State is the gate's current state.
func (m *Manager) State() State {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.state
}

// Counts are the jobs built and the templates refused.
func (m *Manager) Counts() (built, refused uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.built, m.failed
}

// Evaluate recomputes the gate from the nodes and the template age.
func (m *Manager) Evaluate() {
	var statuses []node.Status
	if m.cfg.Nodes != nil {
		statuses = m.cfg.Nodes()
	}
	m.mu.Lock()
	next := gate(statuses, m.fetchedAt, m.last != nil, m.cfg.MaxAge, time.Now())
	if m.cfg.Store != nil && next.Ready() {
		if ok, detail := m.cfg.Store(); !ok {
			next.Reason, next.Detail = wire.WorkStoreDown, wire.TruncateText(detail)
		}
	}
	changed := next.Reason != m.state.Reason || next.Detail != m.state.Detail
	if changed {
		if next.Reason == m.state.Reason {
			next.Since = m.state.Since
		}
		m.state = next
	}
	m.mu.Unlock()
	if !changed {
		return
	}
	if next.Ready() {
		m.log.Info("work open")
	} else {
		m.log.Warn("work gated", "reason", next.Reason.String(), "detail", next.Detail)
	}
	if m.cfg.StateChanged != nil {
		m.cfg.StateChanged(next)
	}
}

// gate decides the state from the nodes and the newest template.
func gate(nodes []node.Status, fetchedAt time.Time, haveJob bool, maxAge time.Duration, now time.Time) State {
	s := State{Reason: wire.WorkReady, Since: now}
	active := false
	syncing := false
	var problems []string
	for _, n := range nodes {
		active = active || n.Active
		syncing = syncing || n.Health == node.HealthSyncing
		if n.Health != node.HealthReady {
			p := n.Name + ": " + n.Health.String()
			if n.LastError != "" {
				p += " (" + n.LastError + ")"
			}
			problems = append(problems, p)
		}
	}
	switch {
	case !active && syncing:
		s.Reason, s.Detail = wire.WorkNodeSyncing, "no node is synced: "+strings.Join(problems, "; ")
	case !active && len(nodes) > 0:
		s.Reason, s.Detail = wire.WorkNoNode, "no ready node: "+strings.Join(problems, "; ")
	case !haveJob:
		s.Reason, s.Detail = wire.WorkNoNode, "no template yet"
	case maxAge > 0 && now.Sub(fetchedAt) > maxAge:
		s.Reason = wire.WorkTemplateStale
		s.Detail = fmt.Sprintf("newest template is %s old, the limit is %s", now.Sub(fetchedAt).Round(time.Second), maxAge)
	}
	s.Detail = wire.TruncateText(s.Detail)
	return s
}

// Run re-evaluates the gate every second so a template that ages out closes
// it, until ctx ends.
func (m *Manager) Run(ctx context.Context) error {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			m.Evaluate()
		}
	}
}
