package testnet

import (
	"net"
	"testing"
)

func TestListenBelowEphemeralRange(t *testing.T) {
	seen := map[int]bool{}
	var open []net.Listener
	defer func() {
		for _, ln := range open {
			ln.Close()
		}
	}()
	for range 50 {
		ln, err := Listen()
		if err != nil {
			t.Fatal(err)
		}
		open = append(open, ln)
		p := ln.Addr().(*net.TCPAddr).Port
		if !InRange(p) || p >= 32768 || seen[p] {
			t.Fatalf("port %d: outside the range or handed out twice", p)
		}
		seen[p] = true
	}
	p, err := Port()
	if err != nil || !InRange(p) || seen[p] {
		t.Fatalf("Port() = %d, %v", p, err)
	}
}
