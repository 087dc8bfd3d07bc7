package block

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Status is where a found block stands.
type Status string

const (
	// StatusSubmitting: found, answers not in yet.
	StatusSubmitting Status = "submitting"
	// StatusAccepted: a node has it on its best chain.
	StatusAccepted Status = "accepted"
	// StatusPending: a node took it but has not shown it on its best chain.
	StatusPending Status = "pending"
	// StatusOrphaned: a node took it, but another block won.
	StatusOrphaned Status = "orphaned"
	// StatusRejected: no node took it; never counted as found.
	StatusRejected Status = "rejected"
)

// Answer is one node's reply to a submitblock.
type Answer struct {
	Node string `json:"node"`
	// Result is "accepted", or the node's reason ("duplicate",
	// "inconclusive", "high-hash", "rejected: ...").
	Result   string `json:"result,omitempty"`
	Error    string `json:"error,omitempty"`
	Attempts int    `json:"attempts"`
}

// Record is one line of the journal: a found block's state at a moment.
type Record struct {
	Time     time.Time `json:"time"`
	Height   uint32    `json:"height"`
	Hash     string    `json:"hash"`
	PrevHash string    `json:"prev_hash"`
	Worker   string    `json:"worker"`
	// Reward is what the coinbase pays, in satoshis.
	Reward  int64    `json:"reward"`
	Status  Status   `json:"status"`
	Reason  string   `json:"reason,omitempty"`
	Answers []Answer `json:"answers,omitempty"`
}

// Journal appends records to a file, one JSON line each, synced to disk
// before Append returns.
type Journal struct {
	mu   sync.Mutex // guards f
	f    *os.File
	path string
}

// OpenJournal opens (creating) the journal at path.
func OpenJournal(path string) (*Journal, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("block journal: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("block journal: %w", err)
	}
	return &Journal{f: f, path: path}, nil
}

// Append writes r and syncs it.
func (j *Journal) Append(r Record) error {
	line, err := json.Marshal(r)
	if err != nil {
		return err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if _, err := j.f.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("block journal %s: %w", j.path, err)
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("block journal %s: %w", j.path, err)
	}
	return nil
}

// Close closes the file.
func (j *Journal) Close() error { return j.f.Close() }

// ReadJournal returns each block's latest record, oldest block first. A
// torn last line (a crash mid-write) is skipped.
func ReadJournal(path string) ([]Record, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var order []string
	latest := map[string]Record{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var r Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil || r.Hash == "" {
			continue
		}
		if _, seen := latest[r.Hash]; !seen {
			order = append(order, r.Hash)
		}
		latest[r.Hash] = r
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	out := make([]Record, 0, len(order))
	for _, h := range order {
		out = append(out, latest[h])
	}
	return out, nil
}
