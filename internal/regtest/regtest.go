package regtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/stratapool/strata/internal/testnet"
)

// Options configure a node.
type Options struct {
	// Dir holds the node's data and logs; it must exist.
	Dir string
	// RPCAddr and P2PAddr are host:port to listen on; an empty one is a
	// free loopback port below the ephemeral range, as tests want.
	RPCAddr string
	P2PAddr string
	// MiningAddr receives the coinbase of blocks mined with Generate.
	MiningAddr string
	// Connect makes the node sync from another node's P2P address only.
	Connect string
	// Btcd is the binary; empty means $STRATA_BTCD or the go.mod tool.
	Btcd string
	// Output receives the node's stdout and stderr; nil discards them.
	Output io.Writer
	// StartTimeout bounds the wait for the RPC server (default 60s).
	StartTimeout time.Duration
}

// Node is a running btcd.
type Node struct {
	RPCURL   string
	User     string
	Password string
	P2PAddr  string
	Dir      string

	cmd     *exec.Cmd
	done    chan struct{}
	exited  atomic.Bool
	waitErr error
	http    *http.Client
	nextID  atomic.Uint64
}

// Binary finds the btcd to run: $STRATA_BTCD; a btcd beside the running
// program (make build puts one in bin/); the tool pinned in go.mod, built
// by the go command if needed, when run in the source tree; or a btcd on
// the PATH.
func Binary(ctx context.Context) (string, error) {
	if p := os.Getenv("STRATA_BTCD"); p != "" {
		return p, nil
	}
	if exe, err := os.Executable(); err == nil {
		beside := filepath.Join(filepath.Dir(exe), "btcd")
		if fi, err := os.Stat(beside); err == nil && !fi.IsDir() {
			return beside, nil
		}
	}
	out, err := exec.CommandContext(ctx, "go", "tool", "-n", "btcd").Output()
	if err != nil {
		if p, perr := exec.LookPath("btcd"); perr == nil {
			return p, nil
		}
	}
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return "", fmt.Errorf("regtest: no btcd found (not beside strata, not on the PATH, and go tool -n btcd says: %s); make build puts one in bin/, or set STRATA_BTCD", bytes.TrimSpace(ee.Stderr))
		}
		return "", fmt.Errorf("regtest: go tool -n btcd: %w (run from the strata source tree, put btcd beside strata or on the PATH, or set STRATA_BTCD)", err)
	}
	fields := strings.Fields(string(out))
	if len(fields) == 0 {
		return "", errors.New("regtest: go tool -n btcd printed nothing")
	}
	return fields[0], nil
}

// Start runs a btcd and waits until its RPC server answers.
func Start(ctx context.Context, opts Options) (*Node, error) {
	if opts.Dir == "" {
		return nil, errors.New("regtest: Dir is required")
	}
	for _, addr := range []*string{&opts.RPCAddr, &opts.P2PAddr} {
		if *addr == "" {
			var err error
			if *addr, err = testnet.Addr(); err != nil {
				return nil, fmt.Errorf("regtest: %w", err)
			}
		}
	}
	bin := opts.Btcd
	if bin == "" {
		var err error
		if bin, err = Binary(ctx); err != nil {
			return nil, err
		}
	}
	n := &Node{
		RPCURL:   "http://" + opts.RPCAddr,
		User:     "strata",
		Password: "regtest",
		P2PAddr:  opts.P2PAddr,
		Dir:      opts.Dir,
		done:     make(chan struct{}),
		http:     &http.Client{Timeout: 30 * time.Second},
	}
	args := []string{
		"--regtest",
		"--datadir=" + filepath.Join(opts.Dir, "data"),
		"--logdir=" + filepath.Join(opts.Dir, "logs"),
		"--rpcuser=" + n.User,
		"--rpcpass=" + n.Password,
		"--rpclisten=" + opts.RPCAddr,
		"--listen=" + opts.P2PAddr,
		"--notls",
		"--nodnsseed",
		"--norelaypriority",
		"--nocfilters",
		"--debuglevel=info",
	}
	if opts.MiningAddr != "" {
		args = append(args, "--miningaddr="+opts.MiningAddr)
	}
	if opts.Connect != "" {
		args = append(args, "--connect="+opts.Connect)
	}
	n.cmd = exec.Command(bin, args...)
	n.cmd.Stdout, n.cmd.Stderr = opts.Output, opts.Output
	n.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := n.cmd.Start(); err != nil {
		return nil, fmt.Errorf("regtest: start btcd: %w", err)
	}
	go func() {
		n.waitErr = n.cmd.Wait()
		n.exited.Store(true)
		close(n.done)
	}()

	timeout := opts.StartTimeout
	if timeout <= 0 {
		timeout = 60 * time.Second
	}
	deadline := time.Now().Add(timeout)
	for {
		var info struct{ Blocks int64 }
		err := n.Call(ctx, "getblockchaininfo", nil, &info)
		if err == nil {
			return n, nil
		}
		if n.exited.Load() {
			return nil, fmt.Errorf("regtest: btcd exited at start (%v): is %s or %s in use? see %s", n.waitErr, opts.RPCAddr, opts.P2PAddr, filepath.Join(opts.Dir, "logs"))
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			n.Kill()
			return nil, fmt.Errorf("regtest: btcd RPC not up after %s: %v", timeout, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Stop asks btcd to shut down and waits for it, killing it after 15s.
func (n *Node) Stop() error {
	if n.exited.Load() {
		return nil
	}
	_ = n.cmd.Process.Signal(os.Interrupt)
	select {
	case <-n.done:
		return nil
	case <-time.After(15 * time.Second):
		n.Kill()
		return errors.New("regtest: btcd did not stop within 15s; killed")
	}
}

// Kill ends btcd at once, as a crash would.
func (n *Node) Kill() {
	if n.exited.Load() {
		return
	}
	_ = syscall.Kill(-n.cmd.Process.Pid, syscall.SIGKILL)
	<-n.done
}

// Exited reports whether the process has ended.
func (n *Node) Exited() bool { return n.exited.Load() }

// RPCError is an error answer from btcd.
type RPCError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func (e *RPCError) Error() string { return fmt.Sprintf("btcd: error %d: %s", e.Code, e.Message) }

// Call invokes an RPC method.
func (n *Node) Call(ctx context.Context, method string, params []any, result any) error {
	if params == nil {
		params = []any{}
	}
	body, err := json.Marshal(map[string]any{"jsonrpc": "1.0", "id": n.nextID.Add(1), "method": method, "params": params})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.RPCURL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.SetBasicAuth(n.User, n.Password)
	resp, err := n.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var r struct {
		Result json.RawMessage `json:"result"`
		Error  *RPCError       `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return fmt.Errorf("btcd: %s: HTTP %d: %w", method, resp.StatusCode, err)
	}
	if r.Error != nil {
		return fmt.Errorf("%s: %w", method, r.Error)
	}
	if result != nil {
		return json.Unmarshal(r.Result, result)
	}
	return nil
}

// Generate mines count blocks to the mining address and returns their hashes.
func (n *Node) Generate(ctx context.Context, count int) ([]string, error) {
	var hashes []string
	err := n.Call(ctx, "generate", []any{count}, &hashes)
	return hashes, err
}

// Height is the node's block count.
func (n *Node) Height(ctx context.Context) (int64, error) {
	var h int64
	err := n.Call(ctx, "getblockcount", nil, &h)
	return h, err
}

// WaitHeight waits until the node has at least h blocks.
func (n *Node) WaitHeight(ctx context.Context, h int64, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		got, err := n.Height(ctx)
		if err == nil && got >= h {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("regtest: height %d not reached within %s (at %d, %v)", h, timeout, got, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
