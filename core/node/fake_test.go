package node

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stratapool/strata/internal/testnet"
)

// reply is a canned HTTP answer.
type reply struct {
	status int
	body   string
	delay  time.Duration
}

// fakeNode answers JSON-RPC the way Bitcoin Core does, from canned replies
// by method; it records what it was asked.
type fakeNode struct {
	t        *testing.T
	srv      *httptest.Server
	mu       sync.Mutex
	user     string
	pass     string
	replies  map[string]reply
	requests []map[string]any
	down     bool // hang up on every request, as a dead node would
}

func newFakeNode(t *testing.T) *fakeNode {
	f := &fakeNode{t: t, user: "alice", pass: "secret", replies: map[string]reply{}}
	ln, err := testnet.Listen()
	if err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewUnstartedServer(http.HandlerFunc(f.serve))
	f.srv.Listener.Close()
	f.srv.Listener = ln // a port below 32768, as every test's
	f.srv.Start()
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeNode) set(method string, r reply) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.replies[method] = r
}

func (f *fakeNode) setDown(down bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.down = down
}

// result answers a method with a result, as Core does.
func (f *fakeNode) result(method string, result string) {
	f.set(method, reply{200, `{"result":` + result + `,"error":null,"id":1}`, 0})
}

func (f *fakeNode) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	down := f.down
	user, pass := f.user, f.pass
	f.mu.Unlock()
	if down {
		hj, _ := w.(http.Hijacker)
		conn, _, err := hj.Hijack()
		if err == nil {
			conn.Close()
		}
		return
	}
	auth := strings.TrimPrefix(r.Header.Get("Authorization"), "Basic ")
	raw, _ := base64.StdEncoding.DecodeString(auth)
	if string(raw) != user+":"+pass {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	body, _ := io.ReadAll(r.Body)
	var req map[string]any
	if err := json.Unmarshal(body, &req); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	if badLongPollID(req) {
		io.WriteString(w, `{"result":null,"error":{"code":-8,"message":"longpollid must be of length 64 (not 0, for '')"},"id":1}`)
		return
	}
	f.mu.Lock()
	f.requests = append(f.requests, req)
	rep, ok := f.replies[req["method"].(string)]
	f.mu.Unlock()
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"result":null,"error":{"code":-32601,"message":"Method not found"},"id":1}`)
		return
	}
	select {
	case <-time.After(rep.delay):
	case <-r.Context().Done():
		return // the client gave up
	}
	w.WriteHeader(rep.status)
	io.WriteString(w, rep.body)
}

// badLongPollID: Bitcoin Core parses a longpollid given as a string as a
// block hash and a count, so an empty one is an error.
func badLongPollID(req map[string]any) bool {
	params, _ := req["params"].([]any)
	if req["method"] != "getblocktemplate" || len(params) == 0 {
		return false
	}
	opts, _ := params[0].(map[string]any)
	id, ok := opts["longpollid"].(string)
	return ok && len(id) < 64
}

// longPolled reports whether a getblocktemplate came with longpollid id.
func (f *fakeNode) longPolled(id string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, req := range f.requests {
		params, _ := req["params"].([]any)
		if req["method"] != "getblocktemplate" || len(params) == 0 {
			continue
		}
		if opts, _ := params[0].(map[string]any); opts["longpollid"] == id {
			return true
		}
	}
	return false
}

func (f *fakeNode) lastRequest() map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.requests) == 0 {
		return nil
	}
	return f.requests[len(f.requests)-1]
}

func (f *fakeNode) client(t *testing.T) *Client {
	c, err := NewClient(ClientConfig{Name: "fake", URL: f.srv.URL, User: f.user, Password: f.pass, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func readFixture(t *testing.T, name string) string {
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
