package main

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"
)

const (
	rushResidents = 2000 // residents trying at once
	rushSlots     = 20   // slots they aim at
	rushCapacity  = 10   // places per slot
)

// benchRush is the booking rush of SPEC §10 at full size: 2,000 residents at
// once on 20 slots of capacity 10 → exactly 200 booked, every other answer a
// clean 409, no 5xx, and no slot over capacity in the database.
func benchRush(ctx context.Context, t *table, profile string, inst *instance, slots []slotRef) error {
	if len(slots) < rushSlots {
		return fmt.Errorf("only %d slots left for the rush", len(slots))
	}
	slots = slots[:rushSlots]
	d := inst.app.DB()
	for _, s := range slots {
		if _, err := d.ExecContext(ctx, d.Rebind(`UPDATE slots SET capacity = ? WHERE id = ?`), rushCapacity, s.ID); err != nil {
			return err
		}
	}
	people, err := residents(ctx, inst, "rush", rushResidents)
	if err != nil {
		return err
	}
	client := newClient(rushResidents)
	client.Transport.(*http.Transport).MaxConnsPerHost = 0
	defer client.CloseIdleConnections()
	statuses := make([]int, rushResidents)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range people {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			statuses[i] = postBookWith(client, inst.base, people[i].token, slots[i%rushSlots])
		}()
	}
	t0 := time.Now()
	close(start)
	wg.Wait()
	took := time.Since(t0)
	count := map[int]int{}
	for _, s := range statuses {
		count[s]++
	}
	var over, booked int
	for _, s := range slots {
		var n int
		if err := d.GetContext(ctx, &n, d.Rebind(`SELECT COUNT(*) FROM appointments WHERE slot_id = ? AND status = 'booked'`), s.ID); err != nil {
			return err
		}
		booked += n
		if n > rushCapacity {
			over++
		}
	}
	want := rushSlots * rushCapacity
	ok := count[http.StatusCreated] == want && count[http.StatusConflict] == rushResidents-want && booked == want && over == 0
	t.check(profile, "booking rush 2,000 × 20 slots × 10", fmt.Sprintf("%d booked, %d × 409, %d other, %d rows, 0 of 20 slots over capacity: %v; %v",
		count[http.StatusCreated], count[http.StatusConflict], rushResidents-count[http.StatusCreated]-count[http.StatusConflict], booked, over == 0, took.Round(time.Millisecond)),
		"exactly 200 booked, others 409", ok)
	return nil
}
