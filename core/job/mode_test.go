package job

import "testing"

func TestPayoutModeText(t *testing.T) {
	for _, m := range []PayoutMode{PoolMode, SoloMode} {
		b, err := m.MarshalText()
		var back PayoutMode
		if err != nil || back.UnmarshalText(b) != nil || back != m {
			t.Errorf("%s: round trip failed", m)
		}
	}
	var m PayoutMode
	if m.UnmarshalText([]byte("pplns")) == nil {
		t.Error("unknown mode accepted")
	}
	if _, err := PayoutMode(7).MarshalText(); err == nil || PayoutMode(7).String() != "PayoutMode(7)" {
		t.Error("invalid mode")
	}
}
