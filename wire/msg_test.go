package wire

import (
	"bytes"
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// unhex decodes hex written with spaces between fields.
func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatalf("bad hex in test table: %v", err)
	}
	return b
}

func rep(b byte, n int) string { return strings.Repeat(hex.EncodeToString([]byte{b}), n) }

func fill32(b byte) (h [32]byte) {
	for i := range h {
		h[i] = b
	}
	return h
}

// messageSample is a message and its exact encoding, written by hand from
// the layouts in the msg_*.go comments, field by field.
type messageSample struct {
	name string
	msg  Message
	hex  string
}

func messageSamples() []messageSample {
	return []messageSample{
		{"hello", &Hello{MinVersion: 1, MaxVersion: 1, Auth: AuthPSK, Caps: CapCompression, MaxFrame: 1 << 20,
			Nonce: fill32(0x11), Name: "eu-1", Software: "strata/0.1"},
			"0100 0100 01 0100000000000000 00001000 " + rep(0x11, 32) + " 04 65752d31 0a 7374726174612f302e31"},
		{"challenge", &Challenge{Version: 1, Caps: CapCompression, MaxFrame: 1 << 20, Nonce: fill32(0x22)},
			"0100 0100000000000000 00001000 " + rep(0x22, 32)},
		{"auth", &Auth{Transcript: fill32(0x33)}, rep(0x33, 32)},
		{"welcome", &Welcome{EdgeID: 3, SessionBits: 24, Extranonce1Size: 4, Extranonce2Size: 8, MaxBatch: 256,
			PingIntervalMillis: 5000, TimeUnixNano: 1700000000000000000, Software: "strata/0.1"},
			"0300 18 04 08 0001 88130000 00002a36fe9c9717 0000000000000000 0a 7374726174612f302e31"},
		{"welcome flood", &Welcome{EdgeID: 3, SessionBits: 24, Extranonce1Size: 4, Extranonce2Size: 8, MaxBatch: 256,
			PingIntervalMillis: 5000, TimeUnixNano: 1700000000000000000, FloodDifficulty: 0.5, Software: "s"},
			"0300 18 04 08 0001 88130000 00002a36fe9c9717 000000000000e03f 01 73"},
		{"goodbye", &Goodbye{Reason: GoodbyeAuthFailed, Detail: "bad key"}, "02 07 626164206b6579"},
		{"ping", &Ping{Nonce: 0x0102030405060708, SentUnixNano: 1700000000123456789},
			"0807060504030201 15cd853dfe9c9717"},
		{"pong", &Pong{Nonce: 0x0102030405060708, SentUnixNano: 1700000000123456789},
			"0807060504030201 15cd853dfe9c9717"},
		{"stats", &Stats{Entries: []Stat{{StatConnections, 10000}, {StatSubmits, 123456789}}},
			"02 01 904e 03 959aef3a"},
		{"stats empty", &Stats{}, "00"},
		{"job pool", &Job{ID: 0x1a, Clean: true, Height: 840000, Version: 0x20000000, Bits: 0x17034219,
			NTime: 0x66176c4c, MinTime: 0x66176000, PrevHash: fill32(0xaa),
			Coinb1: []byte{1, 0, 0, 0}, Coinb2: []byte{0xff, 0xff, 0xff, 0xff},
			Branch: [][32]byte{fill32(0xbb), fill32(0xcc)}},
			"1a000000 01 40d10c00 00000020 19420317 4c6c1766 00601766 " + rep(0xaa, 32) +
				" 04 01000000 04 ffffffff 02 " + rep(0xbb, 32) + rep(0xcc, 32)},
		{"job solo", &Job{ID: 0xfffffffe, Height: 1, Version: 0x20000000, Bits: 0x207fffff,
			NTime: 5, MinTime: 4, PrevHash: fill32(0x01), Coinb1: []byte{0xab}, Coinb2: []byte{0xcd},
			PayoutSlot: true, Coinb2Tail: []byte{0, 0, 0, 0}},
			"feffffff 02 01000000 00000020 ffff7f20 05000000 04000000 " + rep(0x01, 32) +
				" 01 ab 01 cd 04 00000000 00"},
		{"work state", &WorkState{Reason: WorkNoNode, Detail: "node1: refused"},
			"01 0e 6e6f6465313a2072656675736564"},
		{"session open", &SessionOpen{Session: 300, Resumed: true, VersionMask: 0x1fffe000, Difficulty: 1024,
			Worker: "bc1qx.rig1", Agent: "bitaxe/2.9", Remote: "192.0.2.7:4028"},
			"ac02 01 00e0ff1f 0000000000009040 0a 62633171782e72696731 0a 6269746178652f322e39 " +
				"0e 3139322e302e322e373a34303238"},
		{"session update", &SessionUpdate{Session: 300, FromJob: 0x1b, Difficulty: 2048, VersionMask: 0x1fffe000},
			"ac02 1b000000 000000000000a040 00e0ff1f"},
		{"session close", &SessionClose{Session: 300, Reason: CloseIdle}, "ac02 02"},
		{"auth result ok", &AuthResult{Session: 300, Status: AuthOK,
			PayoutScript: append([]byte{0x00, 0x14}, bytes.Repeat([]byte{0x55}, 20)...)},
			"ac02 00 16 0014" + rep(0x55, 20) + " 00"},
		{"auth result refused", &AuthResult{Session: 5, Status: AuthWrongNetwork, Message: "testnet address"},
			"05 02 00 0f 746573746e65742061646472657373"},
		{"submit", &SubmitBatch{Records: []SubmitRecord{
			{Session: 300, Job: 0x1b, Extranonce2: 0xa1, NTime: 0x6543210f, Nonce: 0x1d00ffff, VersionBits: 0x00a2e000, HasVersion: true},
			{Session: 5, Job: 0x1a, Extranonce2: 0, NTime: 0x65432111, Nonce: 0xdeadbeef},
			{Session: 7, Job: 0x1b, Extranonce2: 0x0102030405060708, NTime: 0x6543210e, Nonce: 1, VersionBits: 0xe0000000, HasVersion: true},
		}},
			"03 1b000000 0f214365 " +
				"11 ac02 00 00 a1 ffff001d 1705 " +
				"00 05 01 04 efbeadde " +
				"28 07 00 01 0102030405060708 01000000 000000e0"},
		{"verdict", &VerdictBatch{FirstSeq: 1000, Verdicts: []Verdict{
			VerdictAccepted, VerdictAccepted, VerdictAccepted, VerdictDuplicate, VerdictAccepted, VerdictAccepted}},
			"e807 03 00 03 04 01 00 02"},
		{"block found", &BlockFound{Height: 840000, Hash: fill32(0x44), Reward: 315000000, Session: 300, Worker: "bc1qx.rig1"},
			"40d10c00 " + rep(0x44, 32) + " c084c61200000000 ac02 0a 62633171782e72696731"},
		{"show message", &ShowMessage{Text: "maintenance at 12:00"},
			"00 14 6d61696e74656e616e63652061742031323a3030"},
		{"reconnect", &Reconnect{Host: "eu.example", Port: 3333, WaitSeconds: 5, StaggerSeconds: 60},
			"00 0a 65752e6578616d706c65 050d 05000000 3c000000"},
		{"drop", &Drop{Session: 300, Reason: DropBanned, BanSeconds: 3600}, "ac02 00 100e0000"},
		{"ban", &Ban{Target: "203.0.113.7", Reason: BanInvalidShares, Seconds: 600}, "0b 3230332e302e3131332e37 00 58020000"},
	}
}

func TestMessageExactBytes(t *testing.T) {
	covered := map[Type]bool{}
	for _, s := range messageSamples() {
		t.Run(s.name, func(t *testing.T) {
			want := unhex(t, s.hex)
			got, err := Encode(s.msg)
			if err != nil {
				t.Fatalf("encode: %v", err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("encode:\n got %x\nwant %x", got, want)
			}
			if n := s.msg.Len(); n != len(want) {
				t.Errorf("Len() = %d, encoding is %d bytes", n, len(want))
			}
			back, err := Decode(s.msg.Type(), want)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if !reflect.DeepEqual(back, s.msg) {
				t.Fatalf("decode:\n got %+v\nwant %+v", back, s.msg)
			}
		})
		covered[s.msg.Type()] = true
	}
	for _, typ := range Types() {
		if !covered[typ] {
			t.Errorf("no exact-bytes sample for %s", typ)
		}
	}
}

// TestMessageTruncation cuts every sample at every length: each cut must be
// a malformed-input error, never a panic and never a success.
func TestMessageTruncation(t *testing.T) {
	for _, s := range messageSamples() {
		full := unhex(t, s.hex)
		for n := range len(full) {
			m, _ := New(s.msg.Type())
			err := m.Decode(full[:n])
			if err == nil {
				t.Errorf("%s cut to %d of %d bytes: decoded without error", s.name, n, len(full))
				continue
			}
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("%s cut to %d bytes: %v is not ErrMalformed", s.name, n, err)
			}
		}
	}
}

func TestMessageTrailingBytes(t *testing.T) {
	for _, s := range messageSamples() {
		b := append(unhex(t, s.hex), 0)
		m, _ := New(s.msg.Type())
		if err := m.Decode(b); !errors.Is(err, ErrTrailingBytes) {
			t.Errorf("%s with a trailing byte: got %v, want ErrTrailingBytes", s.name, err)
		}
	}
}

// TestDecodeReusesStorage decodes a long message, then a short one, into
// the same value: nothing of the first may show through.
func TestDecodeReusesStorage(t *testing.T) {
	samples := messageSamples()
	for _, a := range samples {
		for _, b := range samples {
			if a.msg.Type() != b.msg.Type() || a.name == b.name {
				continue
			}
			m, _ := New(a.msg.Type())
			if err := m.Decode(unhex(t, a.hex)); err != nil {
				t.Fatal(err)
			}
			if err := m.Decode(unhex(t, b.hex)); err != nil {
				t.Fatal(err)
			}
			got, _ := Encode(m)
			if want := unhex(t, b.hex); !bytes.Equal(got, want) {
				t.Errorf("%s decoded over %s re-encodes as %x, want %x", b.name, a.name, got, want)
			}
		}
	}
}

// TestMalformedFields feeds payloads that are the right length but wrong.
func TestMalformedFields(t *testing.T) {
	cases := []struct {
		name string
		typ  Type
		hex  string
		want error
	}{
		{"hello auth mode", TypeHello, "0100 0100 07 0000000000000000 00001000 " + rep(0, 32) + " 01 61 00", ErrInvalidValue},
		{"hello versions reversed", TypeHello, "0200 0100 01 0000000000000000 00001000 " + rep(0, 32) + " 01 61 00", ErrInvalidValue},
		{"hello empty name", TypeHello, "0100 0100 01 0000000000000000 00001000 " + rep(0, 32) + " 00 00", ErrInvalidValue},
		{"hello tiny frame", TypeHello, "0100 0100 01 0000000000000000 00010000 " + rep(0, 32) + " 01 61 00", ErrInvalidValue},
		{"hello name too long", TypeHello, "0100 0100 01 0000000000000000 00001000 " + rep(0, 32) + " 41 " + rep(0x61, 65) + " 00", ErrLimit},
		{"hello invalid utf8", TypeHello, "0100 0100 01 0000000000000000 00001000 " + rep(0, 32) + " 01 ff 00", ErrInvalidValue},
		{"welcome edge id too big", TypeWelcome, "0001 18 04 08 0001 88130000 0000000000000000 0000000000000000 00", ErrInvalidValue},
		{"welcome session bits fill en1", TypeWelcome, "0000 20 04 08 0001 88130000 0000000000000000 0000000000000000 00", ErrInvalidValue},
		{"welcome negative flood", TypeWelcome, "0000 18 04 08 0001 88130000 0000000000000000 000000000000f0bf 00", ErrInvalidValue},
		{"goodbye reason", TypeGoodbye, "63 00", ErrInvalidValue},
		{"stats keys not increasing", TypeStats, "02 03 01 01 01", ErrInvalidValue},
		{"stats key zero", TypeStats, "01 00 01", ErrInvalidValue},
		{"stats count over limit", TypeStats, "8102", ErrLimit},
		{"job flags", TypeJob, "00000000 04 00000000 00000000 00000000 00000000 00000000 " + rep(0, 32) + " 00 00 00", ErrInvalidValue},
		{"job branch over 32", TypeJob, "00000000 00 00000000 00000000 00000000 00000000 00000000 " + rep(0, 32) + " 00 00 21", ErrLimit},
		{"job coinb1 over limit", TypeJob, "00000000 00 00000000 00000000 00000000 00000000 00000000 " + rep(0, 32) + " 818002", ErrLimit},
		{"session zero", TypeSessionClose, "00 00", ErrInvalidValue},
		{"session over 32 bits", TypeSessionClose, "8080808010 00", ErrLimit},
		{"varint not shortest", TypeSessionClose, "8100 00", ErrNonCanonical},
		{"close reason", TypeSessionClose, "01 ff", ErrInvalidValue},
		{"difficulty zero", TypeSessionUpdate, "01 00000000 0000000000000000 00000000", ErrInvalidValue},
		{"difficulty negative", TypeSessionUpdate, "01 00000000 000000000000f0bf 00000000", ErrInvalidValue},
		{"difficulty NaN", TypeSessionUpdate, "01 00000000 010000000000f07f 00000000", ErrInvalidValue},
		{"difficulty infinite", TypeSessionUpdate, "01 00000000 000000000000f07f 00000000", ErrInvalidValue},
		{"session open flags", TypeSessionOpen, "01 02 00000000 000000000000f03f 00 00 00", ErrInvalidValue},
		{"payout script too long", TypeAuthResult, "01 00 51 " + rep(0, 81) + " 00", ErrLimit},
		{"auth status", TypeAuthResult, "01 20 00 00", ErrInvalidValue},
		{"drop reason", TypeDrop, "01 09 00000000", ErrInvalidValue},
		{"ban reason", TypeBan, "01 31 03 01000000", ErrInvalidValue},
		{"ban no target", TypeBan, "00 00 01000000", ErrInvalidValue},
		{"ban for no time", TypeBan, "01 31 00 00000000", ErrInvalidValue},
		{"ban target over limit", TypeBan, "41 " + rep(0x31, 65) + " 00 01000000", ErrLimit},
		{"work reason", TypeWorkState, "40 00", ErrInvalidValue},
		{"verdict no runs", TypeVerdict, "00 00", ErrInvalidValue},
		{"verdict zero-length run", TypeVerdict, "00 01 00 00", ErrNonCanonical},
		{"verdict repeated run", TypeVerdict, "00 02 00 01 00 01", ErrNonCanonical},
		{"verdict unknown", TypeVerdict, "00 01 7f 01", ErrInvalidValue},
		{"verdict over limit", TypeVerdict, "00 01 00 81808004", ErrLimit},
		{"verdict runs claimed", TypeVerdict, "00 8008 00 01", ErrTruncated},
		{"submit empty", TypeSubmit, "00 00000000 00000000", ErrInvalidValue},
		{"submit count over limit", TypeSubmit, "812001 00000000 00000000", ErrLimit},
		{"submit count beyond bytes", TypeSubmit, "02 00000000 00000000 00 01 00 00 00000000", ErrTruncated},
		{"submit reserved flag", TypeSubmit, "01 00000000 00000000 40 01 00 00 00000000", ErrInvalidValue},
		{"submit en2 over 8", TypeSubmit, "01 00000000 00000000 09 01 00 00 000000000000000000 00000000", ErrInvalidValue},
		{"submit version form 3", TypeSubmit, "01 00000000 00000000 30 01 00 00 00000000 00000000", ErrInvalidValue},
		{"submit session zero", TypeSubmit, "01 00000000 00000000 00 00 00 00 00000000", ErrInvalidValue},
		{"submit base delta", TypeSubmit, "01 00000000 00000000 00 01 02 00 00000000", ErrNonCanonical},
		{"submit en2 leading zero", TypeSubmit, "01 00000000 00000000 02 01 00 00 0001 00000000", ErrNonCanonical},
		{"submit full version fits compact", TypeSubmit, "01 00000000 00000000 20 01 00 00 00000000 00e0ff1f", ErrNonCanonical},
		{"submit session varint", TypeSubmit, "01 00000000 00000000 00 8100 00 00 00000000", ErrNonCanonical},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, _ := New(c.typ)
			err := m.Decode(unhex(t, c.hex))
			if !errors.Is(err, c.want) || !errors.Is(err, ErrMalformed) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
		})
	}
}

// TestEncodeRefusesBadValues: the encoder never writes what the decoder
// would refuse.
func TestEncodeRefusesBadValues(t *testing.T) {
	long := strings.Repeat("x", MaxTextLen+1)
	cases := []struct {
		name string
		msg  Message
	}{
		{"hello no name", &Hello{MinVersion: 1, MaxVersion: 1, Auth: AuthPSK, MaxFrame: 1 << 20}},
		{"goodbye long detail", &Goodbye{Detail: long}},
		{"goodbye bad utf8", &Goodbye{Detail: "\xff"}},
		{"stats unordered", &Stats{Entries: []Stat{{2, 0}, {1, 0}}}},
		{"job long branch", &Job{Branch: make([][32]byte, 33)}},
		{"job tail without slot", &Job{Coinb2Tail: []byte{1}}},
		{"session open zero", &SessionOpen{Difficulty: 1}},
		{"session open no difficulty", &SessionOpen{Session: 1}},
		{"session update NaN", &SessionUpdate{Session: 1, Difficulty: nan()}},
		{"session close bad reason", &SessionClose{Session: 1, Reason: NumCloseReasons}},
		{"auth result long script", &AuthResult{Session: 1, PayoutScript: make([]byte, 81)}},
		{"submit empty", &SubmitBatch{}},
		{"submit session zero", &SubmitBatch{Records: []SubmitRecord{{}}}},
		{"verdict empty", &VerdictBatch{}},
		{"verdict invalid", &VerdictBatch{Verdicts: []Verdict{NumVerdicts}}},
		{"drop session zero", &Drop{}},
		{"ban no target", &Ban{Seconds: 1}},
		{"ban for no time", &Ban{Target: "192.0.2.1"}},
		{"ban bad reason", &Ban{Target: "192.0.2.1", Reason: NumBanReasons, Seconds: 1}},
		{"work state bad reason", &WorkState{Reason: NumWorkReasons}},
		{"reconnect long host", &Reconnect{Host: long}},
		{"welcome zero", &Welcome{}},
		{"challenge zero", &Challenge{}},
	}
	for _, c := range cases {
		if b, err := Encode(c.msg); err == nil {
			t.Errorf("%s: encoded as %x, want an error", c.name, b)
		}
	}
}

// BanFor rounds up to whole seconds, at least one, so that a ban passed
// on never ends early.
func TestBanForRoundsUp(t *testing.T) {
	for d, want := range map[time.Duration]uint32{0: 1, time.Millisecond: 1, time.Second: 1, 1001 * time.Millisecond: 2,
		10 * time.Minute: 600, -time.Second: 1} {
		if b := BanFor("192.0.2.1", BanOperator, d); b.Seconds != want || b.Target != "192.0.2.1" || b.Reason != BanOperator {
			t.Errorf("BanFor(%s) = %+v, want %d s", d, b, want)
		}
	}
}
