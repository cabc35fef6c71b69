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
	Profile, Name, Value, Bar, Status string
}

// table collects the rows of the whole run.
type table struct {
	Rows  []row
	Notes []string
}

// info adds a figure without a bar.
func (t *table) info(profile, name, value string) {
	t.Rows = append(t.Rows, row{Profile: profile, Name: name, Value: value})
	progress("%-10s %-38s %s", profile, name, value)
}

// check adds a figure with its bar and whether the bar holds.
func (t *table) check(profile, name, value, bar string, ok bool) {
	st := statusOK
	if !ok {
		st = statusFail
	}
	t.Rows = append(t.Rows, row{Profile: profile, Name: name, Value: value, Bar: bar, Status: st})
	progress("%-10s %-38s %s  (%s: %s)", profile, name, value, bar, st)
}

// skip records a benchmark that could not run, and why.
func (t *table) skip(profile, name, why string) {
	t.Rows = append(t.Rows, row{Profile: profile, Name: name, Value: why, Status: statusSkip})
	progress("%-10s %-38s skipped: %s", profile, name, why)
}

// fail records a benchmark that broke before giving a figure.
func (t *table) fail(profile, name string, err error) {
	t.Rows = append(t.Rows, row{Profile: profile, Name: name, Value: "error: " + err.Error(), Status: statusFail})
	progress("%-10s %-38s error: %v", profile, name, err)
}

func (t *table) note(format string, args ...any) {
	t.Notes = append(t.Notes, fmt.Sprintf(format, args...))
}

// failed reports whether any bar failed.
func (t *table) failed() bool {
	for _, r := range t.Rows {
		if r.Status == statusFail {
			return true
		}
	}
	return false
}

func (t *table) print(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PROFILE\tBENCHMARK\tRESULT\tBAR\tSTATUS")
	for _, r := range t.Rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Profile, r.Name, r.Value, r.Bar, r.Status)
	}
	_ = tw.Flush()
	for _, n := range t.Notes {
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
