// Package server holds miners' connections and drives their sessions: gnet
// event loops for plain TCP (one per core, SO_REUSEPORT), crypto/tls on the
// standard net package for TLS listeners, the same session code behind
// both. It joins the sessions to the uplink: jobs fan out to every session
// (one shared notify line per payout group, written unchanged), verdicts and
// authorizations go back to the session that asked.
//
// It also keeps the limits: connections per IP, an accept rate, an idle
// timeout on a timing wheel, a cap on output a miner leaves unread, bans
// for invalid shares, and the PROXY protocol from a load balancer. Every
// close has a reason, and every reason is counted. Bans are shared through
// the core: the edge reports the ones it makes (and at every link, all in
// force), and refuses the addresses the core says other edges banned.
package server
