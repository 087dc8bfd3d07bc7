package session

import "github.com/stratapool/strata/wire"

// Upstream is what a session asks of the edge's link to the core. It is
// called on the session's own goroutine and must not block.
type Upstream interface {
	// Allocate gives a new session its number and the core's extranonce1,
	// resuming the one a miner asks for when it is this edge's and free.
	// ok is false when the edge has no link to the core yet.
	Allocate(resume []byte) (id wire.SessionID, extranonce1 []byte, slot int, ok bool)
	// Release frees a session number for reuse.
	Release(id wire.SessionID)
	Open(s *Session, m *wire.SessionOpen)
	Update(s *Session, m *wire.SessionUpdate)
	Close(s *Session, reason wire.CloseReason)
	// Submit passes a share on; the verdict comes back through
	// Session.Verdict with the id. false means the edge cannot take it.
	// The record goes by value: a pointer through the interface would
	// put every share's record on the heap.
	Submit(s *Session, r wire.SubmitRecord, id []byte) bool
	// Rejected counts a submit the session answered itself: malformed,
	// for a job the edge does not know, before authorization, or refused
	// by a full queue.
	Rejected()
	// Known reports whether a job id is one of the edge's recent jobs.
	Known(id wire.JobID) bool
	// Job is the newest job, for a session that has just authorized.
	Job() *Job
	// Flood is the core's flood difficulty (stress tests): above 0, every
	// session is held at it, whatever else asks.
	Flood() float64
}
