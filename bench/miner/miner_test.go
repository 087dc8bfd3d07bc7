package miner

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"testing"

	"github.com/stratapool/strata/edge/stratum"
)

// The genesis block: its header, hashed the way a miner does.
func TestGenesisHeader(t *testing.T) {
	var prev [32]byte
	root, _ := hex.DecodeString("3ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a")
	j := &Job{PrevHash: prev, Bits: 0x1d00ffff}
	h := j.Header([32]byte(root), 1, 1231006505, 2083236893)
	hash := HashHeader(&h)
	want := "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f"
	rev := make([]byte, 32)
	for i := range rev {
		rev[i] = hash[31-i]
	}
	if hex.EncodeToString(rev) != want {
		t.Fatalf("genesis hash %x", rev)
	}
	target, err := TargetFromBits(0x1d00ffff)
	if err != nil || !target.Meets(hash) {
		t.Fatalf("genesis does not meet its own bits: %v", err)
	}
	d1, _ := TargetFor(1)
	if d1 != target {
		t.Errorf("difficulty 1 target %x, want %x", d1, target)
	}
	easy, _ := TargetFor(1e-12)
	if easy != (Target{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}) {
		t.Errorf("tiny difficulty not capped: %x", easy)
	}
	if _, err := TargetFor(0); err == nil {
		t.Error("difficulty 0 accepted")
	}
}

// A notify encoded by the edge decodes to the same job.
func TestParseNotifyFromTheEdgeEncoder(t *testing.T) {
	n := stratum.Notify{JobID: "1a2b", Coinb1: []byte{1, 2, 3}, Coinb2: []byte{4, 5}, Version: 0x20000000,
		Bits: 0x207fffff, NTime: 0x6543210f, Clean: true, Branch: [][32]byte{{1}, {2}}}
	for i := range n.PrevHash {
		n.PrevHash[i] = byte(i)
	}
	line := stratum.AppendNotify(nil, &n)
	var m Message
	if err := json.Unmarshal(line, &m); err != nil {
		t.Fatal(err)
	}
	j, err := ParseNotify(m.Params)
	if err != nil {
		t.Fatal(err)
	}
	if j.ID != n.JobID || j.PrevHash != n.PrevHash || !bytes.Equal(j.Coinb1, n.Coinb1) || !bytes.Equal(j.Coinb2, n.Coinb2) ||
		len(j.Branch) != 2 || j.Branch[1] != n.Branch[1] || j.Version != n.Version || j.Bits != n.Bits || j.NTime != n.NTime || !j.Clean {
		t.Fatalf("decoded %+v\nfrom %s", j, line)
	}
	for _, bad := range []string{`[]`, `["a","00","","",[],"1","2","3",true]`, `["a","` + hex.EncodeToString(make([]byte, 32)) + `","zz","",[],"1","2","3",true]`} {
		if _, err := ParseNotify(json.RawMessage(bad)); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}

func TestSearchFindsSharesThatMeetTheTarget(t *testing.T) {
	j := &Job{ID: "1", Coinb1: []byte{1}, Coinb2: []byte{2}, Version: 0x20000000, Bits: 0x207fffff, NTime: 1}
	target, _ := TargetFor(1.0 / (1 << 24)) // about one hash in 256
	s, ok := Search(j, []byte{0, 0, 0, 1}, Extranonce2(7, 8), &target, 0x1fffe000, 0, 1<<16)
	if !ok {
		t.Fatal("no share in 65536 nonces")
	}
	root := j.MerkleRoot([]byte{0, 0, 0, 1}, s.Extranonce2)
	h := j.Header(root, j.Version&^0x1fffe000|s.VersionBits, s.NTime, s.Nonce)
	if hash := HashHeader(&h); hash != s.Hash || !target.Meets(hash) || s.VersionBits&^0x1fffe000 != 0 {
		t.Fatalf("share %+v does not check", s)
	}
	if p := s.Params("w"); len(p) != 6 || p[2] != "0000000000000007" {
		t.Errorf("params %v", p)
	}
	if got := Extranonce2(0x0102, 4); !bytes.Equal(got, []byte{0, 0, 1, 2}) {
		t.Errorf("extranonce2 %x", got)
	}
}
