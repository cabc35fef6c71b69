package seed

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"

	"govapp/internal/policy"
)

// PoliciesJSON holds the demo policies with their interpretations: a JSON
// array of policy contents written after the city policies of Chinese
// governments (稳就业, 医保筹资, 住房公积金, 义务教育招生, 低保标准, 企业开办, 交管便民).
//
//go:embed policies.json
var PoliciesJSON []byte

// Policies creates and publishes the demo policies whose 文号 no policy has
// yet, without announcing them to anyone; running it again adds nothing. The
// guides they link to must be published first (see Guides).
func Policies(ctx context.Context, policies *policy.Service, out io.Writer) error {
	var list []policy.Content
	if err := json.Unmarshal(PoliciesJSON, &list); err != nil {
		return fmt.Errorf("seed: policies: %w", err)
	}
	existing, err := policies.ExistingDocNumbers(ctx)
	if err != nil {
		return err
	}
	actor := policy.Actor{Name: "seed"}
	n := 0
	for _, c := range list {
		if existing[c.DocNumber] {
			continue
		}
		d, err := policies.Create(ctx, actor, c)
		if err != nil {
			return fmt.Errorf("seed: policy %s: %w", c.DocNumber, err)
		}
		if _, err := policies.Publish(ctx, actor, d.ID, false); err != nil {
			return fmt.Errorf("seed: publish policy %s: %w", c.DocNumber, err)
		}
		n++
	}
	if n > 0 {
		fmt.Fprintf(out, "已发布 %d 个政策文件及其解读\n", n)
	}
	return nil
}
