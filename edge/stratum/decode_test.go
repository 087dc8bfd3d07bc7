package stratum

import (
	"errors"
	"strings"
	"testing"
)

func decode(t *testing.T, line string) *Request {
	t.Helper()
	var r Request
	if err := Decode([]byte(line), &r); err != nil {
		t.Fatalf("%s: %v", line, err)
	}
	return &r
}

// TestCompatLines decodes what real miners send (COMPAT.md).
func TestCompatLines(t *testing.T) {
	cases := []struct {
		line   string
		method Method
		id     string
	}{
		{`{"id":1,"method":"mining.configure","params":[["version-rolling"],{"version-rolling.mask":"ffffffff"}]}`, MethodConfigure, "1"},
		{`{"id":2,"method":"mining.subscribe","params":["bitaxe/BM1370/v2.9.0"]}`, MethodSubscribe, "2"},
		{`{"id":3,"method":"mining.authorize","params":["bc1q....bitaxe","x"]}`, MethodAuthorize, "3"},
		{`{"id":4,"method":"mining.suggest_difficulty","params":[1000]}`, MethodSuggestDifficulty, "4"},
		{`{"id":5,"method":"mining.extranonce.subscribe","params":[]}`, MethodExtranonceSubscribe, "5"},
		{`{"id":6,"method":"mining.submit","params":["bc1q....bitaxe","1a","00000000000000a1","6543210f","1d00ffff","00a2e000"]}`, MethodSubmit, "6"},
		{`{"id":7,"method":"pong","params":[]}`, MethodPong, "7"},
		{`{"id":1,"method":"mining.subscribe","params":["bmminer/2.0.0"]}`, MethodSubscribe, "1"},
		{`{"id":3,"method":"mining.multi_version","params":[1]}`, MethodMultiVersion, "3"},
		{`{"id":9,"result":"pong","error":null}`, MethodResult, "9"},
		{`{"id":0,"method":"mining.configure","params":[["version-rolling"],{"version-rolling.mask":"1fffe000","version-rolling.min-bit-count":16}]}`, MethodConfigure, "0"},
		{`{"id":"auth","method":"mining.authorize","params":["user","pass"]}`, MethodAuthorize, `"auth"`},
		{`{"id":4,"method":"mining.submit","params":["u","1a","00000001","6543210f","1d00ffff"]}`, MethodSubmit, "4"},
		{`{"id":null,"method":"mining.get_transactions","params":["1a"]}`, MethodGetTransactions, "null"},
		{`{"method":"mining.ping","params":[]}`, MethodPing, "null"},
		{`{"id":8,"method":"mining.suggest_target","params":["00000000ffff0000000000000000000000000000000000000000000000000000"]}`, MethodSuggestTarget, "8"},
		{`{"id":1,"method":"mining.fancy","params":[]}`, MethodUnknown, "1"},
	}
	for _, c := range cases {
		r := decode(t, c.line)
		if r.Method != c.method || string(r.ID) != c.id {
			t.Errorf("%s: method %s id %s, want %s %s", c.line, r.Method, r.ID, c.method, c.id)
		}
	}
	r := decode(t, cases[5].line)
	s := r.Submit
	if string(s.Worker) != "bc1q....bitaxe" || string(s.JobID) != "1a" || string(s.Extranonce2) != "00000000000000a1" ||
		string(s.NTime) != "6543210f" || string(s.Nonce) != "1d00ffff" || string(s.Version) != "00a2e000" || !s.HasVersion {
		t.Errorf("submit fields %+v", s)
	}
	if decode(t, cases[12].line).Submit.HasVersion {
		t.Error("a 5-param submit has no version bits")
	}
	if string(decode(t, cases[0].line).Params) != `[["version-rolling"],{"version-rolling.mask":"ffffffff"}]` {
		t.Error("configure params not kept")
	}
}

// TestSubmitShapes: key order, whitespace, jsonrpc, escapes, all decode the
// same; the fast path takes the plain ones.
func TestSubmitShapes(t *testing.T) {
	lines := []string{
		`{"id":6,"method":"mining.submit","params":["w","1a","00000001","6543210f","1d00ffff","00a2e000"]}`,
		`{"params":["w","1a","00000001","6543210f","1d00ffff","00a2e000"],"method":"mining.submit","id":6}`,
		` { "id" : 6 , "method" : "mining.submit" , "params" : [ "w" , "1a" , "00000001" , "6543210f" , "1d00ffff" , "00a2e000" ] } `,
		`{"jsonrpc":"2.0","id":6,"method":"mining.submit","params":["w","1a","00000001","6543210f","1d00ffff","00a2e000"]}`,
		`{"id":6,"method":"mining.submit","params":["\u0077","1a","00000001","6543210f","1d00ffff","00a2e000"]}`,
	}
	for i, line := range lines {
		r := decode(t, line)
		if r.Method != MethodSubmit || string(r.ID) != "6" || string(r.Submit.Worker) != "w" || string(r.Submit.Version) != "00a2e000" {
			t.Errorf("shape %d: %+v", i, r)
		}
		var fast Request
		fast.reset()
		if took := fastSubmit([]byte(line), &fast); took != (i < 4) {
			t.Errorf("shape %d: fast path %v", i, took)
		}
	}
}

func TestDecodeRefusals(t *testing.T) {
	cases := []struct {
		line string
		want error
	}{
		{`not json`, ErrNotJSON},
		{`{"id":1,"method":"mining.submit","params":["w","1a","00","6543210f"]}`, ErrBadParams},
		{`{"id":1,"method":"mining.submit","params":["w",1,"00","6543210f","1d00ffff"]}`, ErrBadParams},
		{`{"id":1,"method":"mining.submit","params":"w"}`, ErrBadParams},
		{`{"id":{"a":1},"method":"mining.ping"}`, ErrBadID},
		{`{"id":true,"method":"mining.ping"}`, ErrBadID},
		{`{"id":"` + strings.Repeat("9", 70) + `","method":"mining.ping"}`, ErrIDTooLong},
		{`{"id":1,"params":[]}`, ErrNoMethod},
		{`{"id":1,"method":"` + strings.Repeat("m", 70) + `"}`, ErrMethodTooLong},
		{`{"id":1 "method":"mining.submit","params":["w","1a","00","6543210f","1d00ffff"]}`, ErrNotJSON},
	}
	for _, c := range cases {
		var r Request
		if err := Decode([]byte(c.line), &r); !errors.Is(err, c.want) {
			t.Errorf("%.60s: %v, want %v", c.line, err, c.want)
		}
	}
	// A refused line with a readable id keeps it, for the error answer.
	var r Request
	if err := Decode([]byte(`{"id":"x","method":"mining.submit","params":[1,2,3,4,5]}`), &r); err == nil || string(r.ID) != `"x"` {
		t.Errorf("id of a refused line: %s %v", r.ID, err)
	}
}

func TestHex(t *testing.T) {
	for s, want := range map[string]uint32{"1a": 0x1a, "6543210F": 0x6543210f, "0": 0, "ffffffff": 0xffffffff} {
		if v, err := Hex32([]byte(s)); err != nil || v != want {
			t.Errorf("Hex32(%q) = %x, %v", s, v, err)
		}
	}
	for _, s := range []string{"", "123456789", "xyz", "1 2"} {
		if _, err := Hex32([]byte(s)); err == nil {
			t.Errorf("Hex32(%q) succeeded", s)
		}
	}
	if v, err := HexBytes([]byte("00000000000000A1"), 8); err != nil || v != 0xa1 {
		t.Errorf("HexBytes: %x %v", v, err)
	}
	for _, c := range []struct {
		s string
		n int
	}{{"00a1", 4}, {"0000000000000000a1", 9}, {"zz", 1}} {
		if _, err := HexBytes([]byte(c.s), c.n); err == nil {
			t.Errorf("HexBytes(%q, %d) succeeded", c.s, c.n)
		}
	}
}

func TestMethodNames(t *testing.T) {
	for m := range NumMethods {
		if m.String() == "" || (m != MethodUnknown && m != MethodResult && m != MethodPong && methodOf([]byte(m.String())) != m) {
			t.Errorf("method %d: %q", m, m.String())
		}
	}
	if NumMethods.String() != "Method(13)" || methodOf([]byte("mining.pong")) != MethodPong {
		t.Error("method names")
	}
}

// BenchmarkParseSubmit decodes a 6-parameter submit line and its hex
// fields, as the edge does for every share.
func BenchmarkParseSubmit(b *testing.B) {
	line := []byte(`{"id":6,"method":"mining.submit","params":["bc1qw4m8w7re0fahclt707qgrq5rsjzcdpug0x22gt.bitaxe","1a2b3c4d","00000000000000a1","6543210f","1d00ffff","00a2e000"]}`)
	var r Request
	b.ReportAllocs()
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		if err := Decode(line, &r); err != nil {
			b.Fatal(err)
		}
		job, _ := Hex32(r.Submit.JobID)
		en2, _ := HexBytes(r.Submit.Extranonce2, 8)
		ntime, _ := Hex32(r.Submit.NTime)
		nonce, _ := Hex32(r.Submit.Nonce)
		version, _ := Hex32(r.Submit.Version)
		if job+uint32(en2)+ntime+nonce+version == 0 {
			b.Fatal("zero")
		}
	}
}

func TestParseSubmitZeroAlloc(t *testing.T) {
	line := []byte(`{"id":6,"method":"mining.submit","params":["w.rig","1a","00000000000000a1","6543210f","1d00ffff","00a2e000"]}`)
	var r Request
	if n := testing.AllocsPerRun(100, func() { Decode(line, &r) }); n != 0 {
		t.Fatalf("%v allocs", n)
	}
}
