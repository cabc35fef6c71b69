//go:build linux || darwin || freebsd || netbsd || openbsd

package app

import (
	"math"
	"syscall"
)

// freeBytes returns the space an unprivileged process may still write on
// the file system holding path.
func freeBytes(path string) (int64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(path, &st); err != nil {
		return 0, err
	}
	free := uint64(st.Bavail) * uint64(st.Bsize) //nolint:unconvert // the field types differ between systems
	if free > math.MaxInt64 {
		return math.MaxInt64, nil
	}
	return int64(free), nil
}
