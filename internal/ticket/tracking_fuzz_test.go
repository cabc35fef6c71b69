package ticket

import (
	"fmt"
	"testing"
)

func FuzzParseTrackingNo(f *testing.F) {
	for _, s := range []string{"MB202611250001234", "HL202602290000001", "MB202613010000001", "XX202611250001234", "MB20261125000123a", "", "MB２０２６"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, no string) {
		ch, day, seq, ok := ParseTrackingNo(no)
		if !ok {
			return
		}
		again := fmt.Sprintf("%s%s%07d", channelPrefix[ch], day.Format("20060102"), seq)
		if again != no {
			t.Fatalf("%q parsed as %s %s %d, which prints as %q", no, ch, day.Format("2006-01-02"), seq, again)
		}
	})
}

func TestParseTrackingNo(t *testing.T) {
	for no, want := range map[string]bool{"MB202611250001234": true, "HL202602280000001": true, "MB202602300000001": false,
		"MB202611250000000": false, "QQ202611250001234": false, "MB20261125000123": false} {
		if _, _, _, ok := ParseTrackingNo(no); ok != want {
			t.Errorf("%s: ok = %v, want %v", no, ok, want)
		}
	}
}
