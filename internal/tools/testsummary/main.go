// Command testsummary reads `go test -json` on its standard input, prints the
// output a plain `go test` would (package results, and the output of failed
// tests), and ends with a summary of the skipped tests grouped by their
// reason, so that a green run cannot hide a suite that did not run (no
// PostgreSQL, no Chromium). It exits 1 when any test or package failed, or
// when the input held no test result at all.
//
//	go test -json ./... | go run ./internal/tools/testsummary -postgres="$GOVAPP_TEST_POSTGRES_URL"
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// event is one line of `go test -json` (see `go doc test2json`).
type event struct {
	Action  string `json:"Action"`
	Package string `json:"Package"`
	Test    string `json:"Test"`
	Output  string `json:"Output"`
}

// skip is one skipped test and why.
type skip struct {
	Package, Test, Reason string
}

// summary is what the run came to.
type summary struct {
	Skips    []skip
	Failed   bool
	Packages int
}

func main() {
	pg := flag.String("postgres", "", "GOVAPP_TEST_POSTGRES_URL of the run (empty: the PostgreSQL suites did not run)")
	redis := flag.String("redis", "", "GOVAPP_TEST_REDIS_URL of the run (empty: the Redis suites did not run)")
	flag.Parse()
	s, err := summarize(os.Stdin, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testsummary:", err)
		os.Exit(1)
	}
	report(os.Stdout, s, *pg != "", *redis != "")
	if s.Failed || s.Packages == 0 {
		os.Exit(1)
	}
}

// summarize copies the output of a plain `go test` run from the JSON events
// in r to w and returns the skips and whether anything failed. Lines that are
// not JSON (a build error, a panic before test2json) are copied as they are.
func summarize(r io.Reader, w io.Writer) (summary, error) {
	var s summary
	buf := map[string][]string{} // output of a running test, by package and test
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if len(line) == 0 || line[0] != '{' || json.Unmarshal(line, &e) != nil {
			fmt.Fprintf(w, "%s\n", line)
			continue
		}
		key := e.Package + "\x00" + e.Test
		switch {
		case e.Action == "output" && e.Test != "":
			buf[key] = append(buf[key], e.Output)
		case e.Action == "output":
			if !strings.HasPrefix(e.Output, "=== ") && strings.TrimSpace(e.Output) != "PASS" {
				_, _ = io.WriteString(w, e.Output)
			}
		case e.Action == "skip" && e.Test != "":
			s.Skips = append(s.Skips, skip{Package: e.Package, Test: e.Test, Reason: reason(buf[key])})
			delete(buf, key)
		case e.Action == "skip":
			s.Packages++ // a package without tests
		case e.Action == "fail" && e.Test != "":
			s.Failed = true
			_, _ = io.WriteString(w, strings.Join(buf[key], ""))
			delete(buf, key)
		case e.Action == "fail":
			s.Failed, s.Packages = true, s.Packages+1
		case e.Action == "pass" && e.Test != "":
			delete(buf, key)
		case e.Action == "pass":
			s.Packages++
		case e.Action == "build-fail":
			s.Failed = true
		case e.Action == "build-output":
			_, _ = io.WriteString(w, e.Output)
		}
	}
	return s, sc.Err()
}

// reason returns what a skipped test logged before its "--- SKIP" line
// (t.Skip's message), without the file:line prefix.
func reason(out []string) string {
	var msgs []string
	for _, l := range out {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "=== ") || strings.HasPrefix(t, "--- ") {
			continue
		}
		if i := strings.Index(t, ": "); i > 0 && strings.Contains(t[:i], ".go:") {
			t = t[i+2:]
		}
		msgs = append(msgs, t)
	}
	if len(msgs) == 0 {
		return "（未说明原因）"
	}
	return msgs[len(msgs)-1]
}

// report prints the skipped tests grouped by reason, and the suites that did
// not run because a test server was not configured.
func report(w io.Writer, s summary, pg, redis bool) {
	fmt.Fprintln(w, "")
	fmt.Fprintln(w, "==== 跳过的测试（skipped） ====")
	if !pg {
		fmt.Fprintln(w, "  GOVAPP_TEST_POSTGRES_URL 未设置：存储与应用测试只在 SQLite 上运行，PostgreSQL 套件未运行")
	}
	if !redis {
		fmt.Fprintln(w, "  GOVAPP_TEST_REDIS_URL 未设置：缓存测试只在内存缓存上运行，Redis 套件未运行")
	}
	byReason := map[string][]skip{}
	for _, k := range s.Skips {
		byReason[k.Reason] = append(byReason[k.Reason], k)
	}
	reasons := make([]string, 0, len(byReason))
	for r := range byReason {
		reasons = append(reasons, r)
	}
	sort.Slice(reasons, func(i, j int) bool {
		if len(byReason[reasons[i]]) != len(byReason[reasons[j]]) {
			return len(byReason[reasons[i]]) > len(byReason[reasons[j]])
		}
		return reasons[i] < reasons[j]
	})
	for _, r := range reasons {
		ks := byReason[r]
		fmt.Fprintf(w, "  %d 个：%s\n", len(ks), r)
		for _, k := range ks {
			fmt.Fprintf(w, "      %s %s\n", k.Package, k.Test)
		}
	}
	if len(s.Skips) == 0 {
		fmt.Fprintln(w, "  没有测试被跳过")
	}
	status := "通过（PASS）"
	if s.Failed || s.Packages == 0 {
		status = "失败（FAIL）"
	}
	fmt.Fprintf(w, "==== %d 个包，%d 个测试跳过，结果：%s ====\n", s.Packages, len(s.Skips), status)
}
