package main

import (
	"strings"
	"testing"
)

const run = `{"Action":"start","Package":"govapp/app"}
{"Action":"run","Package":"govapp/app","Test":"TestBrowser"}
{"Action":"output","Package":"govapp/app","Test":"TestBrowser","Output":"=== RUN   TestBrowser\n"}
{"Action":"output","Package":"govapp/app","Test":"TestBrowser","Output":"    console_browser_test.go:40: chromium not found (set GOVAPP_TEST_CHROMIUM)\n"}
{"Action":"output","Package":"govapp/app","Test":"TestBrowser","Output":"--- SKIP: TestBrowser (0.00s)\n"}
{"Action":"skip","Package":"govapp/app","Test":"TestBrowser"}
{"Action":"run","Package":"govapp/app","Test":"TestOK"}
{"Action":"output","Package":"govapp/app","Test":"TestOK","Output":"=== RUN   TestOK\n"}
{"Action":"output","Package":"govapp/app","Test":"TestOK","Output":"secret passing output\n"}
{"Action":"pass","Package":"govapp/app","Test":"TestOK"}
{"Action":"output","Package":"govapp/app","Output":"ok  \tgovapp/app\t1.0s\n"}
{"Action":"pass","Package":"govapp/app"}
`

const failing = `{"Action":"run","Package":"govapp/x","Test":"TestBad"}
{"Action":"output","Package":"govapp/x","Test":"TestBad","Output":"    x_test.go:9: want 2, got 3\n"}
{"Action":"fail","Package":"govapp/x","Test":"TestBad"}
{"Action":"output","Package":"govapp/x","Output":"FAIL\tgovapp/x\t0.1s\n"}
{"Action":"fail","Package":"govapp/x"}
`

func TestSummarizeListsSkipsWithReasons(t *testing.T) {
	var out strings.Builder
	s, err := summarize(strings.NewReader(run), &out)
	if err != nil {
		t.Fatal(err)
	}
	if s.Failed || s.Packages != 1 || len(s.Skips) != 1 {
		t.Fatalf("summary %+v", s)
	}
	if k := s.Skips[0]; k.Test != "TestBrowser" || k.Reason != "chromium not found (set GOVAPP_TEST_CHROMIUM)" {
		t.Fatalf("skip %+v", k)
	}
	if strings.Contains(out.String(), "secret passing output") || !strings.Contains(out.String(), "ok  \tgovapp/app") {
		t.Fatalf("plain output expected (package lines, no passing test output):\n%s", out.String())
	}
	var rep strings.Builder
	report(&rep, s, false, true)
	for _, want := range []string{"1 个：chromium not found", "govapp/app TestBrowser", "GOVAPP_TEST_POSTGRES_URL 未设置", "通过"} {
		if !strings.Contains(rep.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, rep.String())
		}
	}
	if strings.Contains(rep.String(), "GOVAPP_TEST_REDIS_URL 未设置") {
		t.Errorf("report says Redis is missing though it was set:\n%s", rep.String())
	}
}

func TestSummarizeFailsOnAFailedTest(t *testing.T) {
	var out strings.Builder
	s, err := summarize(strings.NewReader(failing), &out)
	if err != nil {
		t.Fatal(err)
	}
	if !s.Failed {
		t.Fatal("a failed test must fail the summary")
	}
	if !strings.Contains(out.String(), "want 2, got 3") {
		t.Fatalf("the failed test's output must be shown:\n%s", out.String())
	}
}

func TestSummarizeFailsOnBuildErrorsAndEmptyInput(t *testing.T) {
	s, _ := summarize(strings.NewReader(`{"Action":"build-fail","ImportPath":"govapp/y"}`+"\n"), &strings.Builder{})
	if !s.Failed {
		t.Fatal("a build failure must fail the summary")
	}
	s, _ = summarize(strings.NewReader("# govapp/y\ny.go:1: syntax error\n"), &strings.Builder{})
	if s.Packages != 0 {
		t.Fatalf("no package result in non-JSON input: %+v", s)
	}
}
