package load

import (
	"encoding/json"
	"slices"
	"strconv"
)

// handshake is how a kind of miner opens a connection (COMPAT.md).
type handshake struct {
	// lines are sent in order when the connection opens.
	lines func(user, pass string) []string
	// rolling: the miner negotiates version rolling and sends 6 params.
	rolling bool
	// fixedID, if set, is the id of every submit (one CPU miner sends 4).
	fixedID string
	// subscribeID and authorizeID are the ids those answers come back with.
	subscribeID, authorizeID string
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

var handshakes = map[string]handshake{
	// AxeOS: configure first, a suggestion and extranonce.subscribe after.
	"bitaxe": {
		lines: func(u, p string) []string {
			return []string{
				`{"id":1,"method":"mining.configure","params":[["version-rolling"],{"version-rolling.mask":"ffffffff"}]}`,
				`{"id":2,"method":"mining.subscribe","params":["bitaxe/BM1370/v2.9.0"]}`,
				`{"id":3,"method":"mining.authorize","params":[` + quote(u) + `,` + quote(p) + `]}`,
				`{"id":5,"method":"mining.extranonce.subscribe","params":[]}`,
			}
		},
		rolling: true, subscribeID: "2", authorizeID: "3",
	},
	// Stock Antminer firmware (bmminer): no configure.
	"antminer": {
		lines: func(u, p string) []string {
			return []string{
				`{"id":1,"method":"mining.subscribe","params":["bmminer/2.0.0"]}`,
				`{"id":2,"method":"mining.authorize","params":[` + quote(u) + `,` + quote(p) + `]}`,
				`{"id":3,"method":"mining.multi_version","params":[1]}`,
			}
		},
		subscribeID: "1", authorizeID: "2",
	},
	// Braiins OS: configure with every extension it knows.
	"braiins": {
		lines: func(u, p string) []string {
			return []string{
				`{"id":0,"method":"mining.configure","params":[["version-rolling","subscribe-extranonce"],{"version-rolling.mask":"1fffe000","version-rolling.min-bit-count":16}]}`,
				`{"id":1,"method":"mining.subscribe","params":["braiins-os/2024"]}`,
				`{"id":2,"method":"mining.authorize","params":[` + quote(u) + `,` + quote(p) + `]}`,
			}
		},
		rolling: true, subscribeID: "1", authorizeID: "2",
	},
	// cpuminer 2.5.1: 5-param submits, every one with id 4.
	"cpuminer": {
		lines: func(u, p string) []string {
			return []string{
				`{"id":1,"method":"mining.subscribe","params":["cpuminer/2.5.1"]}`,
				`{"id":2,"method":"mining.authorize","params":[` + quote(u) + `,` + quote(p) + `]}`,
			}
		},
		fixedID: "4", subscribeID: "1", authorizeID: "2",
	},
	// bfgminer: ids 0 and "auth", and get_transactions.
	"bfgminer": {
		lines: func(u, p string) []string {
			return []string{
				`{"id":0,"method":"mining.subscribe","params":["bfgminer/5.5.0"]}`,
				`{"id":"auth","method":"mining.authorize","params":[` + quote(u) + `,` + quote(p) + `]}`,
			}
		},
		subscribeID: "0", authorizeID: `"auth"`,
	},
}

// Handshakes are the openings strata bench knows.
func Handshakes() []string {
	var out []string
	for k := range handshakes {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// submitID is the id of a connection's n-th submit.
func (h *handshake) submitID(n uint64) string {
	if h.fixedID != "" {
		return h.fixedID
	}
	return strconv.FormatUint(1000+n, 10)
}
