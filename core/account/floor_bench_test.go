package account

import (
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
)

// BenchmarkFsyncFloor measures what the disk alone allows the sqlite
// figure of BenchmarkCommit: a 24 KiB write (what a transaction of 256
// shares adds to SQLite's WAL: the batch row's pages and their frame
// headers) every 1.28 ms, as at 200,000 shares/s, and a loop beside it
// that fdatasyncs whatever was written since its last sync, as the
// accounts' syncer does. The writes go round a file written whole
// beforehand, as SQLite writes its WAL again from the start once a
// checkpoint has copied it, so a sync carries no metadata. It reports the
// p50 and p99 from a write to the end of the sync that made it durable:
// the least a durable commit can add to a verdict on this machine.
//
// The checkpoints variants add what SQLite's checkpoints write at that
// rate, 14 MB/s appended to another file (the database), fsynced after
// each copy as SQLite does: every 100 ms (1.4 MB each) and every 10 ms
// (140 KB each), the accounts' checkpointEvery before and after it was
// measured here.
func BenchmarkFsyncFloor(b *testing.B) {
	b.Run("wal", func(b *testing.B) { fsyncFloor(b, 0) })
	b.Run("checkpoints-100ms", func(b *testing.B) { fsyncFloor(b, 100*time.Millisecond) })
	b.Run("checkpoints-10ms", func(b *testing.B) { fsyncFloor(b, 10*time.Millisecond) })
}

func fsyncFloor(b *testing.B, checkpointEvery time.Duration) {
	if checkpointEvery > 0 {
		db, err := os.OpenFile(filepath.Join(b.TempDir(), "db"), os.O_CREATE|os.O_RDWR, 0o600)
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		stop := make(chan struct{})
		done := make(chan struct{})
		defer func() { close(stop); <-done }()
		go func() {
			defer close(done)
			chunk := make([]byte, int(14e6*checkpointEvery.Seconds()))
			t := time.NewTicker(checkpointEvery)
			defer t.Stop()
			for off := int64(0); ; off += int64(len(chunk)) {
				select {
				case <-stop:
					return
				case <-t.C:
				}
				if _, err := db.WriteAt(chunk, off); err != nil {
					b.Error(err)
					return
				}
				if err := db.Sync(); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	f, err := os.OpenFile(filepath.Join(b.TempDir(), "wal"), os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	const walSize = 4 << 20
	if _, err := f.Write(make([]byte, walSize)); err != nil {
		b.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		b.Fatal(err)
	}
	page := make([]byte, 24<<10)
	const interval = 1280 * time.Microsecond

	var mu sync.Mutex
	var waiting []time.Time // appends not yet synced
	var waits []time.Duration
	kick := make(chan struct{}, 1)
	synced := make(chan struct{})
	go func() {
		defer close(synced)
		for range kick {
			for {
				mu.Lock()
				batch := waiting
				waiting = nil
				mu.Unlock()
				if len(batch) == 0 {
					break
				}
				if err := datasync(f); err != nil {
					b.Error(err)
					return
				}
				now := time.Now()
				for _, at := range batch {
					waits = append(waits, now.Sub(at))
				}
			}
		}
	}()
	b.ResetTimer()
	next := time.Now()
	var off int64
	for range b.N {
		if d := time.Until(next); d > 0 {
			time.Sleep(d)
		}
		next = next.Add(interval)
		at := time.Now()
		if _, err := f.WriteAt(page, off); err != nil {
			b.Fatal(err)
		}
		if off += int64(len(page)); off+int64(len(page)) > walSize {
			off = 0
		}
		mu.Lock()
		waiting = append(waiting, at)
		mu.Unlock()
		select {
		case kick <- struct{}{}:
		default:
		}
	}
	close(kick)
	<-synced
	b.StopTimer()
	slices.Sort(waits)
	if n := len(waits); n > 0 {
		b.ReportMetric(float64(waits[n/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(waits[min(n-1, n*99/100)].Microseconds())/1000, "p99-ms")
	}
}
