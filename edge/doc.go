// Package edge is a pool edge: it holds miners' Stratum connections, keeps
// their sessions and vardiff, and forwards their work to the core over the
// wire protocol. Its parts live in the packages below it; this package holds
// the edge's configuration and wires the parts together.
//
// An edge holds no node credentials and credits nothing: the core judges
// every share. It never imports the core.
package edge
