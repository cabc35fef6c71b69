package guide

// ChecklistItem is one thing to bring.
type ChecklistItem struct {
	Name        string `json:"name"`
	Form        string `json:"form"`
	FormLabel   string `json:"form_label"`
	Copies      int    `json:"copies"`
	Required    bool   `json:"required"`
	Condition   string `json:"condition,omitempty"`
	Notes       string `json:"notes,omitempty"`
	TemplateURL string `json:"template_url,omitempty"`
}

// Checklist is the 一次性告知 list: everything a resident must bring and know,
// on one page.
type Checklist struct {
	Code                  string          `json:"code"`
	Name                  string          `json:"name"`
	Version               int             `json:"version"`
	Department            string          `json:"department"`
	Materials             []ChecklistItem `json:"materials"`
	Fees                  string          `json:"fees"`
	LegalTimeLimitDays    int             `json:"legal_time_limit_days"`
	PromisedTimeLimitDays int             `json:"promised_time_limit_days"`
	MaxVisits             int             `json:"max_visits"`
	Steps                 []string        `json:"steps"`
	Halls                 []Hall          `json:"halls"`
	Phone                 string          `json:"phone"`
	ComplaintPhone        string          `json:"complaint_phone"`
	OnlineURL             string          `json:"online_url,omitempty"`
	Bookable              bool            `json:"bookable"`
}

var formLabels = map[string]string{
	FormOriginal:        "原件",
	FormCopy:            "复印件",
	FormOriginalAndCopy: "原件及复印件",
}

// NewChecklist builds the checklist of a published guide: required materials
// first, then the conditional ones, in the editor's order.
func NewChecklist(g *Guide) Checklist {
	c := Checklist{Code: g.Code, Name: g.Name, Version: g.Version, Department: g.Department, Fees: g.Fees,
		LegalTimeLimitDays: g.LegalTimeLimitDays, PromisedTimeLimitDays: g.PromisedTimeLimitDays, MaxVisits: g.MaxVisits,
		Halls: g.Halls, Phone: g.Phone, ComplaintPhone: g.ComplaintPhone, OnlineURL: g.OnlineURL, Bookable: g.Bookable,
		Materials: []ChecklistItem{}, Steps: []string{}}
	if c.Fees == "" {
		c.Fees = "不收费"
	}
	for _, required := range []bool{true, false} {
		for _, m := range g.Materials {
			if m.Required != required {
				continue
			}
			c.Materials = append(c.Materials, ChecklistItem{Name: m.Name, Form: m.Form, FormLabel: formLabels[m.Form],
				Copies: max(m.Copies, 1), Required: m.Required, Condition: m.Condition, Notes: m.Notes, TemplateURL: m.TemplateURL})
		}
	}
	for _, s := range g.Process {
		c.Steps = append(c.Steps, s.Name)
	}
	if c.Halls == nil {
		c.Halls = []Hall{}
	}
	return c
}
