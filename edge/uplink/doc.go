// Package uplink is the edge's link to the core, over the wire protocol.
//
// Submits from every session are batched into SUBMIT frames (256 records or
// 1 ms, whichever comes first) and the core's verdicts mapped back to each
// miner's request id. When the core cannot be reached the uplink reconnects
// with backoff, trying each configured core in turn; meanwhile miners keep
// working on the last job, their submits wait in a bounded, counted spool,
// and they are replayed once the link is back and the sessions re-opened.
// Past the hold window, miners are told to reconnect.
//
// Nothing a miner's event loop calls blocks on a full queue: a submit is
// refused (the miner hears the pool is busy), and a session's open,
// update or close waits beside the queue, in order, for the writer to
// take once it has sent what was queued before; submits are refused while
// any waits, so none passes its session's update.
//
// The uplink also hands out session numbers (and so extranonce1) once the
// core has given the edge its id, and carries the edge's bans to the core
// without ever blocking: one that cannot go (a full queue, no link, a core
// without CapBans) is counted and dropped, since the edge reports every ban
// in force again at each link.
package uplink
