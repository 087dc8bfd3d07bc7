package wire

import (
	"math"
	"strings"
	"testing"
)

func nan() float64 { return math.NaN() }

func TestTypesTable(t *testing.T) {
	for _, typ := range Types() {
		m, err := New(typ)
		if err != nil {
			t.Fatalf("New(%s): %v", typ, err)
		}
		if m.Type() != typ {
			t.Errorf("New(%s) made a %s", typ, m.Type())
		}
		if typ.Direction() == 0 || strings.HasPrefix(typ.String(), "Type(") {
			t.Errorf("%s has no direction or name", typ)
		}
	}
	if _, err := New(0xee); err == nil {
		t.Error("New of an unknown type succeeded")
	}
	if Type(0xee).Known() || Type(0xee).String() != "Type(0xee)" {
		t.Error("unknown type misreported")
	}
}

func TestJobIDBefore(t *testing.T) {
	cases := []struct {
		a, b JobID
		want bool
	}{
		{1, 2, true}, {2, 1, false}, {5, 5, false},
		{0xffffffff, 0, true}, {0, 0xffffffff, false}, // across the wrap
		{0xfffffff0, 0x10, true},
	}
	for _, c := range cases {
		if got := c.a.Before(c.b); got != c.want {
			t.Errorf("%#x.Before(%#x) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

// TestEnumNames covers every value of every reason enum: a name of its own,
// and a numbered placeholder past the end.
func TestEnumNames(t *testing.T) {
	check := func(kind string, n int, name func(i int) string, valid func(i int) bool) {
		seen := map[string]bool{}
		for i := range n {
			s := name(i)
			if s == "" || strings.Contains(s, "(") || seen[s] || !valid(i) {
				t.Errorf("%s %d: name %q (duplicate or missing)", kind, i, s)
			}
			seen[s] = true
		}
		if s := name(n); !strings.HasPrefix(s, kind+"(") || valid(n) {
			t.Errorf("%s %d past the end: %q", kind, n, s)
		}
	}
	check("Verdict", int(NumVerdicts), func(i int) string { return Verdict(i).String() }, func(i int) bool { return Verdict(i).Valid() })
	check("CloseReason", int(NumCloseReasons), func(i int) string { return CloseReason(i).String() }, func(i int) bool { return CloseReason(i).Valid() })
	check("AuthStatus", int(NumAuthStatuses), func(i int) string { return AuthStatus(i).String() }, func(i int) bool { return AuthStatus(i).Valid() })
	check("GoodbyeReason", int(NumGoodbyeReasons), func(i int) string { return GoodbyeReason(i).String() }, func(i int) bool { return GoodbyeReason(i).Valid() })
	check("WorkReason", int(NumWorkReasons), func(i int) string { return WorkReason(i).String() }, func(i int) bool { return WorkReason(i).Valid() })
	check("DropReason", int(NumDropReasons), func(i int) string { return DropReason(i).String() }, func(i int) bool { return DropReason(i).Valid() })
	check("BanReason", int(NumBanReasons), func(i int) string { return BanReason(i).String() }, func(i int) bool { return BanReason(i).Valid() })
}

func TestVerdictStratumCodes(t *testing.T) {
	want := map[Verdict]int{
		VerdictAccepted: 0, VerdictBlock: 0,
		VerdictJobNotFound: 21, VerdictStale: 21, VerdictDuplicate: 22, VerdictLowDifficulty: 23,
		VerdictUnauthorized: 24, VerdictNotSubscribed: 25,
		VerdictBadNTime: 20, VerdictBadVersion: 20, VerdictMalformed: 20, VerdictUnavailable: 20,
	}
	if len(want) != int(NumVerdicts) {
		t.Fatalf("table covers %d of %d verdicts", len(want), NumVerdicts)
	}
	for v, code := range want {
		if got := v.StratumCode(); got != code {
			t.Errorf("%s: code %d, want %d", v, got, code)
		}
		if v.Accepted() != (code == 0) || (code != 0) == (v.Message() == "") {
			t.Errorf("%s: accepted/message mismatch", v)
		}
	}
	if NumVerdicts.StratumCode() != 20 || NumVerdicts.Message() == "" {
		t.Error("an unknown verdict must still give a Stratum error")
	}
}

func TestStatsGet(t *testing.T) {
	s := Stats{Entries: []Stat{{StatConnections, 7}}}
	if v, ok := s.Get(StatConnections); !ok || v != 7 {
		t.Errorf("Get = %d, %v", v, ok)
	}
	if _, ok := s.Get(StatSubmits); ok {
		t.Error("Get of a missing key succeeded")
	}
	if StatKey(999).String() != "StatKey(999)" || StatSubmits.String() != "submits" {
		t.Error("stat key names")
	}
}

func TestWelcomeExtranonce1(t *testing.T) {
	w := Welcome{EdgeID: 3, SessionBits: 24, Extranonce1Size: 4}
	if got := w.Extranonce1(0x123456); got != 0x03123456 {
		t.Errorf("Extranonce1 = %#x", got)
	}
	if w.MaxSession() != 0xffffff {
		t.Errorf("MaxSession = %#x", w.MaxSession())
	}
}

func TestTruncateText(t *testing.T) {
	s := strings.Repeat("é", MaxTextLen) // two bytes each
	got := TruncateText(s)
	if len(got) > MaxTextLen || !strings.HasPrefix(s, got) || len(got) < MaxTextLen-1 {
		t.Errorf("truncateText gave %d bytes", len(got))
	}
	for _, r := range got {
		if r == 0xfffd {
			t.Fatal("truncateText cut a rune")
		}
	}
}
