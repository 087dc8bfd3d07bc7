package testnet

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"sync"
)

// The range tests draw from: above the well-known ports most services use,
// below the ephemeral range (32768 and up on Linux).
const (
	firstPort = 10000
	lastPort  = 32000
	// stride separates the starting points of different processes.
	stride = 97
)

var (
	mu   sync.Mutex // guards next
	next = firstPort + (os.Getpid()*stride)%(lastPort-firstPort)
)

// take returns the next candidate port, wrapping within the range.
func take() int {
	mu.Lock()
	defer mu.Unlock()
	p := next
	next++
	if next >= lastPort {
		next = firstPort
	}
	return p
}

// Listen opens a TCP listener on 127.0.0.1 on a port below 32768.
func Listen() (net.Listener, error) {
	var last error
	for range 200 {
		ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(take()))
		if err == nil {
			return ln, nil
		}
		last = err
	}
	return nil, fmt.Errorf("testnet: no free port below %d: %w", lastPort, last)
}

// Port returns a port below 32768 that was free a moment ago, for a process
// that will bind it itself. Another process may take it first; callers that
// start servers retry with a new port when binding fails.
func Port() (int, error) {
	ln, err := Listen()
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// Addr is Port as "127.0.0.1:port".
func Addr() (string, error) {
	p, err := Port()
	if err != nil {
		return "", err
	}
	return "127.0.0.1:" + strconv.Itoa(p), nil
}

// InRange reports whether p is a port this package hands out.
func InRange(p int) bool { return p >= firstPort && p < lastPort }
