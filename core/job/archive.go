package job

import (
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/stratapool/strata/core/chain"
	"github.com/stratapool/strata/wire"
)

// Archive keeps the templates of the recent jobs on disk, so that a core
// that restarts still knows the jobs its edges' miners are working on and
// can judge the shares they spooled while it was away. Each job is one
// file; a job on a new block removes the files of the old one.
//
// Writes are not synced: a killed process leaves them in the page cache,
// and a job lost to a power cut only makes its shares stale.
type Archive struct {
	dir  string
	keep int
	// ids are the archived jobs, oldest first.
	ids []wire.JobID
}

// archived is a job's file.
type archived struct {
	Version   int
	ID        wire.JobID
	Clean     bool
	CreatedAt time.Time
	Template  chain.Template
}

const (
	archiveVersion = 1
	archiveSuffix  = ".job"
)

// OpenArchive opens (making it if needed) the directory that keeps the
// last keep jobs.
func OpenArchive(dir string, keep int) (*Archive, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("job archive: %w", err)
	}
	return &Archive{dir: dir, keep: max(keep, 1)}, nil
}

func (a *Archive) path(id wire.JobID) string {
	return filepath.Join(a.dir, fmt.Sprintf("%08x%s", uint32(id), archiveSuffix))
}

// Save writes a job's template. It is called by one goroutine.
func (a *Archive) Save(j *Job) error {
	var buf bytes.Buffer
	rec := archived{Version: archiveVersion, ID: j.ID, Clean: j.Clean, CreatedAt: j.CreatedAt, Template: *j.Template}
	if err := gob.NewEncoder(&buf).Encode(&rec); err != nil {
		return fmt.Errorf("job archive: encode job %08x: %w", uint32(j.ID), err)
	}
	tmp := a.path(j.ID) + ".tmp"
	if err := os.WriteFile(tmp, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("job archive: %w", err)
	}
	if err := os.Rename(tmp, a.path(j.ID)); err != nil {
		return fmt.Errorf("job archive: %w", err)
	}
	if j.Clean {
		// Jobs on the previous block are stale: their shares are refused.
		for _, id := range a.ids {
			_ = os.Remove(a.path(id))
		}
		a.ids = a.ids[:0]
	}
	a.ids = append(a.ids, j.ID)
	for len(a.ids) > a.keep {
		_ = os.Remove(a.path(a.ids[0]))
		a.ids = a.ids[1:]
	}
	return nil
}

// Restore rebuilds the archived jobs, oldest first, with b: the same ids,
// the same coinbases. A file that cannot be read is skipped and reported;
// the jobs that could be rebuilt are returned with it.
func (a *Archive) Restore(b *Builder) ([]*Job, error) {
	entries, err := os.ReadDir(a.dir)
	if err != nil {
		return nil, fmt.Errorf("job archive: %w", err)
	}
	var recs []archived
	var errs []error
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, archiveSuffix) {
			if strings.HasSuffix(name, ".tmp") {
				_ = os.Remove(filepath.Join(a.dir, name))
			}
			continue
		}
		data, err := os.ReadFile(filepath.Join(a.dir, name))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		var rec archived
		if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&rec); err != nil || rec.Version != archiveVersion {
			errs = append(errs, fmt.Errorf("%s: unreadable (%v), removed", name, err))
			_ = os.Remove(filepath.Join(a.dir, name))
			continue
		}
		recs = append(recs, rec)
	}
	slices.SortFunc(recs, func(x, y archived) int { return x.CreatedAt.Compare(y.CreatedAt) })
	var jobs []*Job
	for i := range recs {
		rec := &recs[i]
		j, err := b.Restore(&rec.Template, rec.ID, rec.Clean, rec.CreatedAt)
		if err != nil {
			errs = append(errs, fmt.Errorf("job %08x: %w", uint32(rec.ID), err))
			continue
		}
		jobs = append(jobs, j)
		a.ids = append(a.ids, j.ID)
	}
	if len(errs) > 0 {
		return jobs, fmt.Errorf("job archive: %w", errors.Join(errs...))
	}
	return jobs, nil
}
