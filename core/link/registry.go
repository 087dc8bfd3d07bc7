package link

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// Registry gives each edge name a stable edge id, kept in a JSON file so
// an edge that reconnects, even to a restarted core, keeps its id and its
// miners keep their extranonce1.
type Registry struct {
	mu   sync.Mutex // guards ids
	path string
	max  uint16
	ids  map[string]uint16
}

// OpenRegistry reads the registry at path (a missing file is an empty
// registry). Ids run from 1 to max.
func OpenRegistry(path string, max uint16) (*Registry, error) {
	r := &Registry{path: path, max: max, ids: map[string]uint16{}}
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return r, nil
	case err != nil:
		return nil, fmt.Errorf("edge registry: %w", err)
	}
	if err := json.Unmarshal(data, &r.ids); err != nil {
		return nil, fmt.Errorf("edge registry %s: %w", path, err)
	}
	return r, nil
}

// ID returns name's edge id, assigning the lowest free one to a new name.
func (r *Registry) ID(name string) (uint16, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if id, ok := r.ids[name]; ok {
		return id, nil
	}
	used := make(map[uint16]bool, len(r.ids))
	for _, id := range r.ids {
		used[id] = true
	}
	for id := uint16(1); id <= r.max && id != 0; id++ {
		if !used[id] {
			r.ids[name] = id
			if err := r.save(); err != nil {
				delete(r.ids, name)
				return 0, err
			}
			return id, nil
		}
	}
	return 0, fmt.Errorf("edge registry: all %d edge ids are taken", r.max)
}

// save writes the registry atomically: a temporary file, synced, renamed.
func (r *Registry) save() error {
	if r.path == "" {
		return nil
	}
	data, err := json.MarshalIndent(r.ids, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(r.path), 0o755); err != nil {
		return fmt.Errorf("edge registry: %w", err)
	}
	tmp := r.path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("edge registry: %w", err)
	}
	if _, err = f.Write(data); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, r.path)
	}
	if err != nil {
		return fmt.Errorf("edge registry: %w", err)
	}
	return nil
}
