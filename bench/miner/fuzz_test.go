package miner

import (
	"encoding/json"
	"net"
	"testing"
	"time"
)

// FuzzParseNotify: whatever a pool sends as notify params, the miner gets
// a job or an error, never a panic; a job it accepts has a 32-byte
// previous hash and 32-byte branch hashes by construction.
func FuzzParseNotify(f *testing.F) {
	f.Add([]byte(`["1a","0000000000000000000000000000000000000000000000000000000000000000","01","02",[],"20000000","207fffff","6543210f",true]`))
	f.Add([]byte(`["1a","00","01","02",["` + "0102" + `"],"20000000","207fffff","6543210f",false]`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, params []byte) {
		j, err := ParseNotify(json.RawMessage(params))
		if err != nil {
			return
		}
		root := j.MerkleRoot([]byte{1, 2, 3, 4}, []byte{5, 6, 7, 8})
		_ = j.Header(root, j.Version, j.NTime, 0)
	})
}

// FuzzPoolLine: any line from a pool leaves the client either working or
// closed with an error, never panicking.
func FuzzPoolLine(f *testing.F) {
	for _, l := range []string{
		`{"id":1,"result":true,"error":null}`,
		`{"id":null,"method":"mining.set_difficulty","params":[0.5]}`,
		`{"id":null,"method":"mining.set_difficulty","params":[-1]}`,
		`{"id":3,"method":"mining.ping","params":[]}`,
		`{"id":null,"method":"client.reconnect","params":["pool.example",3333,5]}`,
		`{"id":null,"method":"mining.set_version_mask","params":["1fffe000"]}`,
		`{"id":2,"result":null,"error":[23,"Low difficulty share",null]}`,
		`not json`,
	} {
		f.Add([]byte(l))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		a, b := net.Pipe()
		defer a.Close()
		defer b.Close()
		go func() {
			buf := make([]byte, 256)
			for {
				if _, err := b.Read(buf); err != nil {
					return
				}
			}
		}()
		c := New(a)
		_ = c.handle(line, time.Now())
		c.Work()
		c.Reconnected()
	})
}
