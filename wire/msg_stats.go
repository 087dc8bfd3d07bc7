package wire

import "fmt"

// StatKey names a counter or gauge in a STATS message. The values are part
// of the protocol; a receiver ignores keys it does not know, so new keys can
// be added without a new version.
type StatKey uint16

const (
	StatConnections   StatKey = 1  // gauge: open miner connections
	StatAuthorized    StatKey = 2  // gauge: authorized sessions
	StatSubmits       StatKey = 3  // counter: shares submitted by miners
	StatSpooled       StatKey = 4  // gauge: submits waiting in the spool
	StatSpoolDropped  StatKey = 5  // counter: submits the full spool dropped
	StatBytesIn       StatKey = 6  // counter: bytes read from miners
	StatBytesOut      StatKey = 7  // counter: bytes written to miners
	StatAccepts       StatKey = 8  // counter: connections accepted
	StatCloses        StatKey = 9  // counter: connections closed
	StatLocalRejects  StatKey = 10 // counter: submits the edge answered itself
	StatNotifyLatency StatKey = 11 // gauge: last job fan-out time, microseconds
	StatBanned        StatKey = 12 // gauge: addresses banned at the edge now
	StatBanCloses     StatKey = 13 // counter: connections closed or refused as banned
	StatBansDropped   StatKey = 14 // counter: bans a full queue kept from the core
	StatEventsWaited  StatKey = 15 // counter: session events that waited beside a full queue
	maxStatKey        StatKey = 1023
)

var statKeyNames = map[StatKey]string{
	StatConnections:   "connections",
	StatAuthorized:    "authorized",
	StatSubmits:       "submits",
	StatSpooled:       "spooled",
	StatSpoolDropped:  "spool_dropped",
	StatBytesIn:       "bytes_in",
	StatBytesOut:      "bytes_out",
	StatAccepts:       "accepts",
	StatCloses:        "closes",
	StatLocalRejects:  "local_rejects",
	StatNotifyLatency: "notify_latency_us",
	StatBanned:        "banned",
	StatBanCloses:     "ban_closes",
	StatBansDropped:   "bans_dropped",
	StatEventsWaited:  "session_events_waited",
}

func (k StatKey) String() string {
	if s, ok := statKeyNames[k]; ok {
		return s
	}
	return fmt.Sprintf("StatKey(%d)", uint16(k))
}

// Stat is one key and its value.
type Stat struct {
	Key   StatKey
	Value uint64
}

// Stats carries an end's counters and gauges.
//
//	STATS (0x08), both ways, compressible:
//	+-----------------+---------------------------------------+
//	| count (uvarint) | count x (key uvarint, value uvarint)  |
//	+-----------------+---------------------------------------+
//
// Keys are strictly increasing, at most MaxStats of them.
type Stats struct {
	Entries []Stat
}

func (*Stats) Type() Type { return TypeStats }

func (m *Stats) Len() int {
	n := uvarintLen(uint64(len(m.Entries)))
	for _, e := range m.Entries {
		n += uvarintLen(uint64(e.Key)) + uvarintLen(e.Value)
	}
	return n
}

func (m *Stats) AppendBinary(b []byte) ([]byte, error) {
	if len(m.Entries) > MaxStats {
		return b, encodeError(TypeStats, "count", ErrLimit)
	}
	for i, e := range m.Entries {
		if e.Key == 0 || e.Key > maxStatKey || (i > 0 && e.Key <= m.Entries[i-1].Key) {
			return b, encodeError(TypeStats, "key", ErrInvalidValue)
		}
	}
	b = appendUvarint(b, uint64(len(m.Entries)))
	for _, e := range m.Entries {
		b = appendUvarint(appendUvarint(b, uint64(e.Key)), e.Value)
	}
	return b, nil
}

func (m *Stats) Decode(b []byte) error {
	d := newDecoder(TypeStats, b)
	n := int(d.uvarint("count", MaxStats))
	m.Entries = m.Entries[:0]
	var prev StatKey
	for i := 0; i < n && d.err == nil; i++ {
		k := StatKey(d.uvarint("key", uint64(maxStatKey)))
		v := d.uvarint("value", ^uint64(0))
		if d.err == nil && (k == 0 || k <= prev) {
			d.fail("key", ErrInvalidValue)
		}
		prev = k
		m.Entries = append(m.Entries, Stat{k, v})
	}
	return d.finish()
}

// Get returns the value of key k and whether it was present.
func (m *Stats) Get(k StatKey) (uint64, bool) {
	for _, e := range m.Entries {
		if e.Key == k {
			return e.Value, true
		}
	}
	return 0, false
}
