package seed_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"regexp"
	"strings"
	"testing"

	"govapp/internal/guide"
	"govapp/internal/guide/seeddata"
	"govapp/internal/platform/cache"
	"govapp/internal/platform/db"
	"govapp/internal/platform/db/dbtest"
	"govapp/internal/policy"
	"govapp/internal/seed"
)

// seededGuides names the guides of the guide seed, as the catalogue would once
// seed.Guides has run.
type seededGuides map[string]string

func (g seededGuides) GuideName(_ context.Context, code string) (string, bool, error) {
	n, ok := g[code]
	return n, ok, nil
}

func guideSeed(t *testing.T) seededGuides {
	t.Helper()
	rows, err := guide.ParseJSON(seeddata.GuidesJSON)
	if err != nil {
		t.Fatal(err)
	}
	out := seededGuides{}
	for _, r := range rows {
		out[r.Content.Code] = r.Content.Name
	}
	return out
}

var docNumber = regexp.MustCompile(`^长\p{Han}+〔20\d\d〕\d+号$`)

func TestPolicies(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		t.Parallel()
		ctx := context.Background()
		s := policy.NewService(d, slog.New(slog.DiscardHandler), nil, guideSeed(t), policy.Options{SharedCache: cache.NewMemory(0)})
		if err := s.Load(ctx); err != nil {
			t.Fatal(err)
		}
		var first bytes.Buffer
		if err := seed.Policies(ctx, s, &first); err != nil {
			t.Fatal(err)
		}
		n := s.Catalog().Len()
		if n < 5 || n > 8 || !strings.Contains(first.String(), "已发布") {
			t.Fatalf("%d policies published, printed %q", n, first.String())
		}

		t.Run("a second run creates and prints nothing", func(t *testing.T) {
			var second bytes.Buffer
			if err := seed.Policies(ctx, s, &second); err != nil {
				t.Fatal(err)
			}
			var count int
			if err := d.Get(&count, `SELECT COUNT(*) FROM policies`); err != nil {
				t.Fatal(err)
			}
			if second.Len() != 0 || count != n {
				t.Fatalf("second run printed %q; %d policies, want %d", second.String(), count, n)
			}
		})

		t.Run("nothing is announced", func(t *testing.T) {
			var msgs int
			if err := d.Get(&msgs, `SELECT COUNT(*) FROM push_messages`); err != nil || msgs != 0 {
				t.Fatalf("%d push messages (%v)", msgs, err)
			}
		})

		t.Run("every topic has a policy and every policy is complete", func(t *testing.T) {
			want := "就业创业,社会保障,住房,教育,医疗卫生,企业服务,民生保障,交通出行"
			var names []string
			for _, tc := range s.TopicCounts() {
				names = append(names, tc.Name)
				if tc.Count == 0 {
					t.Errorf("topic %s has no policy", tc.Name)
				}
			}
			if got := strings.Join(names, ","); got != want {
				t.Fatalf("topics %s, want %s", got, want)
			}
			page, err := s.List(policy.ListQuery{Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			majors := 0
			for _, h := range page.Items {
				p, err := s.Get(ctx, h.ID)
				if err != nil {
					t.Fatal(err)
				}
				if !docNumber.MatchString(p.DocNumber) || p.Issuer == "" || p.IssueDate == "" {
					t.Errorf("%s: 文号 %q, issuer %q, date %q", p.Title, p.DocNumber, p.Issuer, p.IssueDate)
				}
				if len(p.Interpretations) == 0 || len(p.Guides) != len(p.RelatedGuides) || len(p.Guides) == 0 {
					t.Errorf("%s: %d interpretations, %d of %d related guides found", p.Title, len(p.Interpretations), len(p.Guides), len(p.RelatedGuides))
				}
				if p.Major {
					majors++
				}
			}
			if majors == 0 {
				t.Error("no major policy among the seeds")
			}
		})

		t.Run("the seed bodies are already clean", func(t *testing.T) {
			var list []policy.Content
			if err := json.Unmarshal(seed.PoliciesJSON, &list); err != nil {
				t.Fatal(err)
			}
			san := policy.NewSanitizer(nil)
			for _, c := range list {
				if got := san.HTML(c.Body); got != c.Body {
					t.Errorf("%s: the sanitiser changes the body:\n%s\n%s", c.DocNumber, c.Body, got)
				}
			}
		})
	})
}
