package node

import (
	"encoding/json"
	"os"
	"testing"
	"time"
)

// FuzzTemplate feeds arbitrary getblocktemplate answers to the parser: a
// template or an error, never a panic.
func FuzzTemplate(f *testing.F) {
	if b, err := os.ReadFile("testdata/core_getblocktemplate.json"); err == nil {
		f.Add(b)
	}
	f.Add([]byte(`{"result":{"height":1,"bits":"207fffff","curtime":5,"coinbasevalue":1,"previousblockhash":"` +
		"00000000000000000000000000000000000000000000000000000000000000aa" + `","transactions":[{"data":"00"}]}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var env struct{ Result *gbtResult }
		if json.Unmarshal(b, &env) != nil || env.Result == nil {
			return
		}
		tmpl, err := env.Result.template("fuzz", time.Now())
		if err == nil {
			if err := tmpl.Check(); err != nil {
				t.Fatalf("a parsed template fails its own check: %v", err)
			}
		}
	})
}

// FuzzSubmitAnswer: any submitblock result is an answer or an error.
func FuzzSubmitAnswer(f *testing.F) {
	for _, s := range []string{`null`, `"duplicate"`, `"high-hash"`, `42`, `""`, `{}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) { _, _ = parseSubmitAnswer(b) })
}

// FuzzHashBlock: any three frames are a notification or an error.
func FuzzHashBlock(f *testing.F) {
	f.Add([]byte("hashblock"), make([]byte, 32), []byte{1, 0, 0, 0})
	f.Fuzz(func(t *testing.T, a, b, c []byte) { _, _ = parseHashBlock([][]byte{a, b, c}) })
}
