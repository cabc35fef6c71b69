package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// loader runs load specs: by default in a child process (this same binary
// with -loadgen), so that the load generator's allocations and garbage
// collections are not the servers'; with -inproc in this process.
type loader struct {
	inproc bool
}

func (l loader) run(s loadSpec) (vegeta.Metrics, error) {
	if l.inproc {
		return runLoad(s), nil
	}
	spec, err := json.Marshal(s)
	if err != nil {
		return vegeta.Metrics{}, err
	}
	self, err := os.Executable()
	if err != nil {
		return vegeta.Metrics{}, err
	}
	var out, errOut bytes.Buffer
	cmd := exec.Command(self, "-loadgen", string(spec))
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return vegeta.Metrics{}, fmt.Errorf("load generator: %w: %s", err, bytes.TrimSpace(errOut.Bytes()))
	}
	var m vegeta.Metrics
	if err := json.Unmarshal(out.Bytes(), &m); err != nil {
		return vegeta.Metrics{}, fmt.Errorf("load generator output: %w", err)
	}
	return m, nil
}

// loadgenMain is the child process: run the spec, print its metrics as JSON.
func loadgenMain(spec string) int {
	var s loadSpec
	if err := json.Unmarshal([]byte(spec), &s); err != nil || len(s.URLs) == 0 {
		fmt.Fprintln(os.Stderr, "govbench -loadgen: bad spec:", spec, err)
		return 2
	}
	if err := json.NewEncoder(os.Stdout).Encode(runLoad(s)); err != nil {
		fmt.Fprintln(os.Stderr, "govbench -loadgen:", err)
		return 1
	}
	return 0
}
