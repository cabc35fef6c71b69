package app

import (
	"regexp"
	"strings"
	"testing"
)

// Personal data must never reach the logs (SPEC §10). Every test app's log
// is scanned when its test ends (newTestAppWith), so the whole app test run
// is covered: a mainland mobile number or a valid 18-digit ID number
// anywhere in a log line fails the test that wrote it.
var (
	phoneInText = regexp.MustCompile(`(?:^|[^0-9A-Za-z])(?:\+?86)?(1[3-9][0-9]{9})(?:[^0-9A-Za-z]|$)`)
	idInText    = regexp.MustCompile(`(?:^|[^0-9A-Za-z])([1-9][0-9]{16}[0-9Xx])(?:[^0-9A-Za-z]|$)`)
)

// validIDNumber checks the GB 11643 check digit of an 18-character ID number,
// so that other long digit strings (timestamps, sequence numbers) are not
// taken for one.
func validIDNumber(s string) bool {
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		sum += int(s[i]-'0') * w
	}
	return "10X98765432"[sum%11] == strings.ToUpper(s[17:])[0]
}

// personalDataInLogs returns the log lines that hold a phone or ID number.
func personalDataInLogs(logs string) []string {
	var bad []string
	for _, line := range strings.Split(logs, "\n") {
		leak := phoneInText.MatchString(line)
		for _, m := range idInText.FindAllStringSubmatch(line, -1) {
			leak = leak || validIDNumber(m[1])
		}
		if leak {
			bad = append(bad, line)
		}
	}
	return bad
}

// checkLogsForPersonalData fails t when the logs hold personal data.
func checkLogsForPersonalData(t *testing.T, logs string) {
	t.Helper()
	if bad := personalDataInLogs(logs); len(bad) > 0 {
		if len(bad) > 3 {
			bad = bad[:3]
		}
		t.Errorf("%d log line(s) hold a phone or ID number, e.g.:\n%s", len(personalDataInLogs(logs)), strings.Join(bad, "\n"))
	}
}

func TestLogScannerFindsPersonalData(t *testing.T) {
	for _, tc := range []struct {
		line string
		leak bool
	}{
		{`{"msg":"bind","phone":"13800138000"}`, true},
		{`phone=+8613912345678 ok`, true},
		{`{"msg":"masked","phone":"138****8000"}`, false},
		{`{"id_number":"11010519491231002X"}`, true},  // a valid check digit
		{`{"id_number":"110105194912310021"}`, false}, // wrong check digit: not an ID number
		{`{"time":"2026-11-26T03:40:00.123456789Z","request_id":"9f86d081884c7d65","latency_ms":1.234}`, false},
		{`{"tracking_no":"12345-20261009-00042","elapsed_ns":123456789012}`, false},
		{`{"ts":1764128400123}`, false},
		{`{"request_id":"17612410122e117c45a53c55"}`, false}, // hex that starts with 11 digits
		{`来电人电话13800138000，反映噪音`, true},
	} {
		if got := len(personalDataInLogs(tc.line)) > 0; got != tc.leak {
			t.Errorf("%s: leak = %v, want %v", tc.line, got, tc.leak)
		}
	}
}
