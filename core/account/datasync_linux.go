package account

import (
	"os"
	"syscall"
)

// datasync makes f's data durable, and the metadata needed to read it
// back (its size), but not its timestamps: fdatasync, as SQLite itself
// syncs. Once a checkpoint has reset the WAL, SQLite writes it again in
// place, its size does not change, and fdatasync needs no journal commit
// where fsync would make one for the modification time.
func datasync(f *os.File) error {
	raw, err := f.SyscallConn()
	if err != nil {
		return err
	}
	// Control holds the descriptor open for the call.
	if cerr := raw.Control(func(fd uintptr) {
		for {
			if err = syscall.Fdatasync(int(fd)); err != syscall.EINTR {
				return
			}
		}
	}); cerr != nil {
		return cerr
	}
	return err
}
