//go:build !(linux || darwin || freebsd || netbsd || openbsd)

package app

import "errors"

// freeBytes cannot measure free space on this system: readyz reports the
// storage as unknown.
func freeBytes(string) (int64, error) { return 0, errors.ErrUnsupported }
