package stratum

import (
	"encoding/hex"
	"encoding/json"
	"testing"
)

func TestEncodeExact(t *testing.T) {
	prev, _ := hex.DecodeString("0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20")
	n := &Notify{JobID: "1a", Coinb1: []byte{0xab, 0xcd}, Coinb2: []byte{0xef}, Branch: [][32]byte{{0xff}},
		Version: 0x20000000, Bits: 0x17034219, NTime: 0x6543210f, Clean: true}
	copy(n.PrevHash[:], prev)
	cases := []struct{ got, want string }{
		{string(AppendResult(nil, []byte("1"), []byte(`"pong"`))), `{"id":1,"result":"pong","error":null}` + "\n"},
		{string(AppendBool(nil, []byte(`"auth"`), true)), `{"id":"auth","result":true,"error":null}` + "\n"},
		{string(AppendBool(nil, []byte("null"), false)), `{"id":null,"result":false,"error":null}` + "\n"},
		{string(AppendError(nil, []byte("4"), 23, "Low difficulty share")), `{"id":4,"result":null,"error":[23,"Low difficulty share",null]}` + "\n"},
		{string(AppendSetDifficulty(nil, 1024)), `{"id":null,"method":"mining.set_difficulty","params":[1024]}` + "\n"},
		{string(AppendSetDifficulty(nil, 0.001)), `{"id":null,"method":"mining.set_difficulty","params":[0.001]}` + "\n"},
		{string(AppendSetVersionMask(nil, 0x1fffe000)), `{"id":null,"method":"mining.set_version_mask","params":["1fffe000"]}` + "\n"},
		{string(AppendReconnect(nil, "eu.pool.example", 3333, 5)), `{"id":null,"method":"client.reconnect","params":["eu.pool.example",3333,5]}` + "\n"},
		{string(AppendReconnect(nil, "", 0, 0)), `{"id":null,"method":"client.reconnect","params":[]}` + "\n"},
		{string(AppendShowMessage(nil, "say \"hi\"")), `{"id":null,"method":"client.show_message","params":["say \"hi\""]}` + "\n"},
		{string(AppendPing(nil, 7)), `{"id":7,"method":"mining.ping","params":[]}` + "\n"},
		{string(AppendSubscribeResult(nil, []byte("2"), "3a1b", []byte{0x03, 0, 0, 0x2a}, 8)),
			`{"id":2,"result":[[["mining.set_difficulty","3a1b"],["mining.notify","3a1b"]],"0300002a",8],"error":null}` + "\n"},
		{string(AppendConfigureResult(nil, []byte("1"), []Extension{{"version-rolling", []byte("true")}, {"version-rolling.mask", []byte(`"1fffe000"`)}, {"minimum-difficulty", []byte("false")}})),
			`{"id":1,"result":{"version-rolling":true,"version-rolling.mask":"1fffe000","minimum-difficulty":false},"error":null}` + "\n"},
		{string(AppendNotify(nil, n)), `{"id":null,"method":"mining.notify","params":["1a","04030201080706050c0b0a09100f0e0d14131211181716151c1b1a19201f1e1d","abcd","ef",["ff00000000000000000000000000000000000000000000000000000000000000"],"20000000","17034219","6543210f",true]}` + "\n"},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("\n got %s\nwant %s", c.got, c.want)
		}
		var v any
		if err := json.Unmarshal([]byte(c.got), &v); err != nil {
			t.Errorf("not JSON: %s", c.got)
		}
	}
}

func TestDifficultyFormat(t *testing.T) {
	for d, want := range map[float64]string{1: "1", 65536: "65536", 0.5: "0.5", 1e-12: "0.000000000001", 1.5: "1.5", 2e15: "2000000000000000"} {
		if got := string(AppendDifficulty(nil, d)); got != want {
			t.Errorf("%g: %s, want %s", d, got, want)
		}
	}
}

func TestAppendStringIsJSON(t *testing.T) {
	for _, s := range []string{"plain", "quote\" back\\ slash", "tab\tnew\nline\x01", "é ü 日本", "bad \xff utf8"} {
		b := AppendString(nil, s)
		var back string
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("%q encodes to invalid JSON %s", s, b)
		}
		if s != "bad \xff utf8" && back != s {
			t.Errorf("%q came back as %q", s, back)
		}
	}
}
