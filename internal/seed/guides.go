package seed

import (
	"context"
	"fmt"
	"io"

	"govapp/internal/guide"
	"govapp/internal/guide/seeddata"
)

// Guides imports and publishes the demo guides that do not exist yet; running
// it again adds nothing.
func Guides(ctx context.Context, guides *guide.Service, out io.Writer) error {
	rows, err := guide.ParseJSON(seeddata.GuidesJSON)
	if err != nil {
		return fmt.Errorf("seed: guides: %w", err)
	}
	existing, err := guides.ExistingCodes(ctx)
	if err != nil {
		return err
	}
	var fresh []guide.ImportRow
	for _, r := range rows {
		if !existing[r.Content.Code] {
			fresh = append(fresh, r)
		}
	}
	if len(fresh) == 0 {
		return nil
	}
	rep, err := guides.Import(ctx, guide.Actor{Name: "seed"}, fresh, guide.ImportOptions{Publish: true})
	if err != nil {
		return fmt.Errorf("seed: guides: %w", err)
	}
	if !rep.Committed {
		return fmt.Errorf("seed: guides refused: %+v", rep.Refusals)
	}
	fmt.Fprintf(out, "已导入并发布 %d 个办事指南\n", rep.Published)
	return nil
}
