package load

import (
	"net"
	"testing"
	"time"
)

func TestHistogramQuantiles(t *testing.T) {
	var h histogram
	for i := 1; i <= 1000; i++ {
		h.observe(time.Duration(i) * time.Millisecond)
	}
	for q, want := range map[float64]float64{0.5: 500, 0.99: 990, 0.999: 999} {
		got := h.quantile(q)
		if got < want*0.98 || got > want*1.02 {
			t.Errorf("q%g = %.1f ms, want about %.0f", q, got, want)
		}
	}
	var small histogram
	small.observe(30 * time.Microsecond)
	if got := small.quantile(0.5); got != 0.030 {
		t.Errorf("30 µs read back as %g ms", got)
	}
}

func TestFastPaths(t *testing.T) {
	if id, ok := fastAccepted([]byte(`{"id":1042,"result":true,"error":null}`)); !ok || string(id) != "1042" {
		t.Errorf("accepted: %q %v", id, ok)
	}
	for _, l := range []string{`{"id":1,"result":false,"error":null}`, `{"id":,"result":true,"error":null}`, `{"id":1, "result":true,"error":null}`} {
		if _, ok := fastAccepted([]byte(l)); ok {
			t.Errorf("fast path took %s", l)
		}
	}
	p, ok := fastNotify([]byte(`{"id":null,"method":"mining.notify","params":["1a","00",[],true]}`))
	if !ok || string(p) != `["1a","00",[],true]` {
		t.Errorf("notify params %q %v", p, ok)
	}
}

func TestTargetsAndSettings(t *testing.T) {
	for in, want := range map[string]target{"127.0.0.1:3333": {addr: "127.0.0.1:3333"},
		"stratum+tcp://pool.example:3333": {addr: "pool.example:3333"}, "stratum+ssl://pool.example:443": {addr: "pool.example:443", tls: true}} {
		if got, err := parseTarget(in); err != nil || got != want {
			t.Errorf("%s: %+v %v", in, got, err)
		}
	}
	for _, bad := range []string{"pool", "http://pool:1", "stratum+tcp://pool"} {
		if _, err := parseTarget(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	ok := Config{Targets: []string{"127.0.0.1:1"}, Connections: 1, Duration: time.Second, User: "u"}
	if _, err := ok.check(); err != nil {
		t.Fatal(err)
	}
	for _, mut := range []func(*Config){
		func(c *Config) { c.Connections = 0 }, func(c *Config) { c.Duration = 2 * time.Hour },
		func(c *Config) { c.User = "" }, func(c *Config) { c.Handshakes = []string{"x"} },
		func(c *Config) { c.BlockEvery = time.Second }, func(c *Config) { c.Rate = -1 },
	} {
		c := ok
		mut(&c)
		if _, err := c.check(); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
}

// FuzzPoolLine: whatever a pool sends, the miner's connection records it
// or ends with an error, never a panic.
func FuzzPoolLine(f *testing.F) {
	for _, l := range []string{
		`{"id":2,"result":[[["mining.set_difficulty","01"],["mining.notify","01"]],"01000001",8],"error":null}`,
		`{"id":3,"result":true,"error":null}`,
		`{"id":1000,"result":null,"error":[23,"Low difficulty share",null]}`,
		`{"id":null,"method":"mining.set_difficulty","params":[0.5]}`,
		`{"id":null,"method":"mining.notify","params":["1a","0000000000000000000000000000000000000000000000000000000000000000","01","02",[],"20000000","207fffff","6543210f",true]}`,
		`{"id":7,"method":"mining.ping","params":[]}`,
		`{"id":null,"method":"client.reconnect","params":["h",1,2]}`,
		`{"id":1,"result":{"version-rolling":true,"version-rolling.mask":"1fffe000"},"error":null}`,
	} {
		f.Add([]byte(l))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		a, b := net.Pipe()
		defer a.Close()
		defer b.Close()
		go func() {
			buf := make([]byte, 512)
			for {
				if _, err := b.Read(buf); err != nil {
					return
				}
			}
		}()
		r := &run{jobs: map[string]*jobSpread{}, parsed: map[string]parsedJob{}, start: time.Now()}
		hs := handshakes["bitaxe"]
		c := &conn{r: r, hs: &hs, nc: a, user: "u"}
		_ = c.handle(line, time.Now())
		if p, ok := fastNotify(line); ok {
			_ = c.notify(p, time.Now())
		}
		c.share(true, false, 4)
	})
}
