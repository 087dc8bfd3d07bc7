package account

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stratapool/strata/core/share"
	"github.com/stratapool/strata/internal/testnet"
)

// proxyMode is what a pgProxy does to the traffic.
type proxyMode int

const (
	pass            proxyMode = iota
	cutAfterCommit            // COMMIT reaches the server; its answer is lost with the connection
	cutBeforeCommit           // the connection is lost before COMMIT reaches the server
	blackhole                 // nothing passes either way; connections stay open
)

// pgProxy stands between the accounts and PostgreSQL on loopback, to lose
// packets the way a network does.
type pgProxy struct {
	t      *testing.T
	ln     net.Listener
	target string
	mu     sync.Mutex
	mode   proxyMode
	conns  []net.Conn
	cut    chan struct{} // a cut happened
}

func startProxy(t *testing.T, target string) *pgProxy {
	t.Helper()
	ln, err := testnet.Listen()
	if err != nil {
		t.Fatal(err)
	}
	p := &pgProxy{t: t, ln: ln, target: target, cut: make(chan struct{}, 16)}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.serve(c)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		p.mu.Lock()
		for _, c := range p.conns {
			c.Close()
		}
		p.mu.Unlock()
	})
	return p
}

func (p *pgProxy) set(m proxyMode) {
	p.mu.Lock()
	p.mode = m
	p.mu.Unlock()
}

func (p *pgProxy) get() proxyMode {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.mode
}

func (p *pgProxy) serve(client net.Conn) {
	server, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil {
		client.Close()
		return
	}
	p.mu.Lock()
	p.conns = append(p.conns, client, server)
	p.mu.Unlock()
	closeBoth := func() { client.Close(); server.Close() }
	var swallow atomic.Bool // the server's answers are lost from now on
	// Server to client: held back in a blackhole.
	go func() {
		buf := make([]byte, 64<<10)
		for {
			n, err := server.Read(buf)
			if err != nil {
				closeBoth()
				return
			}
			for p.get() == blackhole {
				time.Sleep(5 * time.Millisecond)
			}
			if swallow.Load() {
				continue
			}
			if _, err := client.Write(buf[:n]); err != nil {
				closeBoth()
				return
			}
		}
	}()
	buf := make([]byte, 64<<10)
	for {
		n, err := client.Read(buf)
		if err != nil {
			closeBoth()
			return
		}
		chunk := buf[:n]
		mode := p.get()
		for mode == blackhole {
			time.Sleep(5 * time.Millisecond)
			mode = p.get()
		}
		// pgx sends COMMIT as a simple query: 'Q', a length, "commit".
		if isCommit := bytes.Contains(bytes.ToLower(chunk), []byte("commit")); isCommit && mode != pass {
			p.set(pass)
			p.cut <- struct{}{}
			if mode == cutAfterCommit {
				// The server reads the COMMIT, then the end of its input;
				// it answers into the void and closes, and the relay above
				// closes the client's side.
				swallow.Store(true)
				server.Write(chunk)
				server.(*net.TCPConn).CloseWrite()
				return
			}
			closeBoth()
			return
		}
		if _, err := server.Write(chunk); err != nil {
			closeBoth()
			return
		}
	}
}

// proxiedPostgres is the store of a fresh database reached through a
// proxy.
func proxiedPostgres(t *testing.T) (*pgProxy, Store) {
	u, err := url.Parse(postgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	p := startProxy(t, u.Host)
	u.Host = p.ln.Addr().String()
	return p, openPostgres(t, u.String())
}

// COMMIT reaches PostgreSQL and takes, but its answer is lost: the shares
// are refused, not acknowledged, and kept as seen (in doubt); nothing more
// is written until the store says the transaction took, and then it
// counts once: no batch number is given out twice, nothing is lost.
func TestCommitWhoseAnswerIsLostCountsOnce(t *testing.T) {
	proxy, st := proxiedPostgres(t)
	a := start(t, Config{Store: st})
	if err := commit(a.Accounts, []share.Credit{credit(1, "a", 1)}); err != nil {
		t.Fatal(err)
	}
	proxy.set(cutAfterCommit)
	err := commit(a.Accounts, []share.Credit{credit(2, "a", 1), credit(3, "b", 1)})
	if !errors.Is(err, share.ErrInDoubt) {
		t.Fatalf("commit with its answer lost: %v, want an error in doubt", err)
	}
	select {
	case <-proxy.cut:
	case <-time.After(5 * time.Second):
		t.Fatal("the proxy never cut")
	}
	if ok, why := a.Healthy(); ok || why == "" {
		t.Fatalf("healthy %v %q with a transaction in doubt", ok, why)
	}
	// Shares go on coming; the first ones wait for the doubt to clear.
	var last error
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if last = commit(a.Accounts, []share.Credit{credit(4, "a", 1)}); last == nil {
			break
		}
		if errors.Is(last, share.ErrInDoubt) {
			t.Fatalf("a later share in doubt: %v", last)
		}
	}
	if last != nil {
		t.Fatalf("never committed again: %v", last)
	}
	got := storedShares(t, st)
	for n := 1; n <= 4; n++ {
		if c := got[credit(n, "a", 1).Hash]; n != 3 && c != 1 {
			t.Errorf("share %d stored %d times, want once", n, c)
		}
	}
	if c := got[credit(3, "b", 1).Hash]; c != 1 {
		t.Errorf("share 3 (worker b, in the transaction in doubt) stored %d times, want once", c)
	}
	ws, _ := st.Workers(context.Background())
	if len(ws) != 2 {
		t.Errorf("workers %+v, want a and b", ws)
	}
}

// The connection is lost before COMMIT reaches the server: the store says
// the transaction did not take, its shares stay refused, and the next
// ones are written under the same numbers, once.
func TestCommitLostBeforeItReachesTheStore(t *testing.T) {
	proxy, st := proxiedPostgres(t)
	a := start(t, Config{Store: st})
	proxy.set(cutBeforeCommit)
	if err := commit(a.Accounts, []share.Credit{credit(1, "a", 1)}); err == nil {
		t.Fatal("a commit cut before COMMIT succeeded")
	}
	if err := commitUntil(a.Accounts, []share.Credit{credit(2, "c", 1)}, 10*time.Second); err != nil {
		t.Fatalf("never committed again: %v", err)
	}
	got := storedShares(t, st)
	if len(got) != 1 || got[credit(2, "c", 1).Hash] != 1 {
		t.Errorf("stored %v, want share 2 alone", got)
	}
	if ws, _ := st.Workers(context.Background()); len(ws) != 1 || ws[0].Name != "bcrt1qc.rig" || ws[0].ID != 1 {
		t.Errorf("workers %+v, want c alone with id 1", ws)
	}
}

// A network partition: PostgreSQL stops answering with the connections
// open. The commit fails at its deadline instead of holding every verdict,
// the accounts say why, and they come back with the network.
func TestPartitionFromPostgresGatesInsteadOfHanging(t *testing.T) {
	proxy, st := proxiedPostgres(t)
	a := start(t, Config{Store: st, WriteTimeout: 500 * time.Millisecond})
	if err := commit(a.Accounts, []share.Credit{credit(1, "a", 1)}); err != nil {
		t.Fatal(err)
	}
	proxy.set(blackhole)
	began := time.Now()
	if err := commit(a.Accounts, []share.Credit{credit(2, "a", 1)}); err == nil {
		t.Fatal("a commit succeeded through a blackhole")
	}
	if took := time.Since(began); took > 5*time.Second {
		t.Errorf("the commit took %s to fail", took)
	}
	if ok, why := a.Healthy(); ok || why == "" {
		t.Fatalf("healthy %v %q during the partition", ok, why)
	}
	proxy.set(pass)
	if err := commitUntil(a.Accounts, []share.Credit{credit(3, "a", 1)}, 15*time.Second); err != nil {
		t.Fatalf("never committed after the partition: %v", err)
	}
	got := storedShares(t, st)
	if got[credit(1, "a", 1).Hash] != 1 || got[credit(3, "a", 1).Hash] != 1 || got[credit(2, "a", 1).Hash] > 1 {
		t.Errorf("stored %v", got)
	}
}

// A transaction without shares whose COMMIT answer is lost (a block's
// payout to balances): its number in meta says it took, and the balance
// is credited once, not again with the next transaction.
func TestPayoutWhoseAnswerIsLostIsCreditedOnce(t *testing.T) {
	proxy, st := proxiedPostgres(t)
	a := start(t, Config{Store: st})
	proxy.set(cutAfterCommit)
	a.call(func(w *Write) {
		w.Entries = append(w.Entries, LedgerEntry{Address: "bcrt1qpaid", Amount: 7, Kind: "block", Block: "00aa", Time: time.Now()})
	})
	select {
	case <-proxy.cut:
	case <-time.After(5 * time.Second):
		t.Fatal("the proxy never cut")
	}
	waitHealthy(t, a.Accounts, false)
	waitHealthy(t, a.Accounts, true)
	// More transactions: the entry must not go with them.
	for n := 1; n <= 3; n++ {
		if err := commit(a.Accounts, []share.Credit{credit(n, "a", 1)}); err != nil {
			t.Fatal(err)
		}
	}
	a.stop()
	b, err := st.Balance(context.Background(), "bcrt1qpaid")
	if err != nil || b.Amount != 7 {
		t.Fatalf("balance %+v %v, want 7 once", b, err)
	}
	if entries, _ := st.Ledger(context.Background(), "bcrt1qpaid", 0, 10); len(entries) != 1 {
		t.Errorf("ledger %+v, want one entry", entries)
	}
}
