package stats_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stratapool/strata/core/account"
	"github.com/stratapool/strata/core/chain"
	"github.com/stratapool/strata/core/job"
	"github.com/stratapool/strata/core/stats"
	"github.com/stratapool/strata/core/work"
)

// wait bounds every wait of these tests.
const wait = 10 * time.Second

// openStore is a real SQLite store in the test's directory.
func openStore(t *testing.T) account.Store {
	t.Helper()
	st, err := account.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "accounts.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() }) // a second Close, after a test's own, is harmless
	return st
}

// startAccounts opens the accounts on st and runs them until the test
// ends.
func startAccounts(t *testing.T, st account.Store) *account.Accounts {
	t.Helper()
	a, err := account.Open(context.Background(), account.Config{Store: st, Mode: job.PoolMode})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { a.Run(ctx); close(done) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(wait):
			t.Error("the accounts did not stop")
		}
	})
	return a
}

// api is a stats server on a loopback port.
type api struct {
	base   string
	client *http.Client
}

func serve(t *testing.T, a *account.Accounts) *api {
	t.Helper()
	src := stats.Source{Network: chain.Regtest, Mode: job.PoolMode, Build: stats.Build{Version: "test"},
		Started: time.Now(), Work: work.NewManager(work.Config{}), Accounts: a}
	srv := stats.New(src, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	p := &api{base: "http://" + ln.Addr().String(), client: &http.Client{Timeout: wait}}
	t.Cleanup(func() {
		p.client.CloseIdleConnections()
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(wait):
			t.Error("the server did not stop")
		}
	})
	return p
}

func (p *api) get(t *testing.T, path string) (int, []byte) {
	t.Helper()
	resp, err := p.client.Get(p.base + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	if ct := resp.Header.Get("Content-Type"); strings.HasPrefix(path, "/api/") && ct != "application/json" {
		t.Errorf("GET %s: Content-Type %q", path, ct)
	}
	return resp.StatusCode, b
}

// getJSON asks for path, wants code, and decodes the answer into v (a
// map of raw fields unless v is given).
func (p *api) getJSON(t *testing.T, path string, code int, v any) map[string]json.RawMessage {
	t.Helper()
	got, b := p.get(t, path)
	if got != code {
		t.Fatalf("GET %s: %d, want %d: %s", path, got, code, b)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatalf("GET %s: %v: %s", path, err, b)
	}
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("GET %s: %v: %s", path, err, b)
		}
	}
	return raw
}

// wantKeys checks an object's field names.
func wantKeys(t *testing.T, what string, raw json.RawMessage, want ...string) {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%s: %v: %s", what, err, raw)
	}
	var got []string
	for k := range m {
		got = append(got, k)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("%s: fields %v, want %v", what, got, want)
	}
}

// wantEmptyList checks that a field is [], not null nor missing.
func wantEmptyList(t *testing.T, what string, raw json.RawMessage) {
	t.Helper()
	if string(raw) != "[]" {
		t.Errorf("%s is %s, want []", what, raw)
	}
}

// The rows: a block on the second page of the store's Blocks, with its
// split; a maturing block whose split is a balance's only part; and a
// ledger longer than the default limit.
var (
	oldHash   = strings.Repeat("ab", 32) // confirmed, found a day ago
	newHash   = strings.Repeat("cd", 32) // submitted, found now
	fillers   = 600                      // blocks found between them
	unknown   = strings.Repeat("ef", 32)
	alice     = "bcrt1qalice"
	carol     = "bcrt1qcarol"
	finder    = "bcrt1qfinder"
	aliceRows = 150
)

func fillerHash(i int) string { return fmt.Sprintf("%064x", i+1) }

func writeRows(t *testing.T, st account.Store, now time.Time) {
	t.Helper()
	w := &account.Write{
		Blocks: []account.Block{
			{Hash: oldHash, Height: 100, Worker: finder + ".rig", Address: finder, Reward: 50_0000_0000, Fee: 1_0000_0000,
				NetworkDifficulty: 1, Status: account.BlockConfirmed, Confirmations: 100, Batch: 1,
				FoundAt: now.Add(-24 * time.Hour), UpdatedAt: now},
			{Hash: newHash, Height: 800, Worker: carol + ".rig", Address: carol, Reward: 50_0000_0000,
				NetworkDifficulty: 1, Status: account.BlockSubmitted, Detail: "no answer yet", FoundAt: now, UpdatedAt: now},
		},
		Splits: []account.Split{
			{Block: oldHash, Address: "bcrt1qbob", Difficulty: 20, Amount: 19_6000_0000},
			{Block: oldHash, Address: alice, Difficulty: 30, Amount: 29_4000_0000},
			{Block: newHash, Address: carol, Difficulty: 5, Amount: 50_0000_0000},
		},
	}
	for i := range fillers {
		w.Blocks = append(w.Blocks, account.Block{Hash: fillerHash(i), Height: uint32(700 - i), Worker: "w.rig", Address: "bcrt1qw",
			Reward: 1, Status: account.BlockOrphaned, FoundAt: now.Add(-time.Duration(i+1) * time.Second), UpdatedAt: now})
	}
	for i := range aliceRows {
		w.Entries = append(w.Entries, account.LedgerEntry{Address: alice, Amount: int64(i + 1), Kind: "block", Block: oldHash,
			Time: now.Add(-time.Duration(aliceRows-i) * time.Minute)})
	}
	if err := st.Write(context.Background(), w); err != nil {
		t.Fatal(err)
	}
}

var blockFields = []string{"hash", "height", "worker", "address", "reward", "fee", "status", "confirmations", "found_at"}

func TestBans(t *testing.T) {
	st := openStore(t)
	a := startAccounts(t, st)
	p := serve(t, a)

	raw := p.getJSON(t, "/api/bans", 200, nil)
	wantKeys(t, "/api/bans", mustJSON(t, raw), "bans")
	wantEmptyList(t, "bans with none", raw["bans"])

	now := time.Now()
	later, sooner := account.Ban{Target: "192.0.2.7", Reason: "flood", Until: now.Add(2 * time.Hour), Time: now},
		account.Ban{Target: "bcrt1qbad.rig", Reason: "invalid shares", Until: now.Add(time.Hour), Time: now}
	expired := account.Ban{Target: "192.0.2.8", Reason: "old", Until: now.Add(-time.Minute), Time: now.Add(-time.Hour)}
	for _, b := range []account.Ban{later, sooner} {
		if !a.Ban(b) {
			t.Fatalf("ban %+v not kept", b)
		}
	}
	a.Ban(expired) // kept (Until is after Time), but no longer in force: not listed
	var got stats.BansView
	raw = p.getJSON(t, "/api/bans", 200, &got)
	var list []json.RawMessage
	if err := json.Unmarshal(raw["bans"], &list); err != nil || len(list) != 2 {
		t.Fatalf("bans %s: %v", raw["bans"], err)
	}
	wantKeys(t, "a ban", list[0], "target", "reason", "until", "time")
	for i, want := range []account.Ban{sooner, later} {
		if b := got.Bans[i]; b.Target != want.Target || b.Reason != want.Reason || !b.Until.Equal(want.Until) || !b.Time.Equal(want.Time) {
			t.Errorf("ban %d: %+v, want %+v", i, b, want)
		}
	}
}

func TestBlocks(t *testing.T) {
	st := openStore(t)
	a := startAccounts(t, st)
	now := time.Now()
	writeRows(t, a.Store(), now)
	p := serve(t, a)

	// The list: newest first, with the finder's address.
	raw := p.getJSON(t, "/api/blocks?limit=2", 200, nil)
	var list []json.RawMessage
	if err := json.Unmarshal(raw["blocks"], &list); err != nil || len(list) != 2 {
		t.Fatalf("blocks %s: %v", raw["blocks"], err)
	}
	wantKeys(t, "a listed block", list[0], append(blockFields, "detail")...)
	var first stats.BlockView
	json.Unmarshal(list[0], &first)
	if first.Hash != newHash || first.Address != carol || first.Status != "submitted" {
		t.Errorf("newest block %+v", first)
	}

	// One block, found on the store's second page of blocks.
	var d stats.BlockDetail
	raw = p.getJSON(t, "/api/block/"+oldHash, 200, &d)
	wantKeys(t, "/api/block", mustJSON(t, raw), append(blockFields, "splits")...)
	if d.Hash != oldHash || d.Height != 100 || d.Worker != finder+".rig" || d.Address != finder || d.Reward != 50_0000_0000 ||
		d.Fee != 1_0000_0000 || d.Status != "confirmed" || d.Confirmations != 100 ||
		!d.FoundAt.Equal(now.Add(-24*time.Hour).Truncate(time.Millisecond)) {
		t.Errorf("block %+v", d.BlockView)
	}
	var splits []json.RawMessage
	json.Unmarshal(raw["splits"], &splits)
	if len(splits) != 2 {
		t.Fatalf("splits %s", raw["splits"])
	}
	wantKeys(t, "a split", splits[0], "address", "difficulty", "amount")
	if want := []stats.SplitView{{alice, 30, 29_4000_0000}, {"bcrt1qbob", 20, 19_6000_0000}}; !slices.Equal(d.Splits, want) {
		t.Errorf("splits %+v, want %+v", d.Splits, want)
	}
	// Upper case is the same hash.
	var upper stats.BlockDetail
	p.getJSON(t, "/api/block/"+strings.ToUpper(oldHash), 200, &upper)
	if upper.Hash != oldHash || len(upper.Splits) != 2 {
		t.Errorf("upper-case hash: %+v", upper)
	}
	// A maturing block, with its detail.
	p.getJSON(t, "/api/block/"+newHash, 200, &d)
	if d.Status != "submitted" || d.Detail != "no answer yet" || len(d.Splits) != 1 || d.Splits[0].Address != carol {
		t.Errorf("submitted block %+v", d)
	}
	// No split: [].
	raw = p.getJSON(t, "/api/block/"+fillerHash(3), 200, nil)
	wantEmptyList(t, "a block's splits with none", raw["splits"])

	// Unknown and malformed hashes.
	for path, code := range map[string]int{
		"/api/block/" + unknown:                  404,
		"/api/block/" + oldHash[:63]:             400,
		"/api/block/" + oldHash + "00":           400,
		"/api/block/" + oldHash + "/x":           400,
		"/api/block/" + strings.Repeat("zz", 32): 400,
		"/api/block/":                            400,
	} {
		raw := p.getJSON(t, path, code, nil)
		wantKeys(t, path, mustJSON(t, raw), "error")
	}
	// The status page lists blocks too.
	if code, body := p.get(t, "/"); code != 200 || !strings.Contains(string(body), newHash) {
		t.Errorf("status page: %d", code)
	}
}

func TestBalance(t *testing.T) {
	st := openStore(t)
	a := startAccounts(t, st)
	writeRows(t, a.Store(), time.Now())
	p := serve(t, a)

	var d stats.BalanceDetail
	raw := p.getJSON(t, "/api/balance/"+alice, 200, &d)
	wantKeys(t, "/api/balance", mustJSON(t, raw), "balance", "offset", "limit", "ledger")
	wantKeys(t, "a balance", raw["balance"], "address", "amount", "immature", "updated_at")
	var ledger []json.RawMessage
	json.Unmarshal(raw["ledger"], &ledger)
	if len(ledger) == 0 {
		t.Fatalf("no ledger: %s", raw["ledger"])
	}
	wantKeys(t, "a ledger entry", ledger[0], "address", "amount", "kind", "block", "time")
	if want := int64(aliceRows * (aliceRows + 1) / 2); d.Balance.Address != alice || d.Balance.Amount != want {
		t.Errorf("balance %+v, want %d", d.Balance, want)
	}
	// The default limit, newest first.
	if d.Limit != 100 || len(d.Ledger) != 100 || d.Ledger[0].Amount != int64(aliceRows) || d.Ledger[99].Amount != int64(aliceRows-99) {
		t.Errorf("limit %d, %d entries, first %+v", d.Limit, len(d.Ledger), d.Ledger[0])
	}
	for q, n := range map[string]int{"?limit=120": 120, "?limit=1000": aliceRows, "?limit=1": 1, "?offset=0&limit=7": 7,
		"?offset=5&limit=7": 7, fmt.Sprintf("?offset=%d", aliceRows-3): 3} {
		var d stats.BalanceDetail
		p.getJSON(t, "/api/balance/"+alice+q, 200, &d)
		if len(d.Ledger) != n {
			t.Errorf("%s: %d entries, want %d", q, len(d.Ledger), n)
		}
	}
	var from5 stats.BalanceDetail
	p.getJSON(t, "/api/balance/"+alice+"?offset=5&limit=1", 200, &from5)
	if len(from5.Ledger) != 1 || from5.Offset != 5 || from5.Ledger[0].Amount != int64(aliceRows-5) {
		t.Errorf("the sixth newest entry: %+v", from5)
	}
	for _, q := range []string{"?limit=0", "?limit=1001", "?limit=-1", "?limit=abc", "?offset=-1"} {
		raw := p.getJSON(t, "/api/balance/"+alice+q, 400, nil)
		wantKeys(t, q, mustJSON(t, raw), "error")
	}

	// Only immature: a balance with an empty ledger.
	raw = p.getJSON(t, "/api/balance/"+carol, 200, &d)
	if d.Balance.Amount != 0 || d.Balance.Immature != 50_0000_0000 {
		t.Errorf("carol's balance %+v", d.Balance)
	}
	wantEmptyList(t, "a ledger with no entry", raw["ledger"])

	raw = p.getJSON(t, "/api/balance/bcrt1qnobody", 404, nil)
	wantKeys(t, "unknown balance", mustJSON(t, raw), "error")
}

// TestNoAccounts: a core without accounts answers empty lists and 404s.
func TestNoAccounts(t *testing.T) {
	p := serve(t, nil)
	raw := p.getJSON(t, "/api/bans", 200, nil)
	wantEmptyList(t, "bans without accounts", raw["bans"])
	raw = p.getJSON(t, "/api/blocks", 200, nil)
	wantEmptyList(t, "blocks without accounts", raw["blocks"])
	p.getJSON(t, "/api/block/"+oldHash, 404, nil)
	p.getJSON(t, "/api/balance/"+alice, 404, nil)
	p.getJSON(t, "/api/balance/"+alice+"?limit=0", 400, nil)
}

// TestStoreDown: a store that fails is a 503 with its error, not a 404;
// the bans, kept in memory, are still served.
func TestStoreDown(t *testing.T) {
	st := openStore(t)
	a := startAccounts(t, st)
	writeRows(t, a.Store(), time.Now())
	now := time.Now()
	a.Ban(account.Ban{Target: "192.0.2.9", Reason: "flood", Until: now.Add(time.Hour), Time: now})
	p := serve(t, a)
	p.getJSON(t, "/api/balance/"+alice, 200, nil)

	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/api/balance/" + alice, "/api/balance/bcrt1qnobody", "/api/block/" + oldHash,
		"/api/block/" + unknown, "/api/blocks", "/api/balances"} {
		raw := p.getJSON(t, path, 503, nil)
		var msg string
		if json.Unmarshal(raw["error"], &msg); msg == "" {
			t.Errorf("%s: 503 without an error: %s", path, mustJSON(t, raw))
		}
	}
	var bans stats.BansView
	p.getJSON(t, "/api/bans", 200, &bans)
	if len(bans.Bans) != 1 || bans.Bans[0].Target != "192.0.2.9" {
		t.Errorf("bans with the store down: %+v", bans)
	}
}

func mustJSON(t *testing.T, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
