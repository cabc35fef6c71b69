package guide

import "testing"

// FuzzDecodeCursor: a cursor is either one this server issued or ErrBadCursor.
func FuzzDecodeCursor(f *testing.F) {
	for _, s := range []string{"", encodeCursor(0), encodeCursor(40), "forged", "b246", "%%%", "bzotMQ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, c string) {
		n, err := decodeCursor(c)
		if err != nil {
			if err != ErrBadCursor {
				t.Fatalf("%q: %v", c, err)
			}
			return
		}
		if n < 0 || (c != "" && encodeCursor(n) != c) {
			t.Fatalf("%q decoded to %d, which encodes as %q", c, n, encodeCursor(n))
		}
	})
}
