package stratum

import (
	"bytes"
	"testing"
)

// FuzzDecode: any line decodes or fails with an error, never a panic; and
// when the fast path takes a line, encoding/json reads it the same way.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"id":6,"method":"mining.submit","params":["w","1a","00000001","6543210f","1d00ffff","00a2e000"]}`,
		`{"params":["w","1a","00","6543210f","1d00ffff"],"id":"x","method":"mining.submit"}`,
		`{"id":1,"method":"mining.subscribe","params":["bitaxe"]}`,
		`{"id":9,"result":"pong","error":null}`,
		`{"id":-1.5e3,"jsonrpc":"2.0","method":"mining.submit","params":["a","b","c","d","e"]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		var r Request
		_ = Decode(line, &r)
		var fast Request
		fast.reset()
		if !fastSubmit(line, &fast) {
			return
		}
		var slow Request
		slow.reset()
		if err := slowDecode(line, &slow); err != nil {
			t.Fatalf("fast path took a line encoding/json refuses (%v): %q", err, line)
		}
		if slow.Method != fast.Method || !bytes.Equal(slow.ID, fast.ID) {
			t.Fatalf("method/id: fast %s %s, slow %s %s", fast.Method, fast.ID, slow.Method, slow.ID)
		}
		a, b := fast.Submit, slow.Submit
		for i, pair := range [][2][]byte{{a.Worker, b.Worker}, {a.JobID, b.JobID}, {a.Extranonce2, b.Extranonce2},
			{a.NTime, b.NTime}, {a.Nonce, b.Nonce}, {a.Version, b.Version}} {
			if !bytes.Equal(pair[0], pair[1]) {
				t.Fatalf("param %d: fast %q, slow %q", i, pair[0], pair[1])
			}
		}
		if a.HasVersion != b.HasVersion {
			t.Fatal("version presence differs")
		}
	})
}

// FuzzLines: however a stream is cut, the same lines come out.
func FuzzLines(f *testing.F) {
	f.Add([]byte(stream), uint8(3), uint8(17))
	f.Fuzz(func(t *testing.T, data []byte, a, b uint8) {
		whole := linesOf(data, len(data)+1)
		cut1, cut2 := int(a)%(len(data)+1), int(b)%(len(data)+1)
		if cut1 > cut2 {
			cut1, cut2 = cut2, cut1
		}
		l := NewLines(256)
		var got []string
		var err error
		for _, c := range [][]byte{data[:cut1], data[cut1:cut2], data[cut2:]} {
			if err = l.Feed(c, func(line []byte) error { got = append(got, string(line)); return nil }); err != nil {
				break
			}
		}
		if err == nil && !equal(got, whole) {
			t.Fatalf("split %d/%d: %q, whole %q", cut1, cut2, got, whole)
		}
	})
}

func linesOf(data []byte, _ int) []string {
	var out []string
	NewLines(256).Feed(data, func(line []byte) error { out = append(out, string(line)); return nil })
	return out
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
