package job

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestArchiveRestoresTheSameJobs(t *testing.T) {
	dir := t.TempDir()
	a, err := OpenArchive(dir, 3)
	if err != nil {
		t.Fatal(err)
	}
	b := poolBuilder(t)
	now := time.Unix(1_700_000_000, 0)
	var built []*Job
	for i, tmpl := range []uint32{100, 100, 101, 101, 101, 101} {
		j, err := b.Build(testTemplate(tmpl, i), now.Add(time.Duration(i)*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Save(j); err != nil {
			t.Fatal(err)
		}
		built = append(built, j)
	}
	// The jobs of block 100 went with the new block; three of block 101
	// are kept.
	files, _ := filepath.Glob(filepath.Join(dir, "*"+archiveSuffix))
	if len(files) != 3 {
		t.Fatalf("%d files kept, want 3: %v", len(files), files)
	}

	// A new core: a fresh builder with another random start.
	b2 := poolBuilder(t)
	a2, _ := OpenArchive(dir, 3)
	jobs, err := a2.Restore(b2)
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 3 {
		t.Fatalf("restored %d jobs", len(jobs))
	}
	for i, j := range jobs {
		want := built[3+i]
		if j.ID != want.ID || j.Clean != want.Clean || !bytes.Equal(j.Coinb1, want.Coinb1) ||
			!bytes.Equal(j.Coinb2, want.Coinb2) || len(j.Branch) != len(want.Branch) || j.NTime != want.NTime {
			t.Errorf("job %d: restored %+v\nwant %+v", i, j, want)
		}
		for k := range j.Branch {
			if j.Branch[k] != want.Branch[k] {
				t.Errorf("job %d: branch differs", i)
			}
		}
	}
	// New jobs follow the restored ones, on the same block: not clean.
	next, _ := b2.Build(testTemplate(101, 9), now)
	if next.ID != built[5].ID+1 || next.Clean {
		t.Errorf("next job %d clean %v, want %d not clean", next.ID, next.Clean, built[5].ID+1)
	}
}

func TestArchiveSkipsDamagedFiles(t *testing.T) {
	dir := t.TempDir()
	a, _ := OpenArchive(dir, 4)
	b := poolBuilder(t)
	j, _ := b.Build(testTemplate(100, 1), time.Now())
	if err := a.Save(j); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "deadbeef"+archiveSuffix), []byte("not a job"), 0o644)
	os.WriteFile(filepath.Join(dir, "0000beef"+archiveSuffix+".tmp"), []byte("half"), 0o644)
	jobs, err := a.Restore(poolBuilder(t))
	if err == nil || len(jobs) != 1 || jobs[0].ID != j.ID {
		t.Fatalf("restore: %d jobs, %v", len(jobs), err)
	}
	left, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(left) != 1 {
		t.Errorf("damaged files left behind: %v", left)
	}
}
