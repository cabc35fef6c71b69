// Package guide holds the service guides (办事指南): drafts written by editors,
// immutable published versions, the catalogue residents browse and search, the
// one-time checklist (一次性告知), and bulk import.
package guide

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"govapp/internal/platform/errs"
	"govapp/internal/search"
)

// Statuses of a guide.
const (
	StatusDraft     = "draft"     // never published
	StatusPublished = "published" // residents see the latest version
	StatusRetired   = "retired"   // hidden from residents; history kept
)

// Audiences (服务对象).
const (
	AudiencePersonal = "personal" // 个人
	AudienceLegal    = "legal"    // 法人
)

// Material forms.
const (
	FormOriginal        = "original"
	FormCopy            = "copy"
	FormOriginalAndCopy = "original_and_copy"
)

// Step is one step of the process (基本流程).
type Step struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	TimeLimit   string `json:"time_limit"`
}

// Material is one item a resident must bring (申请材料).
type Material struct {
	Name        string `json:"name"`
	Form        string `json:"form"` // original, copy, original_and_copy
	Copies      int    `json:"copies"`
	Required    bool   `json:"required"`
	Condition   string `json:"condition"` // when not required: in which case it is needed
	TemplateURL string `json:"template_url"`
	Notes       string `json:"notes"`
}

// Hall is a place where the item is handled (办理地点).
type Hall struct {
	Name    string `json:"name"`
	Address string `json:"address"`
	Phone   string `json:"phone"`
	Hours   string `json:"hours"`
}

// Content is what an editor writes: every field of a guide but the system ones.
type Content struct {
	Code                  string     `json:"code"`
	Name                  string     `json:"name"`
	Audience              string     `json:"audience"`
	Category              string     `json:"category"`
	DepartmentID          int64      `json:"department_id"`
	LegalBasis            string     `json:"legal_basis"`
	ApplicableTo          string     `json:"applicable_to"`
	Process               []Step     `json:"process"`
	Materials             []Material `json:"materials"`
	Fees                  string     `json:"fees"`
	LegalTimeLimitDays    int        `json:"legal_time_limit_days"`
	PromisedTimeLimitDays int        `json:"promised_time_limit_days"`
	Phone                 string     `json:"phone"`
	ComplaintPhone        string     `json:"complaint_phone"`
	Halls                 []Hall     `json:"halls"`
	OnlineURL             string     `json:"online_url"`
	Bookable              bool       `json:"bookable"`
	MaxVisits             int        `json:"max_visits"`
	Keywords              []string   `json:"keywords"`
}

// Guide is a published version as residents read it.
type Guide struct {
	Content
	Department  string    `json:"department"`
	Status      string    `json:"status"`
	Version     int       `json:"version"`
	PublishedAt time.Time `json:"published_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Category is a theme of guides for an audience.
type Category struct {
	Code     string `db:"code" json:"code"`
	Name     string `db:"name" json:"name"`
	Audience string `db:"audience" json:"audience"`
	Order    int    `db:"sort_order" json:"-"`
}

// Errors.
var (
	ErrNotFound       = errs.New(errs.KindNotFound, "guide_not_found", "办事指南不存在或已下线")
	ErrVersionMissing = errs.New(errs.KindNotFound, "guide_version_not_found", "该版本不存在")
	ErrCodeTaken      = errs.New(errs.KindConflict, "guide_code_taken", "事项编码已存在")
	ErrIncomplete     = errs.New(errs.KindInvalid, "guide_incomplete", "办事指南内容不完整，不能发布")
	ErrNothingToPub   = errs.New(errs.KindConflict, "guide_unchanged", "草稿与已发布版本相同，无需重新发布")
	ErrRetired        = errs.New(errs.KindConflict, "guide_retired", "该事项已下线")
	ErrStale          = errs.New(errs.KindConflict, "guide_draft_stale", "草稿已被他人修改，请刷新后再编辑")
	ErrBadQuery       = search.ErrBadQuery
)

var (
	codePattern  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.\-]{1,63}$`)
	phonePattern = regexp.MustCompile(`^[0-9+\-() 转、,，]{3,40}$`)
)

// field-length limits, in characters.
const (
	maxName      = 100
	maxText      = 4000
	maxShort     = 200
	maxItems     = 50
	maxKeywords  = 20
	maxTimeLimit = 3650
)

type checker map[string]string

func (c checker) text(field, v string, max int, required bool) {
	switch n := utf8.RuneCountInString(strings.TrimSpace(v)); {
	case required && n == 0:
		c[field] = "不能为空"
	case n > max:
		c[field] = fmt.Sprintf("不能超过 %d 个字", max)
	case !utf8.ValidString(v) || strings.ContainsRune(v, 0):
		c[field] = "含有无效字符"
	}
}

func (c checker) url(field, v string) {
	if v == "" {
		return
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(v) > 500 {
		c[field] = "须为 http(s) 网址"
	}
}

// Normalize trims the content's text fields in place.
func (g *Content) Normalize() {
	g.Code = strings.TrimSpace(g.Code)
	g.Name = strings.TrimSpace(g.Name)
	g.Category = strings.TrimSpace(g.Category)
	g.Audience = strings.TrimSpace(g.Audience)
	for i := range g.Keywords {
		g.Keywords[i] = strings.TrimSpace(g.Keywords[i])
	}
	if g.Process == nil {
		g.Process = []Step{}
	}
	if g.Materials == nil {
		g.Materials = []Material{}
	}
	if g.Halls == nil {
		g.Halls = []Hall{}
	}
	if g.Keywords == nil {
		g.Keywords = []string{}
	}
}

// Validate checks the shape of a draft: formats and limits, naming each
// field at fault. categories is the set of known category codes.
func (g *Content) Validate(categories map[string]Category) error {
	c := checker{}
	if !codePattern.MatchString(g.Code) {
		c["code"] = "须为 2–64 位字母、数字或 ._-"
	}
	c.text("name", g.Name, maxName, true)
	if g.Audience != AudiencePersonal && g.Audience != AudienceLegal {
		c["audience"] = "须为 personal（个人）或 legal（法人）"
	}
	if cat, ok := categories[g.Category]; !ok {
		c["category"] = "未知的分类"
	} else if cat.Audience != "both" && g.Audience != "" && cat.Audience != g.Audience {
		c["category"] = "分类与服务对象不符"
	}
	if g.DepartmentID < 0 {
		c["department_id"] = "无效的部门"
	}
	c.text("legal_basis", g.LegalBasis, maxText, false)
	c.text("applicable_to", g.ApplicableTo, maxText, false)
	c.text("fees", g.Fees, maxShort*5, false)
	validateItems(c, g)
	for f, v := range map[string]int{"legal_time_limit_days": g.LegalTimeLimitDays, "promised_time_limit_days": g.PromisedTimeLimitDays} {
		if v < 0 || v > maxTimeLimit {
			c[f] = fmt.Sprintf("须为 0–%d 天", maxTimeLimit)
		}
	}
	if g.LegalTimeLimitDays > 0 && g.PromisedTimeLimitDays > g.LegalTimeLimitDays {
		c["promised_time_limit_days"] = "承诺时限不能超过法定时限"
	}
	for f, v := range map[string]string{"phone": g.Phone, "complaint_phone": g.ComplaintPhone} {
		if v != "" && !phonePattern.MatchString(v) {
			c[f] = "不是有效的电话号码"
		}
	}
	c.url("online_url", g.OnlineURL)
	if g.MaxVisits < 0 || g.MaxVisits > 10 {
		c["max_visits"] = "须为 0–10 次"
	}
	if len(c) > 0 {
		return errs.Invalid(c)
	}
	return nil
}

func validateItems(c checker, g *Content) {
	if len(g.Process) > maxItems || len(g.Materials) > maxItems || len(g.Halls) > maxItems {
		c["process"] = fmt.Sprintf("流程、材料、地点各不能超过 %d 项", maxItems)
		return
	}
	for i, s := range g.Process {
		p := fmt.Sprintf("process[%d].", i)
		c.text(p+"name", s.Name, maxShort, true)
		c.text(p+"description", s.Description, maxText, false)
		c.text(p+"time_limit", s.TimeLimit, maxShort, false)
	}
	for i, m := range g.Materials {
		p := fmt.Sprintf("materials[%d].", i)
		c.text(p+"name", m.Name, maxShort, true)
		if m.Form != FormOriginal && m.Form != FormCopy && m.Form != FormOriginalAndCopy {
			c[p+"form"] = "须为 original、copy 或 original_and_copy"
		}
		if m.Copies < 0 || m.Copies > 99 {
			c[p+"copies"] = "须为 0–99 份"
		}
		if !m.Required && strings.TrimSpace(m.Condition) == "" {
			c[p+"condition"] = "非必需材料须说明在什么情况下需要"
		}
		c.text(p+"condition", m.Condition, maxShort, false)
		c.text(p+"notes", m.Notes, maxShort*2, false)
		c.url(p+"template_url", m.TemplateURL)
	}
	for i, h := range g.Halls {
		p := fmt.Sprintf("halls[%d].", i)
		c.text(p+"name", h.Name, maxShort, true)
		c.text(p+"address", h.Address, maxShort, true)
		c.text(p+"hours", h.Hours, maxShort, false)
		if h.Phone != "" && !phonePattern.MatchString(h.Phone) {
			c[p+"phone"] = "不是有效的电话号码"
		}
	}
	if len(g.Keywords) > maxKeywords {
		c["keywords"] = fmt.Sprintf("关键词不能超过 %d 个", maxKeywords)
	}
	for i, k := range g.Keywords {
		c.text(fmt.Sprintf("keywords[%d]", i), k, 20, true)
	}
}

// Complete checks what publishing needs beyond a valid draft: a department,
// the legal basis, at least one step, the fees, the phone and a hall or an
// online address.
func (g *Content) Complete() error {
	c := checker{}
	if g.DepartmentID == 0 {
		c["department_id"] = "发布前须指定受理单位"
	}
	for f, v := range map[string]string{"legal_basis": g.LegalBasis, "fees": g.Fees, "phone": g.Phone} {
		if strings.TrimSpace(v) == "" {
			c[f] = "发布前须填写"
		}
	}
	if len(g.Process) == 0 {
		c["process"] = "发布前须填写办理流程"
	}
	if len(g.Halls) == 0 && g.OnlineURL == "" {
		c["halls"] = "发布前须填写办理地点或网上办理地址"
	}
	if len(c) > 0 {
		e := ErrIncomplete.WithMessage("办事指南内容不完整，不能发布")
		e.Fields = c
		return e
	}
	return nil
}
