package edge

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/stratapool/strata/edge/server"
	"github.com/stratapool/strata/edge/session"
	"github.com/stratapool/strata/edge/uplink"
	"github.com/stratapool/strata/edge/vardiff"
	"github.com/stratapool/strata/internal/tlscert"
	"github.com/stratapool/strata/wire"
)

// Options are what an edge needs besides its configuration.
type Options struct {
	Log *slog.Logger
	// Key is the link key; nil reads uplink.key_file.
	Key []byte
	// Software names the build to the core.
	Software string
}

// Edge is a pool edge, wired together.
type Edge struct {
	cfg    Config
	log    *slog.Logger
	Server *server.Server
}

// New builds an edge from its configuration: it reads the link key, makes
// or loads the TLS certificates and prepares the listeners.
func New(cfg Config, opts Options) (*Edge, error) {
	if err := cfg.validate(opts.Key != nil); err != nil {
		return nil, err
	}
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	key := opts.Key
	if key == nil && cfg.Uplink.KeyFile != "" {
		k, err := wire.LoadKey(cfg.Uplink.KeyFile, cfg.Name)
		if err != nil {
			return nil, fmt.Errorf("uplink.key_file: %w", err)
		}
		key = k
	}
	lim := cfg.Limits
	scfg := server.Config{
		Loops: cfg.Loops,
		Limits: server.Limits{
			PerIP: lim.PerIP, AcceptRate: lim.AcceptRate, AcceptBurst: lim.AcceptBurst, Idle: lim.Idle,
			MaxOutbound: lim.MaxOutbound, BanTime: lim.BanTime, Stagger: lim.Stagger, GateHold: lim.GateHold,
		},
		Uplink: uplink.Config{
			Name: cfg.Name, Key: key, AllowPlaintext: cfg.Uplink.AllowPlaintext, Cores: cfg.Uplink.Cores,
			Hold: cfg.Uplink.Hold, SpoolMax: cfg.Uplink.SpoolMax, Software: opts.Software,
			Log: log.With("part", "uplink"),
		},
		Log: log.With("part", "server"),
	}
	for i, l := range cfg.Listeners {
		sl := server.Listener{
			Address: l.Address, ProxyProtocol: l.ProxyProtocol,
			ReadBuffer: l.ReadBuffer, WriteBuffer: l.WriteBuffer, KeepAlive: l.KeepAlive,
			Session: session.Config{
				Vardiff: vardiff.Config{TargetPerMinute: l.SharesPerMinute, Retarget: l.Retarget,
					Min: l.MinDifficulty, Max: l.MaxDifficulty, AllowFractional: l.AllowFractional},
				StartDifficulty: l.StartDifficulty, VersionMask: session.DefaultVersionMask,
				Extranonce2Size: l.Extranonce2Size, BanInvalid: lim.BanInvalid, BanWindow: lim.BanWindow,
			},
		}
		if l.TLS {
			host, _, _ := net.SplitHostPort(l.Address)
			tcfg, fingerprint, err := tlscert.ServerConfig(l.TLSCert, l.TLSKey, tlsHosts(host)...)
			if err != nil {
				return nil, fmt.Errorf("listener %d (%s): %w", i+1, l.Address, err)
			}
			if fingerprint != "" {
				log.Info("self-signed certificate made for a TLS port", "address", l.Address, "sha256", fingerprint)
			}
			sl.TLS = tcfg
		}
		scfg.Listeners = append(scfg.Listeners, sl)
	}
	srv, err := server.New(scfg)
	if err != nil {
		return nil, err
	}
	return &Edge{cfg: cfg, log: log, Server: srv}, nil
}

// tlsHosts are the names a self-signed certificate is made for.
func tlsHosts(host string) []string {
	hosts := []string{"localhost", "127.0.0.1", "::1"}
	if host != "" && host != "0.0.0.0" && host != "::" {
		hosts = append(hosts, host)
	}
	return hosts
}

// Run serves miners until ctx ends.
func (e *Edge) Run(ctx context.Context) error {
	e.log.Info("edge running", "name", e.cfg.Name, "cores", e.cfg.Uplink.Cores, "listeners", len(e.cfg.Listeners))
	return e.Server.Run(ctx)
}

// Ready is closed once every listener listens.
func (e *Edge) Ready() <-chan struct{} { return e.Server.Ready() }

// Drain sends miners away and waits for their shares' verdicts; see
// server.Server.Drain.
func (e *Edge) Drain(ctx context.Context) error {
	return e.Server.Drain(ctx, min(e.cfg.Limits.Stagger, drainWindow))
}

// drainWindow bounds how long a stopping edge spreads its reconnects over:
// container platforms give a stopping process about ten seconds.
const drainWindow = 3 * time.Second
