package work

import (
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	zmq "github.com/pebbe/zmq4"
	"github.com/stratapool/strata/core/chain"
	"github.com/stratapool/strata/core/job"
	"github.com/stratapool/strata/core/node"
	"github.com/stratapool/strata/core/share"
	"github.com/stratapool/strata/internal/regtest"
	"github.com/stratapool/strata/internal/testnet"
)

// publisher sends Bitcoin Core-format hashblock notifications.
type publisher struct {
	sock *zmq.Socket
	seq  uint32
}

func newPublisher(tb testing.TB) (*publisher, string) {
	tb.Helper()
	sock, err := zmq.NewSocket(zmq.PUB)
	if err != nil {
		tb.Fatal(err)
	}
	sock.SetLinger(0)
	addr, _ := testnet.Addr()
	endpoint := "tcp://" + addr
	if err := sock.Bind(endpoint); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { sock.Close() })
	return &publisher{sock: sock}, endpoint
}

// send publishes one notification: topic, the hash in display order, the
// sequence as 4 little-endian bytes.
func (p *publisher) send(tb testing.TB, hash chain.Hash) {
	display := hash
	slices.Reverse(display[:])
	seq := binary.LittleEndian.AppendUint32(nil, p.seq)
	p.seq++
	if _, err := p.sock.SendMessage([]byte("hashblock"), display[:], seq); err != nil {
		tb.Fatal(err)
	}
}

// pipeline is btcd, a node set that hears of blocks only by ZMQ, and the
// work manager, whose published jobs arrive on jobs with their time.
type pipeline struct {
	btcd *regtest.Node
	pub  *publisher
	jobs chan published
}

type published struct {
	job *job.Job
	at  time.Time
}

func startPipeline(tb testing.TB) *pipeline {
	tb.Helper()
	if testing.Short() {
		tb.Skip("needs a btcd regtest node")
	}
	ctx, cancel := context.WithCancel(context.Background())
	n, err := regtest.Start(ctx, regtest.Options{Dir: tb.TempDir(), MiningAddr: "bcrt1qw4m8w7re0fahclt707qgrq5rsjzcdpug8fg5y3"})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := n.Generate(ctx, 1); err != nil {
		tb.Fatal(err)
	}
	pub, endpoint := newPublisher(tb)
	client, _ := node.NewClient(node.ClientConfig{URL: n.RPCURL, User: n.User, Password: n.Password})
	builder, _ := job.NewBuilder(job.Config{Mode: job.PoolMode, PoolScript: []byte{0x51}, Extranonce1Size: 4, Extranonce2Size: 8})
	p := &pipeline{btcd: n, pub: pub, jobs: make(chan published, 1000)}
	m := NewManager(Config{Builder: builder, Validator: share.NewValidator(share.Config{}),
		Publish: func(j *job.Job) { p.jobs <- published{j, time.Now()} }})
	set := node.NewSet(node.SetConfig{
		Nodes:      []node.Spec{{Client: client, ZMQ: endpoint}},
		Refresh:    time.Hour, // no heartbeat, no longpoll: ZMQ is the only trigger
		OnTemplate: m.OnTemplate,
	})
	var wg sync.WaitGroup
	wg.Go(func() { set.Run(ctx) })
	tb.Cleanup(func() {
		cancel()
		wg.Wait()
		n.Kill()
	})
	p.await(tb, func(*job.Job) bool { return true }, 10*time.Second)
	// ZMQ subscriptions take a moment to reach the publisher: repeat the
	// first notification until it is heard.
	hash := p.mine(tb)
	for start := time.Now(); ; {
		pub.send(tb, hash)
		if _, ok := p.tryAwait(func(j *job.Job) bool { return j.PrevHash == hash }, 50*time.Millisecond); ok {
			break
		}
		if time.Since(start) > 10*time.Second {
			tb.Fatal("the subscriber never heard a notification")
		}
	}
	return p
}

// mine makes btcd find a block (btcd itself notifies no one).
func (p *pipeline) mine(tb testing.TB) chain.Hash {
	hashes, err := p.btcd.Generate(context.Background(), 1)
	if err != nil {
		tb.Fatal(err)
	}
	h, err := chain.HashFromString(hashes[0])
	if err != nil {
		tb.Fatal(err)
	}
	return h
}

func (p *pipeline) tryAwait(match func(*job.Job) bool, within time.Duration) (published, bool) {
	deadline := time.After(within)
	for {
		select {
		case j := <-p.jobs:
			if match(j.job) {
				return j, true
			}
		case <-deadline:
			return published{}, false
		}
	}
}

func (p *pipeline) await(tb testing.TB, match func(*job.Job) bool, within time.Duration) published {
	tb.Helper()
	j, ok := p.tryAwait(match, within)
	if !ok {
		tb.Fatalf("no matching job within %s", within)
	}
	return j
}

// TestZMQHashBlockMakesJob: a Core-format hashblock makes a new, clean job
// within 100 ms.
func TestZMQHashBlockMakesJob(t *testing.T) {
	p := startPipeline(t)
	for range 5 {
		hash := p.mine(t)
		sent := time.Now()
		p.pub.send(t, hash)
		j := p.await(t, func(j *job.Job) bool { return j.PrevHash == hash }, time.Second)
		if took := j.at.Sub(sent); took > 100*time.Millisecond {
			t.Errorf("new job %s after the notification, want within 100ms", took)
		}
		if !j.job.Clean {
			t.Error("a job on a new block must be clean")
		}
	}
}

// BenchmarkZMQToJob measures, against btcd, the time from a hashblock
// notification to the new job handed to the link layer: getblocktemplate,
// parsing, building the job, giving it to the validator.
func BenchmarkZMQToJob(b *testing.B) {
	p := startPipeline(b)
	var lat []time.Duration
	for b.Loop() {
		b.StopTimer()
		hash := p.mine(b)
		b.StartTimer()
		sent := time.Now()
		p.pub.send(b, hash)
		j := p.await(b, func(j *job.Job) bool { return j.PrevHash == hash }, 5*time.Second)
		lat = append(lat, j.at.Sub(sent))
	}
	slices.Sort(lat)
	q := func(f float64) float64 {
		return float64(lat[min(len(lat)-1, int(f*float64(len(lat))))].Microseconds()) / 1000
	}
	b.ReportMetric(q(0.50), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "max-ms")
	if testing.Verbose() {
		fmt.Printf("zmq->job over %d blocks: p50 %.2fms p99 %.2fms\n", len(lat), q(0.5), q(0.99))
	}
}
