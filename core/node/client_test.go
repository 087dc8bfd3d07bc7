package node

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stratapool/strata/core/chain"
)

func TestTemplateFromCoreFixture(t *testing.T) {
	f := newFakeNode(t)
	f.set("getblocktemplate", reply{200, readFixture(t, "core_getblocktemplate.json"), 0})
	tmpl, err := f.client(t).GetBlockTemplate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if tmpl.Height != 870000 || tmpl.Bits != 0x17034219 || tmpl.CoinbaseValue != 312630000 || len(tmpl.Transactions) != 3 {
		t.Fatalf("template %+v", tmpl)
	}
	// What was asked: segwit rules, the coinbase value, longpoll; jsonrpc set.
	req := f.lastRequest()
	if req["jsonrpc"] != "1.0" {
		t.Errorf("request without jsonrpc 1.0: %v", req)
	}
	params, _ := json.Marshal(req["params"])
	if !strings.Contains(string(params), `"rules":["segwit"]`) || !strings.Contains(string(params), `"capabilities":["coinbasevalue","longpoll"]`) {
		t.Errorf("getblocktemplate params %s", params)
	}
	// The commitment we compute from the wtxids is the fixture's, which
	// btcd's independent code computed.
	var raw struct {
		Result struct {
			Commitment string `json:"default_witness_commitment"`
		} `json:"result"`
	}
	json.Unmarshal([]byte(readFixture(t, "core_getblocktemplate.json")), &raw)
	ours := chain.WitnessCommitmentScript(chain.WitnessCommitment(tmpl.WTxIDs()))
	if hex.EncodeToString(ours) != raw.Result.Commitment {
		t.Errorf("commitment %x, Core's %s", ours, raw.Result.Commitment)
	}
	// The ids the node sent are those of the data.
	for i, tx := range tmpl.Transactions {
		if chain.DoubleSHA256(tx.Data) != tx.WTxID {
			t.Errorf("transaction %d: wtxid does not match its data", i)
		}
	}
}

// TestTemplateComputesMissingIDs: an answer without txid and hash still gives
// the right ids.
func TestTemplateComputesMissingIDs(t *testing.T) {
	var r gbtResult
	if err := json.Unmarshal([]byte(readFixture(t, "core_getblocktemplate.json")), &struct{ Result *gbtResult }{&r}); err != nil {
		t.Fatal(err)
	}
	want, err := r.template("x", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for i := range r.Transactions {
		r.Transactions[i].TxID, r.Transactions[i].Hash = "", ""
	}
	got, err := r.template("x", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for i := range got.Transactions {
		if got.Transactions[i].TxID != want.Transactions[i].TxID || got.Transactions[i].WTxID != want.Transactions[i].WTxID {
			t.Errorf("transaction %d: computed ids differ from the node's", i)
		}
	}
}

func TestBadTemplatesRefused(t *testing.T) {
	base := readFixture(t, "core_getblocktemplate.json")
	cases := []struct{ name, from, to, want string }{
		{"no coinbasevalue", `"coinbasevalue": 312630000,`, ``, "coinbasevalue"},
		{"bad prevhash", `"previousblockhash": "0000`, `"previousblockhash": "zz00`, "previousblockhash"},
		{"bad bits", `"bits": "17034219"`, `"bits": "1703421900"`, "bits"},
		{"height zero", `"height": 870000`, `"height": 0`, "height"},
		{"unknown mandatory rule", `"!segwit"`, `"!newfork"`, "!newfork"},
		{"data not hex", `"data": "0`, `"data": "x`, "not hex"},
		{"mintime after curtime", `"mintime": 1731000000`, `"mintime": 1831000000`, "mintime"},
		{"negative fee", `"fee": 100000`, `"fee": -1`, "fee"},
		{"wrong types", `"height": 870000`, `"height": "tall"`, "malformed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(base, c.from) {
				t.Fatalf("fixture lacks %q", c.from)
			}
			f := newFakeNode(t)
			f.set("getblocktemplate", reply{200, strings.Replace(base, c.from, c.to, 1), 0})
			_, err := f.client(t).GetBlockTemplate(context.Background())
			if !errors.Is(err, ErrBadResponse) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want ErrBadResponse naming %q", err, c.want)
			}
		})
	}
}

func TestSubmitBlockAnswers(t *testing.T) {
	cases := []struct{ result, want string }{
		{`null`, ""},
		{`"duplicate"`, "duplicate"},
		{`"inconclusive"`, "inconclusive"},
		{`"high-hash"`, "high-hash"},
		{`"bad-txnmrklroot"`, "bad-txnmrklroot"},
		{`"duplicate-invalid"`, "duplicate-invalid"},
		{`"rejected: block merkle root is invalid"`, "rejected: block merkle root is invalid"},
	}
	head, txHex := []byte{0xde, 0xad}, []byte("beef")
	for _, c := range cases {
		f := newFakeNode(t)
		f.result("submitblock", c.result)
		got, err := f.client(t).SubmitBlock(context.Background(), head, txHex)
		if err != nil || got != c.want {
			t.Errorf("answer %s: got %q, %v", c.result, got, err)
		}
		req := f.lastRequest()
		if p := req["params"].([]any); len(p) != 1 || p[0] != "deadbeef" || req["jsonrpc"] != "1.0" {
			t.Errorf("submitblock request %v", req)
		}
	}
	f := newFakeNode(t)
	f.result("submitblock", `42`)
	if _, err := f.client(t).SubmitBlock(context.Background(), head, txHex); !errors.Is(err, ErrBadResponse) {
		t.Errorf("a number as answer: %v", err)
	}
}

func TestCallErrors(t *testing.T) {
	cases := []struct {
		name  string
		reply reply
		check func(error) bool
	}{
		{"syncing", reply{500, `{"result":null,"error":{"code":-10,"message":"Bitcoin Core is in initial sync and waiting for blocks..."},"id":1}`, 0},
			func(err error) bool {
				var e *RPCError
				return errors.As(err, &e) && e.Syncing() && classify(err, nil) == HealthSyncing
			}},
		{"not connected", reply{500, `{"result":null,"error":{"code":-9,"message":"Bitcoin Core is not connected!"},"id":1}`, 0},
			func(err error) bool { return classify(err, nil) == HealthSyncing }},
		{"forbidden", reply{403, ``, 0}, func(err error) bool { return errors.Is(err, ErrForbidden) && classify(err, nil) == HealthUnauthorized }},
		{"html", reply{200, `<html><body>502 Bad Gateway</body></html>`, 0},
			func(err error) bool {
				return errors.Is(err, ErrBadResponse) && strings.Contains(err.Error(), "502 Bad Gateway")
			}},
		{"empty 200 (btcd without jsonrpc)", reply{200, ``, 0}, func(err error) bool { return errors.Is(err, ErrBadResponse) }},
		{"truncated", reply{200, `{"result":{"chain":"main"`, 0}, func(err error) bool { return classify(err, nil) == HealthBadAnswer }},
		{"http 500 without json", reply{500, `Internal Server Error`, 0},
			func(err error) bool { return errors.Is(err, ErrBadResponse) && strings.Contains(err.Error(), "500") }},
		{"slow", reply{200, `{"result":{},"error":null,"id":1}`, 3 * time.Second},
			func(err error) bool {
				return errors.Is(err, context.DeadlineExceeded) && classify(err, nil) == HealthDown
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFakeNode(t)
			f.set("getblockchaininfo", c.reply)
			start := time.Now()
			_, err := f.client(t).GetBlockchainInfo(context.Background())
			if err == nil || !c.check(err) {
				t.Fatalf("got %v", err)
			}
			if time.Since(start) > 2500*time.Millisecond {
				t.Error("a call outlived its timeout")
			}
		})
	}
	f := newFakeNode(t)
	c, _ := NewClient(ClientConfig{URL: f.srv.URL, User: "alice", Password: "wrong"})
	if _, err := c.GetBlockchainInfo(context.Background()); !errors.Is(err, ErrUnauthorized) || classify(err, nil) != HealthUnauthorized {
		t.Errorf("wrong password: %v", err)
	}
	f.srv.Close()
	if _, err := f.client(t).GetBlockchainInfo(context.Background()); err == nil || classify(err, nil) != HealthDown {
		t.Errorf("closed server: %v", err)
	}
}

func TestCookieReadAgainAfterRestart(t *testing.T) {
	f := newFakeNode(t)
	f.result("getblockchaininfo", `{"chain":"regtest","blocks":5,"headers":5}`)
	f.user, f.pass = "__cookie__", "first"
	cookie := filepath.Join(t.TempDir(), ".cookie")
	os.WriteFile(cookie, []byte("__cookie__:first"), 0o600)
	c, err := NewClient(ClientConfig{URL: f.srv.URL, CookieFile: cookie})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetBlockchainInfo(context.Background()); err != nil {
		t.Fatal(err)
	}
	// The node restarts with a new cookie.
	f.mu.Lock()
	f.pass = "second"
	f.mu.Unlock()
	os.WriteFile(cookie, []byte("__cookie__:second\n"), 0o600)
	if _, err := c.GetBlockchainInfo(context.Background()); err != nil {
		t.Fatalf("after the cookie changed: %v", err)
	}
	os.Remove(cookie)
	c2, _ := NewClient(ClientConfig{URL: f.srv.URL, CookieFile: cookie})
	if _, err := c2.GetBlockchainInfo(context.Background()); !errors.Is(err, ErrNoCredentials) || classify(err, nil) != HealthUnauthorized {
		t.Errorf("missing cookie: %v", err)
	}
	os.WriteFile(cookie, []byte("garbage"), 0o600)
	if _, _, err := ReadCookie(cookie); !errors.Is(err, ErrNoCredentials) {
		t.Errorf("bad cookie: %v", err)
	}
}

func TestClientConfigRefused(t *testing.T) {
	for _, cfg := range []ClientConfig{
		{URL: "127.0.0.1:8332", User: "a", Password: "b"},
		{URL: "ftp://x", User: "a"},
		{URL: "http://127.0.0.1:8332"},
	} {
		if _, err := NewClient(cfg); err == nil {
			t.Errorf("%+v accepted", cfg)
		}
	}
	if !strings.HasSuffix(DefaultCookieFile(chain.Regtest), filepath.Join(".bitcoin", "regtest", ".cookie")) ||
		!strings.HasSuffix(DefaultCookieFile(chain.Mainnet), filepath.Join(".bitcoin", ".cookie")) {
		t.Error("default cookie paths")
	}
}

func TestChainInfoSyncing(t *testing.T) {
	cases := []struct {
		info ChainInfo
		want bool
	}{
		{ChainInfo{Blocks: 100, Headers: 100}, false},
		{ChainInfo{Blocks: 100, Headers: 101}, false},
		{ChainInfo{Blocks: 100, Headers: 5000}, true},
		{ChainInfo{Blocks: 100, Headers: 100, InitialBlockDownload: true}, true},
	}
	for _, c := range cases {
		if c.info.Syncing() != c.want {
			t.Errorf("%+v: syncing %v", c.info, !c.want)
		}
	}
}

func TestBlockHeaderNotFound(t *testing.T) {
	f := newFakeNode(t)
	f.set("getblockheader", reply{500, `{"result":null,"error":{"code":-5,"message":"Block not found"},"id":1}`, 0})
	if _, err := f.client(t).GetBlockHeader(context.Background(), chain.Hash{1}); !errors.Is(err, ErrBlockNotFound) {
		t.Errorf("got %v", err)
	}
	f.result("getblockheader", `{"hash":"00","height":5,"confirmations":-1}`)
	if h, err := f.client(t).GetBlockHeader(context.Background(), chain.Hash{1}); err != nil || h.Confirmations != -1 {
		t.Errorf("orphan header: %+v %v", h, err)
	}
	f.result("getbestblockhash", `"abc"`)
	if _, err := f.client(t).GetBestBlockHash(context.Background()); !errors.Is(err, ErrBadResponse) {
		t.Errorf("short best hash: %v", err)
	}
}

func TestParseHashBlock(t *testing.T) {
	hash := make([]byte, 32)
	hash[0] = 0xab // display order: the first byte shown
	hb, err := parseHashBlock([][]byte{[]byte("hashblock"), hash, {7, 0, 0, 0}})
	if err != nil || hb.Seq != 7 || hb.Hash[31] != 0xab {
		t.Fatalf("%+v %v", hb, err)
	}
	for _, bad := range [][][]byte{
		{[]byte("hashtx"), hash, {0, 0, 0, 0}},
		{[]byte("hashblock"), hash[:31], {0, 0, 0, 0}},
		{[]byte("hashblock"), hash},
		{[]byte("hashblock"), hash, {0, 0, 0}},
	} {
		if _, err := parseHashBlock(bad); !errors.Is(err, ErrBadNotification) {
			t.Errorf("%v accepted", bad)
		}
	}
}

func TestHealthNames(t *testing.T) {
	seen := map[string]bool{}
	for h := range numHealth {
		if s := h.String(); s == "" || seen[s] || strings.Contains(s, "(") {
			t.Errorf("health %d: %q", h, s)
		}
		seen[h.String()] = true
	}
	if numHealth.String() != "Health(6)" {
		t.Error(numHealth.String())
	}
}
