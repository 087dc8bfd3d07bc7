//go:build linux

package account

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stratapool/strata/core/chain"
	"github.com/stratapool/strata/core/share"
)

// fullDiskChild marks the test binary re-executed in its own mount
// namespace, where it mounts the small filesystem it fills.
const fullDiskChild = "STRATA_ACCOUNT_FULLDISK_CHILD"

// A full disk, a real one (a tmpfs filled to the last page): commits fail
// and their shares are not acknowledged, the accounts say why, and they
// commit again once there is room. Every acknowledged share is kept, no
// refused one is. The test runs itself again in a new mount namespace so
// that the tmpfs dies with it.
func TestFullDiskStopsCreditingLoudly(t *testing.T) {
	if os.Getenv(fullDiskChild) != "" {
		fullDisk(t)
		return
	}
	if testing.Short() {
		t.Skip("mounts a filesystem: runs in make test, not the quick suite")
	}
	inMountNamespace(t, "TestFullDiskStopsCreditingLoudly", fullDiskChild, true)
}

// inMountNamespace runs the test named test again, in a new mount
// namespace, with env set: whatever it mounts dies with it. As root a
// mount namespace is enough; otherwise, or where even root may not make
// one (a container), and if userns allows it, a user namespace whose root
// is us.
func inMountNamespace(t *testing.T, test, env string, userns bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	user := &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWUSER | syscall.CLONE_NEWNS,
		UidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getuid(), Size: 1}},
		GidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getgid(), Size: 1}}}
	var attrs []*syscall.SysProcAttr
	if os.Getuid() == 0 {
		attrs = append(attrs, &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNS})
	}
	if userns {
		attrs = append(attrs, user)
	}
	var out bytes.Buffer
	var cmd *exec.Cmd
	var starts []error
	if len(attrs) == 0 {
		starts = append(starts, errors.New("not root"))
	}
	started := false
	for _, attr := range attrs {
		out.Reset()
		cmd = exec.CommandContext(ctx, os.Args[0], "-test.run=^"+test+"$", "-test.v", "-test.count=1", "-test.timeout=60s")
		cmd.Env = append(os.Environ(), env+"=1")
		cmd.Stdout, cmd.Stderr = &out, &out
		cmd.SysProcAttr = attr
		cmd.WaitDelay = 5 * time.Second
		err := cmd.Start()
		if started = err == nil; started {
			break
		}
		starts = append(starts, fmt.Errorf("clone flags %#x: %w", attr.Cloneflags, err))
	}
	if !started {
		how := "root"
		if userns {
			how = "root, or unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1, user.max_user_namespaces > 0)"
		}
		t.Fatalf("cannot make a mount namespace for %s (%v): it needs %s", test, errors.Join(starts...), how)
	}
	err := cmd.Wait()
	if err != nil || !strings.Contains(out.String(), "--- PASS: "+test) {
		t.Fatalf("in its namespace (%v):\n%s", err, out.String())
	}
	t.Logf("in its namespace:\n%s", out.String())
}

// fullDisk is the test proper, in the child's own mount namespace.
func fullDisk(t *testing.T) {
	// Nothing mounted here may reach the namespace it was copied from.
	if err := syscall.Mount("", "/", "", syscall.MS_REC|syscall.MS_PRIVATE, ""); err != nil {
		t.Fatalf("making the mount namespace private: %v", err)
	}
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=4m,mode=0700"); err != nil {
		t.Fatalf("mounting a 4 MB tmpfs on %s: %v", dir, err)
	}
	// After the store's close (cleanups run last first), before the
	// directory's removal.
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
			t.Errorf("unmounting %s: %v", dir, err)
		}
	})
	path := filepath.Join(dir, "accounts.db")
	st, err := OpenSQLite(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	logs := &lockedBuffer{}
	a := start(t, Config{Store: st, Log: slog.New(slog.NewTextHandler(logs, nil))})

	var n int
	acked, refused := map[chain.Hash]bool{}, map[chain.Hash]bool{}
	// try commits ten shares and notes their fate.
	try := func() error {
		var cs []share.Credit
		for range 10 {
			n++
			cs = append(cs, credit(n, fmt.Sprint("w", n%3), 1))
		}
		err := commitWithin(t, a.Accounts, cs, 15*time.Second)
		for _, c := range cs {
			if err == nil {
				acked[c.Hash] = true
			} else {
				refused[c.Hash] = true
			}
		}
		return err
	}
	if err := try(); err != nil {
		t.Fatalf("a commit with room to spare: %v", err)
	}

	// The ballast takes every page left.
	ballast := filepath.Join(dir, "ballast")
	f, err := os.Create(ballast)
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 64<<10)
	full := false
	for range 128 { // 8 MB, twice the filesystem
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("writing the ballast: %v", err)
			}
			full = true
			break
		}
	}
	f.Close()
	if !full {
		t.Fatal("8 MB of ballast and the 4 MB filesystem is not full")
	}

	// Commits go on while the WAL has room it already owns; then one fails.
	var failure error
	deadline := time.Now().Add(5 * time.Second)
	for i := 0; i < 1000 && time.Now().Before(deadline); i++ {
		if failure = try(); failure != nil {
			break
		}
	}
	if failure == nil {
		t.Fatalf("%d shares acknowledged on a full disk, none refused", len(acked))
	}
	t.Logf("on the full disk, after %d shares acknowledged: %v", len(acked), failure)
	ok, why := a.Healthy()
	if ok {
		t.Fatal("healthy on a full disk")
	}
	t.Logf("Healthy: %q", why)
	if !saysFull(why) {
		t.Errorf("the accounts do not say the disk is full: %q", why)
	}
	if _, _, failures, _ := a.Counters(); failures == 0 {
		t.Error("no failure counted")
	}
	if l := logs.String(); !strings.Contains(l, "level=ERROR") || !saysFull(l) {
		t.Errorf("no error logged that says the disk is full:\n%s", l)
	}
	// Still full: more commits, each acknowledged only if kept.
	for range 5 {
		try()
	}

	if err := os.Remove(ballast); err != nil {
		t.Fatal(err)
	}
	var last error
	deadline = time.Now().Add(5 * time.Second)
	for i := 0; i < 100 && time.Now().Before(deadline); i++ {
		if last = try(); last == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if last != nil {
		t.Fatalf("no commit 5 s after the disk has room again: %v", last)
	}
	if ok, why := a.Healthy(); !ok {
		t.Errorf("unhealthy with room again: %q", why)
	}
	for range 5 {
		if err := try(); err != nil {
			t.Fatalf("a commit after the store came back: %v", err)
		}
	}

	check := func(st Store, when string) {
		t.Helper()
		stored := storedShares(t, st)
		for h := range acked {
			if stored[h] != 1 {
				t.Errorf("%s: acknowledged share %x stored %d times", when, h[:4], stored[h])
			}
		}
		for h := range refused {
			if stored[h] != 0 {
				t.Errorf("%s: refused share %x stored", when, h[:4])
			}
		}
		if len(stored) != len(acked) {
			t.Errorf("%s: %d shares stored, %d acknowledged", when, len(stored), len(acked))
		}
	}
	check(st, "running")
	// And they are in the files, not only in the connections' caches.
	a.stop()
	st.Close()
	st2, err := OpenSQLite(context.Background(), path)
	if err != nil {
		t.Fatalf("reopening the store after the full disk: %v", err)
	}
	t.Cleanup(func() { st2.Close() })
	check(st2, "reopened")
	t.Logf("%d shares acknowledged, %d refused", len(acked), len(refused))
}

// saysFull: SQLite's SQLITE_FULL ("database or disk is full"), or ENOSPC
// itself where a sync of the WAL is what meets it.
func saysFull(s string) bool {
	s = strings.ToLower(s)
	return strings.Contains(s, "full") || strings.Contains(s, syscall.ENOSPC.Error())
}

// commitWithin is commit, failing the test if no answer comes within d.
func commitWithin(t *testing.T, a *Accounts, credits []share.Credit, d time.Duration) error {
	t.Helper()
	done := make(chan error, 1)
	a.Commit(credits, func(err error) { done <- err })
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		t.Fatalf("a commit not answered in %v", d)
		return nil
	}
}

// lockedBuffer is a log's destination the committer and the test share.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
