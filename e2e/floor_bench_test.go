package e2e

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stratapool/strata/internal/testnet"
)

// BenchmarkLoopbackShareFloor measures what loopback TCP alone allows
// between a load generator and a pool on this machine: the most shares per
// second when neither end does anything but move bytes. Each share is what
// it costs a Stratum pool and its load generator here: a 160-byte submit
// line written by the miner's end and read by the pool's, a 40-byte reply
// written back and read, four system calls; each end is one epoll loop on
// its own thread (level-triggered, 256 events a wait), with every
// connection's share in flight. It reports the shares per second and the
// CPU time (user and system, both ends) per share: two cores' worth of
// that is the ceiling for any pool measured against a bench on one 2-core
// machine, whatever its user-space code costs.
func BenchmarkLoopbackShareFloor(b *testing.B) {
	n := min(*edgeConns, 9000) // both ends of each connection are this process's files
	miners, pool := loopbackPairs(b, n)
	for _, fds := range [][]int{miners, pool} {
		for _, fd := range fds {
			if err := syscall.SetNonblock(fd, true); err != nil {
				b.Fatal(err)
			}
		}
	}
	submit := make([]byte, 160)
	submit[len(submit)-1] = '\n'
	reply := make([]byte, 40)
	reply[len(reply)-1] = '\n'

	poolSet, minerSet := newEpoll(b, pool), newEpoll(b, miners)
	var before, after syscall.Rusage
	var stop atomic.Bool
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	b.ResetTimer()
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	start := time.Now()
	// The pool's end: read a submit, write its reply.
	wg.Go(func() {
		errs <- epollLoop(poolSet, "pool end", &stop, func(fd int) error {
			_, err := syscall.Write(fd, reply)
			return err
		})
	})
	// The miners' end: every connection's first submit, then the next one
	// as each reply comes, until b.N shares are answered.
	for _, fd := range miners {
		if _, err := syscall.Write(fd, submit); err != nil {
			b.Fatal(err)
		}
	}
	answered, sent := 0, len(miners)
	wg.Go(func() {
		errs <- epollLoop(minerSet, "miners' end", &stop, func(fd int) error {
			if answered++; answered >= b.N {
				stop.Store(true)
			}
			if sent >= b.N {
				return nil
			}
			sent++
			_, err := syscall.Write(fd, submit)
			return err
		})
	})
	wg.Wait()
	elapsed := time.Since(start)
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &after)
	b.StopTimer()
	close(errs)
	for err := range errs {
		if err != nil {
			b.Fatal(err)
		}
	}
	cpu := time.Duration(after.Utime.Nano() + after.Stime.Nano() - before.Utime.Nano() - before.Stime.Nano())
	sys := time.Duration(after.Stime.Nano() - before.Stime.Nano())
	b.ReportMetric(float64(answered)/elapsed.Seconds(), "shares/s")
	b.ReportMetric(float64(cpu.Nanoseconds())/1e3/float64(answered), "cpu-µs/share")
	b.ReportMetric(float64(sys.Nanoseconds())/1e3/float64(answered), "sys-µs/share")
}

// newEpoll makes an epoll set watching fds for reading, closed at cleanup.
func newEpoll(tb testing.TB, fds []int) int {
	tb.Helper()
	ep, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { syscall.Close(ep) })
	for _, fd := range fds {
		ev := syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(fd)}
		if err := syscall.EpollCtl(ep, syscall.EPOLL_CTL_ADD, fd, &ev); err != nil {
			tb.Fatal(err)
		}
	}
	return ep
}

// epollLoop reads each fd of ep that is readable and calls onRead for it,
// on a thread of its own, until stop is set; side names the end in errors.
func epollLoop(ep int, side string, stop *atomic.Bool, onRead func(fd int) error) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	events := make([]syscall.EpollEvent, 256)
	buf := make([]byte, 4096)
	for !stop.Load() {
		k, err := syscall.EpollWait(ep, events, 10)
		if err != nil {
			if errors.Is(err, syscall.EINTR) {
				continue
			}
			return err
		}
		for _, ev := range events[:k] {
			fd := int(ev.Fd)
			n, err := syscall.Read(fd, buf)
			if err == syscall.EAGAIN {
				continue
			}
			if err != nil || n == 0 {
				return fmt.Errorf("%s: read %d: %v", side, n, err)
			}
			if err := onRead(fd); err != nil {
				return err
			}
		}
	}
	return nil
}

// loopbackPairs makes n loopback TCP connections with raw sockets, kept
// out of Go's poller: the connecting ends and the accepted ends, both
// blocking until the caller says otherwise. They are closed at cleanup.
func loopbackPairs(tb testing.TB, n int) (connected, accepted []int) {
	tb.Helper()
	lfd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		syscall.Close(lfd)
		for _, fd := range append(connected, accepted...) {
			syscall.Close(fd)
		}
	})
	var bound *syscall.SockaddrInet4
	for try := 0; bound == nil; try++ {
		port, err := testnet.Port()
		if err != nil {
			tb.Fatal(err)
		}
		sa := &syscall.SockaddrInet4{Port: port, Addr: [4]byte{127, 0, 0, 1}}
		if err := syscall.Bind(lfd, sa); err == nil {
			bound = sa
		} else if try == 10 {
			tb.Fatalf("no free port: %v", err)
		}
	}
	if err := syscall.Listen(lfd, 4096); err != nil {
		tb.Fatal(err)
	}
	for range n {
		cfd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
		if err != nil {
			tb.Fatal(err)
		}
		connected = append(connected, cfd)
		if err := syscall.Connect(cfd, bound); err != nil {
			tb.Fatal(err)
		}
		// Small lines must go out at once, as a pool's and a miner's do.
		if err := syscall.SetsockoptInt(cfd, syscall.IPPROTO_TCP, syscall.TCP_NODELAY, 1); err != nil {
			tb.Fatal(err)
		}
		afd, _, err := syscall.Accept4(lfd, syscall.SOCK_CLOEXEC)
		if err != nil {
			tb.Fatal(err)
		}
		accepted = append(accepted, afd)
		if err := syscall.SetsockoptInt(afd, syscall.IPPROTO_TCP, syscall.TCP_NODELAY, 1); err != nil {
			tb.Fatal(err)
		}
	}
	return connected, accepted
}

// BenchmarkLoopbackNotifySpreadFloor measures what loopback TCP alone
// allows for a new job's spread on this machine: a 300-byte line written
// to every connection by as many writer threads as there are CPUs (a pool
// that does nothing else) and read at the other ends by one epoll loop (a
// load generator that does nothing else), from the first write to the
// last read. Scaled to 10,000 connections it is the least any pool's
// notify_spread can be when strata bench runs on the same machine.
func BenchmarkLoopbackNotifySpreadFloor(b *testing.B) {
	n := min(*edgeConns, 9000) // both ends of each connection are this process's files
	pool, miners := loopbackPairs(b, n)
	for _, fd := range miners {
		if err := syscall.SetNonblock(fd, true); err != nil {
			b.Fatal(err)
		}
	}
	minerSet := newEpoll(b, miners)
	line := make([]byte, 300)
	line[len(line)-1] = '\n'
	writers := runtime.GOMAXPROCS(0)
	var total time.Duration
	b.ResetTimer()
	for b.Loop() {
		var stop atomic.Bool
		var wg sync.WaitGroup
		got := 0
		var last time.Time
		errs := make(chan error, writers+1)
		start := time.Now()
		for w := range writers {
			wg.Go(func() {
				for i := w; i < len(pool); i += writers {
					if _, err := syscall.Write(pool[i], line); err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Go(func() {
			errs <- epollLoop(minerSet, "miners' end", &stop, func(int) error {
				if got++; got == len(miners) {
					last = time.Now()
					stop.Store(true)
				}
				return nil
			})
		})
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				b.Fatal(err)
			}
		}
		total += last.Sub(start)
	}
	perSpread := float64(total.Nanoseconds()) / float64(b.N)
	b.ReportMetric(perSpread/1e6, "ms/spread")
	b.ReportMetric(perSpread/1e6*10_000/float64(n), "ms/10k-spread")
}
