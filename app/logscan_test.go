package app

import (
	"strings"
	"testing"

	"govapp/internal/redact"
)

// Personal data must never reach the logs (SPEC §10). Every test app's log
// is scanned when its test ends (newTestAppWith), so the whole app test run
// is covered: a mainland mobile number or a valid 18-digit ID number (as the
// redaction engine finds them, check digit included) anywhere in a log line
// fails the test that wrote it.
// personalDataInLogs returns the log lines that hold a phone or ID number.
func personalDataInLogs(logs string) []string {
	var bad []string
	for _, line := range strings.Split(logs, "\n") {
		if len(redact.IdentifyingNumbers(line)) > 0 {
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
	t.Parallel()
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
