// Command govbench runs govapp's performance benchmarks (SPEC §10) and prints
// a table; it exits non-zero when a bar fails (unless -no-fail). The servers
// run in this process; the vegeta load comes from a child process (this same
// binary, -loadgen) so that its garbage collections are not the servers',
// or from this process with -inproc.
//
// For each profile — embedded (SQLite + in-process cache) and production
// (PostgreSQL + Redis, from GOVAPP_TEST_POSTGRES_URL and GOVAPP_TEST_REDIS_URL;
// skipped when they are unset) — it starts a fresh App on a loopback port,
// seeds it, and measures:
//
//  1. the cached GET /api/v1/guides/{code} against a bare Fiber handler
//     returning the same bytes (same vegeta settings, max rate, best of two
//     alternating runs), then its latency at half its peak (open model);
//  2. 1,000 concurrent GETs of a guide never read before: one database read;
//  3. search over -guides generated guides at a constant rate;
//
// and finally this process's peak resident set (servers and harness; the
// load generator's memory is its own).
//
// Run it from the repository root (make bench): the search queries come from
// internal/guide/testdata/search_queries.json when it is there.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"
)

type options struct {
	duration   time.Duration
	workers    int
	guides     int
	searchRate int
	profiles   []string
	noFail     bool
	cpuprofile string
	load       loader
	only       map[string]bool // benchmarks to run; empty runs all
	rowsOut    string          // internal: write this profile's rows here (a child run)
}

// runs reports whether the benchmark name is selected by -only.
func (o options) runs(name string) bool { return len(o.only) == 0 || o.only[name] }

func main() {
	var o options
	flag.DurationVar(&o.duration, "duration", 5*time.Second, "length of each measured load run (each follows a 1 s warm-up)")
	flag.IntVar(&o.workers, "workers", 64, "workers (and connections) of the max-rate detail runs")
	flag.IntVar(&o.guides, "guides", 20000, "number of generated guides to search")
	flag.IntVar(&o.searchRate, "search-rate", 100, "requests/s of the open-model search run")
	profiles := flag.String("profiles", "embedded,production", "comma-separated profiles to run: embedded, production")
	flag.BoolVar(&o.noFail, "no-fail", false, "only report: exit 0 even when a bar fails")
	flag.StringVar(&o.cpuprofile, "cpuprofile", "", "write a CPU profile of the servers (and, with -inproc, the load generator) to this file")
	flag.BoolVar(&o.load.inproc, "inproc", false, "run the vegeta load generator in this process rather than in a child process")
	only := flag.String("only", "", "comma-separated benchmarks to run (detail, cold, publish, search, booking, tickets, push); empty runs all")
	flag.StringVar(&o.rowsOut, "rows-out", "", "internal: run one profile and write its rows to this file")
	loadgen := flag.String("loadgen", "", "internal: run one load spec (JSON) and print its metrics")
	flag.Parse()
	if *loadgen != "" {
		os.Exit(loadgenMain(*loadgen))
	}
	o.only = map[string]bool{}
	for _, b := range strings.Split(*only, ",") {
		if b = strings.TrimSpace(b); b != "" {
			o.only[b] = true
		}
	}
	for _, p := range strings.Split(*profiles, ",") {
		if p = strings.TrimSpace(p); p != "" {
			o.profiles = append(o.profiles, p)
		}
	}
	if o.duration <= 0 || o.workers <= 0 || o.guides <= 0 || o.searchRate <= 0 || len(o.profiles) == 0 {
		fmt.Fprintln(os.Stderr, "govbench: -duration, -workers, -guides, -search-rate and -profiles must be positive / non-empty")
		os.Exit(2)
	}
	os.Exit(run(o))
}

func run(o options) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if o.cpuprofile != "" {
		f, err := os.Create(o.cpuprofile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "govbench:", err)
			return 2
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "govbench:", err)
			return 2
		}
		defer pprof.StopCPUProfile()
	}
	t := &table{}
	load0 := loadAvg()
	if o.rowsOut != "" || len(o.profiles) == 1 {
		// one profile, in this process
		p := o.profiles[0]
		runProfile(ctx, t, p, o)
		peak, _ := memoryMB()
		t.check(p, "peak resident set of the profile (VmHWM)", fmt.Sprintf("%.0f MB", peak), fmt.Sprintf("< %d MB", barMemoryMB), peak > 0 && peak < barMemoryMB)
		if o.rowsOut != "" {
			return writeRows(o.rowsOut, t)
		}
	} else {
		// each profile in a process of its own: one profile's heap neither
		// weighs on the next one's latencies nor counts in its memory
		for _, p := range o.profiles {
			if ctx.Err() != nil {
				break
			}
			if err := runChild(ctx, t, p); err != nil {
				t.fail(p, "run profile", err)
			}
		}
	}
	where := "a child process (vegeta)"
	if o.load.inproc {
		where = "this process (vegeta, -inproc)"
	}
	t.note("load generated from %s on the same %d CPUs as the servers; total %s; machine load average %s at start, %s at end",
		where, runtime.NumCPU(), time.Since(started).Round(time.Second), load0, loadAvg())
	fmt.Println()
	t.print(os.Stdout)
	if t.failed() && !o.noFail {
		return 1
	}
	return 0
}

func isSkip(err error) bool { return errors.Is(err, errSkip) }

func decodeJSON(b []byte, v any) error { return json.Unmarshal(b, v) }

// loadAvg is the machine's 1-minute load average (other processes compete
// for the same CPUs), or "?".
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) > 0 {
		return f[0]
	}
	return "?"
}

// runChild runs one profile in a child process (this binary with the same
// flags, -profiles p and -rows-out) and adds its rows to t.
func runChild(ctx context.Context, t *table, p string) error {
	f, err := os.CreateTemp("", "govbench-rows-*.json")
	if err != nil {
		return err
	}
	f.Close()
	defer os.Remove(f.Name())
	var args []string
	for _, a := range os.Args[1:] {
		if !strings.HasPrefix(a, "-profiles") && !strings.HasPrefix(a, "--profiles") {
			args = append(args, a)
		}
	}
	args = append(args, "-profiles="+p, "-rows-out="+f.Name())
	self, err := os.Executable()
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, self, args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("profile %s: %w", p, err)
	}
	b, err := os.ReadFile(f.Name())
	if err != nil {
		return err
	}
	var sub table
	if err := json.Unmarshal(b, &sub); err != nil {
		return fmt.Errorf("profile %s rows: %w", p, err)
	}
	t.Rows = append(t.Rows, sub.Rows...)
	t.Notes = append(t.Notes, sub.Notes...)
	return nil
}

func writeRows(path string, t *table) int {
	b, err := json.Marshal(t)
	if err == nil {
		err = os.WriteFile(path, b, 0o600)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "govbench:", err)
		return 2
	}
	return 0
}
