// Package work runs the core's work pipeline: templates from the node set
// become jobs, which go to the share validator and then to the link layer
// for the edges. It also keeps the gate: with no ready node, or a newest
// template older than the limit, work stops and the reason is kept for
// /readyz, the status page and the edges.
package work
