package node

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stratapool/strata/internal/metric"
)

// maxResponse bounds an answer: a full block template in hex is about 8 MB.
const maxResponse = 64 << 20

// ClientConfig says how to reach one node.
type ClientConfig struct {
	// Name is used in logs; the URL's host when empty.
	Name string
	URL  string
	// User and Password, or else the cookie file, authenticate calls.
	User     string
	Password string
	// CookieFile is read at the first call and again whenever the node
	// refuses it (Bitcoin Core writes a new cookie at every start).
	CookieFile string
	// Timeout bounds each call except longpolls.
	Timeout time.Duration
}

// Client calls one node. It is safe for concurrent use.
type Client struct {
	name    string
	url     string
	timeout time.Duration
	http    *http.Client
	nextID  atomic.Uint64

	user, password string
	cookieFile     string
	mu             sync.Mutex // guards cookieAuth
	cookieAuth     string     // "Basic ..." from the cookie, once read

	// latency is each RPC method's round trips; errors its failures.
	latency map[string]*metric.Histogram
	errors  map[string]*atomic.Uint64
}

// timedMethods are the methods whose latency is kept; the rest count as
// "other".
var timedMethods = []string{"getblocktemplate", "submitblock", "getblockchaininfo", "getbestblockhash",
	"getblockheader", "getblockcount", "getblockhash", "other"}

// Latency is the RPC latency of each method, and how many calls failed.
func (c *Client) Latency() map[string]LatencyStats {
	out := make(map[string]LatencyStats, len(c.latency))
	for m, h := range c.latency {
		out[m] = LatencyStats{Snapshot: h.Snapshot(), Errors: c.errors[m].Load()}
	}
	return out
}

// LatencyStats are one method's round trips and failures.
type LatencyStats struct {
	metric.Snapshot
	Errors uint64
}

func (c *Client) observe(method string, start time.Time, err error) {
	h, ok := c.latency[method]
	if !ok {
		method = "other"
		h = c.latency[method]
	}
	h.Observe(time.Since(start))
	if err != nil {
		c.errors[method].Add(1)
	}
}

// NewClient checks the configuration; it does not contact the node.
func NewClient(cfg ClientConfig) (*Client, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("node: bad RPC URL %q", cfg.URL)
	}
	if cfg.User == "" && cfg.CookieFile == "" {
		return nil, fmt.Errorf("%w for %s: set a user and password or a cookie file", ErrNoCredentials, cfg.URL)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	name := cfg.Name
	if name == "" {
		name = u.Host
	}
	transport := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: cfg.Timeout, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConnsPerHost: 8,
		IdleConnTimeout:     90 * time.Second,
	}
	c := &Client{
		name:       name,
		url:        cfg.URL,
		timeout:    cfg.Timeout,
		http:       &http.Client{Transport: transport},
		user:       cfg.User,
		password:   cfg.Password,
		cookieFile: cfg.CookieFile,
		latency:    map[string]*metric.Histogram{},
		errors:     map[string]*atomic.Uint64{},
	}
	for _, m := range timedMethods {
		c.latency[m], c.errors[m] = metric.NewHistogram(metric.LatencyBuckets), new(atomic.Uint64)
	}
	return c, nil
}

// Name identifies the node in logs.
func (c *Client) Name() string { return c.name }

// Close drops idle connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }

type request struct {
	JSONRPC string `json:"jsonrpc"`
	ID      uint64 `json:"id"`
	Method  string `json:"method"`
	Params  []any  `json:"params"`
}

type response struct {
	Result json.RawMessage `json:"result"`
	Error  *RPCError       `json:"error"`
}

// Call invokes method with params and decodes the result into result (which
// may be nil), within the client's timeout.
func (c *Client) Call(ctx context.Context, method string, params []any, result any) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	return c.call(ctx, method, params, result)
}

// call is Call under the caller's deadline (longpolls wait longer).
func (c *Client) call(ctx context.Context, method string, params []any, result any) error {
	if params == nil {
		params = []any{}
	}
	// btcd answers a request without "jsonrpc" with an empty 200.
	body, err := json.Marshal(request{JSONRPC: "1.0", ID: c.nextID.Add(1), Method: method, Params: params})
	if err != nil {
		return fmt.Errorf("node: %s: %w", method, err)
	}
	return c.send(ctx, method, [][]byte{body}, result)
}

// send posts a request body made of parts, retrying once with a fresh
// cookie when the node refuses the old one.
func (c *Client) send(ctx context.Context, method string, body [][]byte, result any) (err error) {
	start := time.Now()
	defer func() {
		// A longpoll waits for the node on purpose: it is not latency.
		if !isLongPoll(method, ctx) {
			c.observe(method, start, err)
		}
	}()
	for attempt := 0; ; attempt++ {
		auth, err := c.authorization(attempt > 0)
		if err != nil {
			return err
		}
		err = c.post(ctx, method, auth, body, result)
		// A refused cookie is read again once: the node may have restarted.
		if errors.Is(err, ErrUnauthorized) && c.user == "" && attempt == 0 {
			continue
		}
		return err
	}
}

func (c *Client) post(ctx context.Context, method, auth string, body [][]byte, result any) error {
	readers := make([]io.Reader, len(body))
	length := 0
	for i, p := range body {
		readers[i] = bytes.NewReader(p)
		length += len(p)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, io.MultiReader(readers...))
	if err != nil {
		return fmt.Errorf("node: %s: %w", method, err)
	}
	req.ContentLength = int64(length)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", auth)
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("node %s: %s: %w", c.name, method, err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusUnauthorized:
		return fmt.Errorf("%w by %s", ErrUnauthorized, c.name)
	case http.StatusForbidden:
		return fmt.Errorf("%w: %s", ErrForbidden, c.name)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return fmt.Errorf("node %s: %s: reading the answer: %w", c.name, method, err)
	}
	if len(data) > maxResponse {
		return fmt.Errorf("%w: %s: %s answered more than %d bytes", ErrBadResponse, method, c.name, maxResponse)
	}
	var r response
	// Bitcoin Core answers RPC errors with HTTP 500 and a JSON-RPC body.
	if err := json.Unmarshal(data, &r); err != nil || (r.Result == nil && r.Error == nil) {
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%w: %s: %s answered HTTP %d: %s", ErrBadResponse, method, c.name, resp.StatusCode, snippet(data))
		}
		return fmt.Errorf("%w: %s: %s answered %q", ErrBadResponse, method, c.name, snippet(data))
	}
	if r.Error != nil {
		r.Error.Method = method
		return r.Error
	}
	if result == nil {
		return nil
	}
	if err := json.Unmarshal(r.Result, result); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrBadResponse, method, err)
	}
	return nil
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 120 {
		s = s[:120] + "..."
	}
	return s
}

// authorization is the Authorization header: the user and password, or the
// cookie, read again when reload is set.
func (c *Client) authorization(reload bool) (string, error) {
	if c.user != "" {
		return basicAuth(c.user, c.password), nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cookieAuth != "" && !reload {
		return c.cookieAuth, nil
	}
	user, pass, err := ReadCookie(c.cookieFile)
	if err != nil {
		return "", err
	}
	c.cookieAuth = basicAuth(user, pass)
	return c.cookieAuth, nil
}

func basicAuth(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}
