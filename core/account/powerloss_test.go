//go:build linux

package account

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/stratapool/strata/core/chain"
	"github.com/stratapool/strata/core/share"
	"github.com/stratapool/strata/wire"
)

// The power-loss test's processes: the one in its own mount namespace that
// mounts the filesystem, cuts its power and looks at what is left, and the
// one it starts there to commit shares until the power goes.
const (
	powerLossChild     = "STRATA_ACCOUNT_POWERLOSS_CHILD"
	powerLossCommitter = "STRATA_ACCOUNT_POWERLOSS_COMMITTER"
	powerLossRound     = "STRATA_ACCOUNT_POWERLOSS_ROUND"
)

// ext4's shutdown ioctl (EXT4_IOC_SHUTDOWN, as xfstests' godown uses it)
// with NOLOGFLUSH: the filesystem stops where it is, neither the journal
// nor dirty pages are written any more, as when the power goes. What was
// only in the page cache is lost; what an fdatasync put on the disk is
// not.
const (
	ext4IocShutdown       = 0x8004587d // _IOR('X', 125, __u32)
	ext4GoingNoLogFlush   = 0x2
	powerLossAcks         = 5000 // shares acknowledged before the power goes
	powerLossSubmitters   = 4
	powerLossBatch        = 64
	powerLossCommitterFor = 60 * time.Second
	powerLossRounds       = 3
)

// TestPowerLossKeepsEveryAcknowledgedShare: the accounts commit shares from
// several submitters on an ext4 filesystem of their own; after thousands
// are acknowledged the filesystem's power is cut (the shutdown ioctl: the
// page cache never reaches the disk) and the committer killed. Mounted
// again (the journal replayed), the store opens, and every share that was
// acknowledged is in it, once; then the next round commits on what the
// cut left, and is cut in turn. A SIGKILL alone keeps the page cache and
// so cannot catch a missing or misdirected sync; this can (a Sync that
// does nothing, or syncs the database file instead of the WAL, failed 20
// runs of 20; the real one passed 100 runs, 300 cuts).
func TestPowerLossKeepsEveryAcknowledgedShare(t *testing.T) {
	switch {
	case os.Getenv(powerLossCommitter) != "":
		commitUntilKilled(t, os.Getenv(powerLossCommitter))
		return
	case os.Getenv(powerLossChild) != "":
		powerLoss(t)
		return
	}
	if testing.Short() {
		t.Skip("mounts an ext4 filesystem on a loop device: runs in make test, not the quick suite")
	}
	// A loop device's filesystem is root's to mount, even in a user
	// namespace.
	inMountNamespace(t, "TestPowerLossKeepsEveryAcknowledgedShare", powerLossChild, false)
}

// powerLoss is the test proper, in the child's own mount namespace: a
// filesystem of its own, and a power cut in each of powerLossRounds runs
// of the committer on it, each taking up the store the last cut left.
func powerLoss(t *testing.T) {
	if err := syscall.Mount("", "/", "", syscall.MS_REC|syscall.MS_PRIVATE, ""); err != nil {
		t.Fatalf("making the mount namespace private: %v", err)
	}
	dir := t.TempDir()
	img, mnt := filepath.Join(dir, "disk.img"), filepath.Join(dir, "mnt")
	if err := os.Mkdir(mnt, 0o700); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(img)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(128 << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	mkfs, err := exec.LookPath("mkfs.ext4")
	if err != nil {
		mkfs = "/usr/sbin/mkfs.ext4" // root's, off a user's PATH
	}
	run(t, mkfs, "-q", "-F", img)
	mounted := false
	t.Cleanup(func() {
		if mounted {
			syscall.Unmount(mnt, syscall.MNT_DETACH)
		}
	})
	// Every share acknowledged before a cut, across the rounds.
	kept := map[chain.Hash]ack{}
	for round := range powerLossRounds {
		run(t, "mount", "-o", "loop", img, mnt)
		mounted = true
		before, raced, cutAt := cutPowerWhileCommitting(t, mnt, round)
		if err := syscall.Unmount(mnt, 0); err != nil {
			t.Fatalf("unmounting after the power cut: %v", err)
		}
		// Mounted again, the journal is replayed.
		run(t, "mount", "-o", "loop", img, mnt)
		st, err := OpenSQLite(context.Background(), filepath.Join(mnt, "accounts.db"))
		if err != nil {
			t.Fatalf("round %d: the store after the power cut: %v", round, err)
		}
		maps.Copy(kept, before)
		stored := storedShares(t, st)
		var missing, twice, racedLost int
		var lost []uint32
		for h := range raced {
			if stored[h] == 0 {
				racedLost++
			}
		}
		var latest time.Time // the latest acknowledgement lost
		var blocks, blocksLost int
		for h, a := range kept {
			if a.block {
				blocks++
				if _, err := st.Block(context.Background(), h.String()); err != nil {
					blocksLost++
				}
			}
			switch stored[h] {
			case 0:
				missing++
				lost = append(lost, binary.LittleEndian.Uint32(h[:4]))
				if a.at.After(latest) {
					latest = a.at
				}
			case 1:
			default:
				twice++
			}
		}
		t.Logf("round %d: %d shares acknowledged before the power cut and %d as it went (%d of those lost); %d in the store after it; %d found blocks kept",
			round, len(before), len(raced), racedLost, len(stored), blocks-blocksLost)
		st.Close()
		if blocksLost > 0 {
			t.Errorf("round %d: %d of %d found blocks acknowledged before a power cut are not in the store", round, blocksLost, blocks)
		}
		if missing > 0 || twice > 0 {
			slices.Sort(lost)
			t.Fatalf("round %d: of %d shares acknowledged before a power cut, %d are missing (numbered round<<26 | submitter<<24 | n: %#x; "+
				"the last acknowledged %s before the cut) and %d stored more than once",
				round, len(kept), missing, lost[:min(len(lost), 8)], cutAt.Sub(latest), twice)
		}
		if err := syscall.Unmount(mnt, 0); err != nil {
			t.Fatalf("unmounting after round %d: %v", round, err)
		}
		mounted = false
	}
}

// cutPowerWhileCommitting runs a committer on the store in mnt until it
// has powerLossAcks shares acknowledged, then cuts the filesystem's power
// and kills it. It returns the shares acknowledged before the cut began,
// and those acknowledged as the power went, by when.
func cutPowerWhileCommitting(t *testing.T, mnt string, round int) (before, raced map[chain.Hash]ack, cut time.Time) {
	committer := exec.Command(os.Args[0], "-test.run=^TestPowerLossKeepsEveryAcknowledgedShare$", "-test.count=1")
	committer.Env = append(os.Environ(), powerLossCommitter+"="+filepath.Join(mnt, "accounts.db"),
		powerLossRound+"="+strconv.Itoa(round))
	committer.Stderr = os.Stderr
	out, err := committer.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := committer.Start(); err != nil {
		t.Fatal(err)
	}
	defer committer.Process.Kill()
	var (
		mu     sync.Mutex
		acked  = map[chain.Hash]ack{}
		enough = make(chan struct{})
		read   = make(chan error, 1)
	)
	go func() {
		lines := bufio.NewReader(out)
		for {
			line, err := lines.ReadString('\n')
			if err != nil {
				// A line the kill cut short was never acknowledged whole.
				if err == io.EOF {
					err = nil
				}
				read <- err
				return
			}
			var a ack
			var h chain.Hash
			var at int64
			if _, err := fmt.Sscanf(line, "%x %d %t\n", &a.hash, &at, &a.block); err != nil || len(a.hash) != len(h) {
				read <- fmt.Errorf("committer wrote %q (%v)", line, err)
				return
			}
			copy(h[:], a.hash)
			a.at = time.Unix(0, at)
			mu.Lock()
			acked[h] = a
			if len(acked) == powerLossAcks {
				close(enough)
			}
			mu.Unlock()
		}
	}()
	select {
	case <-enough:
	case err := <-read:
		t.Fatalf("round %d: the committer stopped before %d shares were acknowledged: %v", round, powerLossAcks, err)
	case <-time.After(45 * time.Second):
		t.Fatalf("round %d: fewer than %d shares acknowledged in 45 s", round, powerLossAcks)
	}

	// The power goes, then the committer dies. Every share acknowledged
	// before the cut began must survive it; the committer stamps each
	// acknowledgement with the time its sync had returned. One
	// acknowledged while the shutdown was under way may not: a sync that
	// returns then can report success and still lose its write (seen
	// with a plain write and fdatasync loop on a growing file too), which
	// a real power loss, all at once, does not do. Those are counted.
	cut = time.Now()
	shutdown(t, mnt)
	cutDone := time.Now()
	committer.Process.Kill()
	if err := <-read; err != nil {
		t.Fatal(err)
	}
	committer.Wait()
	mu.Lock()
	defer mu.Unlock()
	before, raced = map[chain.Hash]ack{}, map[chain.Hash]ack{}
	for h, a := range acked {
		switch {
		case a.at.Before(cut):
			before[h] = a
		case a.at.Before(cutDone):
			raced[h] = a
		default:
			t.Errorf("round %d: a share acknowledged %s after the power was cut", round, a.at.Sub(cutDone))
		}
	}
	return before, raced, cut
}

// ack is a share the committer acknowledged: its hash, when, and whether
// it found a block.
type ack struct {
	hash  []byte
	at    time.Time
	block bool
}

// commitUntilKilled commits shares to the store at path from several
// submitters, as the link's workers do, and prints the hash of each one
// acknowledged, until it is killed. Shares are numbered
// round<<26 | submitter<<24 | n, one hash each.
func commitUntilKilled(t *testing.T, path string) {
	round, err := strconv.Atoi(os.Getenv(powerLossRound))
	if err != nil {
		t.Fatal(err)
	}
	st, err := OpenSQLite(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	a := start(t, Config{Store: st})
	var (
		mu  sync.Mutex
		out = bufio.NewWriter(os.Stdout)
	)
	deadline := time.Now().Add(powerLossCommitterFor)
	var wg sync.WaitGroup
	for s := range powerLossSubmitters {
		wg.Go(func() {
			for n := round<<26 | s<<24; time.Now().Before(deadline); {
				credits := make([]share.Credit, powerLossBatch)
				for i := range credits {
					n++
					credits[i] = credit(n, fmt.Sprint("w", n%50), 1)
				}
				if n/powerLossBatch%16 == 0 { // a found block now and then
					b := &credits[0]
					b.Block, b.Verdict, b.Reward, b.NetworkDifficulty = true, wire.VerdictBlock, 5_000_000_000, 5
				}
				if err := commit(a.Accounts, credits); err != nil {
					// After the power cut: nothing is acknowledged.
					time.Sleep(10 * time.Millisecond)
					continue
				}
				at := time.Now().UnixNano()
				mu.Lock()
				for i := range credits {
					fmt.Fprintf(out, "%x %d %t\n", credits[i].Hash[:], at, credits[i].Block)
				}
				out.Flush()
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}

// shutdown cuts the power to the filesystem mounted at mnt.
func shutdown(t *testing.T, mnt string) {
	t.Helper()
	d, err := os.Open(mnt)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	flags := uint32(ext4GoingNoLogFlush)
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, d.Fd(), ext4IocShutdown, uintptr(unsafe.Pointer(&flags))); errno != 0 {
		t.Fatalf("shutting %s down: %v", mnt, errno)
	}
}

// run runs a command, failing the test with its output if it fails.
func run(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}
