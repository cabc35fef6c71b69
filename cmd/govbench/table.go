package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"
)

// Outcomes of a row.
const (
	statusInfo = ""
	statusOK   = "ok"
	statusFail = "FAIL"
	statusSkip = "skipped"
)

// row is one line of the report: a figure and, when it has one, its bar.
type row struct {
	profile, name, value, bar, status string
}

// table collects the rows of the whole run.
type table struct {
	rows  []row
	notes []string
}

// info adds a figure without a bar.
func (t *table) info(profile, name, value string) {
	t.rows = append(t.rows, row{profile: profile, name: name, value: value})
	progress("%-10s %-38s %s", profile, name, value)
}

// check adds a figure with its bar and whether the bar holds.
func (t *table) check(profile, name, value, bar string, ok bool) {
	st := statusOK
	if !ok {
		st = statusFail
	}
	t.rows = append(t.rows, row{profile: profile, name: name, value: value, bar: bar, status: st})
	progress("%-10s %-38s %s  (%s: %s)", profile, name, value, bar, st)
}

// skip records a benchmark that could not run, and why.
func (t *table) skip(profile, name, why string) {
	t.rows = append(t.rows, row{profile: profile, name: name, value: why, status: statusSkip})
	progress("%-10s %-38s skipped: %s", profile, name, why)
}

// fail records a benchmark that broke before giving a figure.
func (t *table) fail(profile, name string, err error) {
	t.rows = append(t.rows, row{profile: profile, name: name, value: "error: " + err.Error(), status: statusFail})
	progress("%-10s %-38s error: %v", profile, name, err)
}

func (t *table) note(format string, args ...any) {
	t.notes = append(t.notes, fmt.Sprintf(format, args...))
}

// failed reports whether any bar failed.
func (t *table) failed() bool {
	for _, r := range t.rows {
		if r.status == statusFail {
			return true
		}
	}
	return false
}

func (t *table) print(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PROFILE\tBENCHMARK\tRESULT\tBAR\tSTATUS")
	for _, r := range t.rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.profile, r.name, r.value, r.bar, r.status)
	}
	_ = tw.Flush()
	for _, n := range t.notes {
		fmt.Fprintln(w, "note:", n)
	}
}

var started = time.Now()

// progress prints what the run is doing to stderr, so that the table on
// stdout stays clean.
func progress(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	fmt.Fprintf(os.Stderr, "[%5.1fs] %s\n", time.Since(started).Seconds(), strings.TrimRight(msg, " "))
}

func reqPerSec(v float64) string { return fmt.Sprintf("%.0f req/s", v) }

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

func pct(v float64) string { return fmt.Sprintf("%.2f %%", v*100) }
