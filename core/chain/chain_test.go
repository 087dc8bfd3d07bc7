package chain

import (
	"encoding/binary"
	"encoding/hex"
	"math"
	"math/big"
	"testing"
)

func mustHash(t testing.TB, s string) Hash {
	t.Helper()
	h, err := HashFromString(s)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// Block 100000 of mainnet: four transactions, a famous header.
var block100000 = struct {
	hash, prev, merkle string
	version            uint32
	time, bits, nonce  uint32
	txids              []string
}{
	hash:    "000000000003ba27aa200b1cecaad478d2b00432346c3f1f3986da1afd33e506",
	prev:    "000000000002d01c1fccc21636b607dfd930d31d01c3a62104612a1719011250",
	merkle:  "f3e94742aca4b5ef85488dc37c06c3282295ffec960994b2c0d5ac2a25a95766",
	version: 1, time: 1293623863, bits: 0x1b04864c, nonce: 274148111,
	txids: []string{
		"8c14f0db3df150123e6f3dbbf30f8b955a8249b62ac1d1ff16284aefa3d06d87",
		"fff2525b8931402dd09222c50775608f75787bd2b87e56995a7bdd30f79702c4",
		"6359f0868171b1d194cbee1af2f16ea598ae8fad666d9b012c8ed2b79a236ec4",
		"e9a66845e05d5abc0ad04ec80f774a7e585c6e8db975962d069a522137b80c1d",
	},
}

func header100000(t testing.TB) []byte {
	b := block100000
	h := make([]byte, 0, 80)
	h = binary.LittleEndian.AppendUint32(h, b.version)
	prev, merkle := mustHash(t, b.prev), mustHash(t, b.merkle)
	h = append(h, prev[:]...)
	h = append(h, merkle[:]...)
	h = binary.LittleEndian.AppendUint32(h, b.time)
	h = binary.LittleEndian.AppendUint32(h, b.bits)
	return binary.LittleEndian.AppendUint32(h, b.nonce)
}

func TestMainnetBlockKnownAnswers(t *testing.T) {
	b := block100000
	if got := DoubleSHA256(header100000(t)); got.String() != b.hash {
		t.Fatalf("header hash %s, want %s", got, b.hash)
	}
	var txids []Hash
	for _, s := range b.txids {
		txids = append(txids, mustHash(t, s))
	}
	if got := MerkleRoot(txids); got.String() != b.merkle {
		t.Errorf("merkle root %s, want %s", got, b.merkle)
	}
	// The coinbase folded up the branch of the other three gives the root too.
	branch := MerkleBranch(txids[1:])
	if len(branch) != 2 {
		t.Fatalf("branch of 4 transactions has %d steps", len(branch))
	}
	if got := FoldBranch(txids[0], branch); got.String() != b.merkle {
		t.Errorf("folded root %s, want %s", got, b.merkle)
	}
	// The header's hash meets its own target, and not one 2^20 times harder.
	target, err := TargetFromBits(b.bits)
	if err != nil {
		t.Fatal(err)
	}
	h := DoubleSHA256(header100000(t))
	if !HashMeets(&h, &target) {
		t.Error("block 100000 does not meet its target")
	}
	hard := target
	for i := range hard {
		hard[i] >>= 20
	}
	hard[2] |= target[3] << 44
	hard[3] = target[3] >> 20
	if HashMeets(&h, &hard) {
		t.Error("block 100000 meets a target 2^20 harder")
	}
	if d := target.Difficulty(); math.Abs(d-14484.162361) > 0.001 {
		t.Errorf("difficulty %f, want 14484.162361", d)
	}
}

// TestMerkleBranchMatchesRoot checks the branch against a full tree for every
// transaction count up to 70, odd levels included.
func TestMerkleBranchMatchesRoot(t *testing.T) {
	for n := 1; n <= 70; n++ {
		all := make([]Hash, n)
		for i := range all {
			all[i] = DoubleSHA256([]byte{byte(i), byte(n)})
		}
		want := MerkleRoot(all)
		if got := FoldBranch(all[0], MerkleBranch(all[1:])); got != want {
			t.Fatalf("%d transactions: folded root differs from the tree", n)
		}
		depth := 0
		for 1<<depth < n {
			depth++
		}
		if got := len(MerkleBranch(all[1:])); got != depth {
			t.Fatalf("%d transactions: branch of %d steps, want %d", n, got, depth)
		}
	}
	if MerkleBranch(nil) != nil || FoldBranch(Hash{1}, nil) != (Hash{1}) {
		t.Error("a coinbase-only block has no branch and its txid is the root")
	}
}

func TestWitnessCommitmentEmptyBlock(t *testing.T) {
	// With only a coinbase, the witness root is the zero hash and the
	// commitment is dsha256(zero || zero).
	want := DoubleSHA256(make([]byte, 64))
	if got := WitnessCommitment(nil); got != want {
		t.Errorf("empty-block commitment %x", got)
	}
	script := WitnessCommitmentScript(want)
	if len(script) != 38 || hex.EncodeToString(script[:6]) != "6a24aa21a9ed" {
		t.Errorf("commitment script %x", script)
	}
}

func TestTargets(t *testing.T) {
	// Regtest's nBits 207fffff is 0x7fffff << 232.
	tgt, err := TargetFromBits(0x207fffff)
	if err != nil || tgt[3] != 0x7fffff0000000000 || tgt[2] != 0 {
		t.Fatalf("regtest target %x, %v", tgt, err)
	}
	for _, bad := range []uint32{0x04923456, 0x23000001} {
		if _, err := TargetFromBits(bad); err == nil {
			t.Errorf("compact %08x accepted", bad)
		}
	}
	one, _ := TargetFromDifficulty(1)
	if one.big().Cmp(diff1) != 0 {
		t.Errorf("difficulty 1 target %x", one)
	}
	// Exact: floor(diff1 / 3).
	three, _ := TargetFromDifficulty(3)
	if want := new(big.Int).Quo(diff1, big.NewInt(3)); three.big().Cmp(want) != 0 {
		t.Errorf("difficulty 3 target not exact")
	}
	for _, d := range []float64{0.001, 1, 1024, 65536.5, 1e12} {
		tg, err := TargetFromDifficulty(d)
		if err != nil {
			t.Fatal(err)
		}
		if got := tg.Difficulty(); math.Abs(got-d)/d > 1e-12 {
			t.Errorf("difficulty %g round trips to %g", d, got)
		}
	}
	if huge, _ := TargetFromDifficulty(1e-30); huge[3] != math.MaxUint64 {
		t.Error("a tiny difficulty must saturate")
	}
	for _, bad := range []float64{0, -1, math.NaN(), math.Inf(1)} {
		if _, err := TargetFromDifficulty(bad); err == nil {
			t.Errorf("difficulty %v accepted", bad)
		}
	}
}

func TestHashMeetsBoundary(t *testing.T) {
	tgt, _ := TargetFromDifficulty(1024)
	var at Hash
	for i := range tgt {
		binary.LittleEndian.PutUint64(at[8*i:], tgt[i])
	}
	if !HashMeets(&at, &tgt) {
		t.Error("a hash equal to the target must meet it")
	}
	above := at
	above[0]++
	if HashMeets(&above, &tgt) {
		t.Error("a hash one above the target must not meet it")
	}
	if d := HashDifficulty(&at); math.Abs(d-1024)/1024 > 1e-9 {
		t.Errorf("HashDifficulty at the target: %g", d)
	}
}

func BenchmarkMerkleBranch4000(b *testing.B) {
	txids := make([]Hash, 4000)
	for i := range txids {
		txids[i] = DoubleSHA256([]byte{byte(i), byte(i >> 8)})
	}
	b.ReportAllocs()
	for b.Loop() {
		MerkleBranch(txids)
	}
}
