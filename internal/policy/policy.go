// Package policy holds the policies a city publishes (政策发布) with their
// interpretations (解读): drafts written by editors, immutable published
// versions (a correction is a new version with a changelog), withdrawal with
// a reason readers see, the catalogue residents browse and search, topic
// subscriptions, and the release fan-out through the push pipeline.
package policy

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

// Statuses of a policy.
const (
	StatusDraft     = "draft"     // never published
	StatusPublished = "published" // residents read the latest version
	StatusWithdrawn = "withdrawn" // residents see only that it was withdrawn, and why
	// StatusPreview marks what Preview returns: a draft as it would read.
	StatusPreview = "preview"
)

// Kinds of interpretation.
const (
	KindText    = "text"    // 文字解读
	KindGraphic = "graphic" // 图解
	KindVideo   = "video"   // 视频解读
)

// DateLayout is how policy dates are written: a calendar day in the city's zone.
const DateLayout = "2006-01-02"

// Attachment is a file published with a policy (附件).
type Attachment struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

// Interpretation explains a policy (政策解读): a text, a 图解 image or a video,
// by its author (the drafting department or an expert).
type Interpretation struct {
	Kind     string `json:"kind"`
	Title    string `json:"title"`
	Text     string `json:"text"`
	ImageURL string `json:"image_url"`
	VideoURL string `json:"video_url"`
	Author   string `json:"author"`
}

// Content is what an editor writes: every field of a policy but the system ones.
type Content struct {
	Title         string `json:"title"`
	DocNumber     string `json:"doc_number"` // 文号, e.g. 长政办发〔2025〕12号
	Issuer        string `json:"issuer"`     // 发文机关
	IssueDate     string `json:"issue_date"` // 成文日期, YYYY-MM-DD
	EffectiveDate string `json:"effective_date"`
	// Body is sanitised HTML: whatever an editor sends is cleaned on input.
	Body            string           `json:"body"`
	Attachments     []Attachment     `json:"attachments"`
	Topics          []string         `json:"topics"`
	Major           bool             `json:"major"` // 重大政策: published only with an interpretation
	Interpretations []Interpretation `json:"interpretations"`
	RelatedGuides   []string         `json:"related_guides"` // codes of service guides
}

// GuideRef is a related service guide as residents see it.
type GuideRef struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// Correction is one corrected version and what it changed.
type Correction struct {
	Version int       `json:"version"`
	Note    string    `json:"note"`
	At      time.Time `json:"at"`
}

// Policy is a published version as residents read it.
type Policy struct {
	ID int64 `json:"id"`
	Content
	TopicNames     []string     `json:"topic_names"`
	Guides         []GuideRef   `json:"guides"`
	Status         string       `json:"status"`
	Version        int          `json:"version"`
	Corrections    []Correction `json:"corrections"`
	PublishedAt    time.Time    `json:"published_at"` // first publication
	UpdatedAt      time.Time    `json:"updated_at"`   // this version
	WithdrawReason string       `json:"withdraw_reason,omitempty"`
	WithdrawnAt    *time.Time   `json:"withdrawn_at,omitempty"`
}

// Topic is a theme residents subscribe to.
type Topic struct {
	Code  string `db:"code" json:"code"`
	Name  string `db:"name" json:"name"`
	Order int    `db:"sort_order" json:"-"`
}

// Errors.
var (
	ErrNotFound         = errs.New(errs.KindNotFound, "policy_not_found", "政策文件不存在")
	ErrVersionMissing   = errs.New(errs.KindNotFound, "policy_version_not_found", "该版本不存在")
	ErrNeedInterpreting = errs.New(errs.KindConflict, "policy_interpretation_required", "重大政策须与政策解读一并发布，请先添加解读")
	ErrIncomplete       = errs.New(errs.KindInvalid, "policy_incomplete", "政策内容不完整，不能发布")
	ErrAlreadyPublished = errs.New(errs.KindConflict, "policy_already_published", "该政策已发布，修改后请通过“更正”发布新版本")
	ErrNotPublished     = errs.New(errs.KindConflict, "policy_not_published", "该政策尚未发布")
	ErrUnchanged        = errs.New(errs.KindConflict, "policy_unchanged", "草稿与已发布版本相同，无需更正")
	ErrWithdrawn        = errs.New(errs.KindConflict, "policy_withdrawn", "该政策已撤回，不能再修改或发布")
	ErrStale            = errs.New(errs.KindConflict, "policy_draft_stale", "草稿已被他人修改，请刷新后再编辑")
	ErrBadQuery         = search.ErrBadQuery
)

// messages of field errors.
const (
	msgUnknownTopic     = "未知的主题"
	msgUnpublishedGuide = "办事指南不存在或未发布"
)

var (
	guideCodePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.\-]{1,63}$`)
	controlChars     = regexp.MustCompile(`[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]`)
)

// field-length limits, in characters.
const (
	maxTitle           = 200
	maxDocNumber       = 64
	maxIssuer          = 100
	maxBody            = 100_000
	maxInterpretText   = 20_000
	maxShort           = 200
	maxNote            = 500
	maxAttachments     = 20
	maxTopics          = 8
	maxInterpretations = 10
	maxRelatedGuides   = 20
)

type checker map[string]string

func (c checker) text(field, v string, max int, required bool) {
	switch n := utf8.RuneCountInString(strings.TrimSpace(v)); {
	case required && n == 0:
		c[field] = "不能为空"
	case n > max:
		c[field] = fmt.Sprintf("不能超过 %d 个字", max)
	case !utf8.ValidString(v) || controlChars.MatchString(v):
		c[field] = "含有无效字符"
	}
}

// url accepts an absolute http(s) address.
func (c checker) url(field, v string, required bool) {
	if v == "" {
		if required {
			c[field] = "不能为空"
		}
		return
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(v) > 500 || u.User != nil {
		c[field] = "须为 http(s) 网址"
	}
}

func (c checker) date(field, v string, required bool) {
	if v == "" {
		if required {
			c[field] = "不能为空"
		}
		return
	}
	if _, err := time.Parse(DateLayout, v); err != nil {
		c[field] = "须为日期，格式 YYYY-MM-DD"
	}
}

// Normalize trims the content's text fields in place and replaces nil lists
// with empty ones.
func (p *Content) Normalize() {
	for _, s := range []*string{&p.Title, &p.DocNumber, &p.Issuer, &p.IssueDate, &p.EffectiveDate} {
		*s = strings.TrimSpace(*s)
	}
	p.Body = strings.TrimSpace(p.Body)
	if p.Attachments == nil {
		p.Attachments = []Attachment{}
	}
	for i := range p.Attachments {
		p.Attachments[i].Name = strings.TrimSpace(p.Attachments[i].Name)
		p.Attachments[i].URL = strings.TrimSpace(p.Attachments[i].URL)
	}
	p.Topics = trimAll(p.Topics)
	p.RelatedGuides = trimAll(p.RelatedGuides)
	if p.Interpretations == nil {
		p.Interpretations = []Interpretation{}
	}
	for i := range p.Interpretations {
		in := &p.Interpretations[i]
		for _, s := range []*string{&in.Kind, &in.Title, &in.ImageURL, &in.VideoURL, &in.Author} {
			*s = strings.TrimSpace(*s)
		}
		in.Text = strings.TrimSpace(in.Text)
	}
}

// trimAll trims every item and drops empty ones and repeats, keeping the order.
func trimAll(list []string) []string {
	out := make([]string, 0, len(list))
	seen := map[string]bool{}
	for _, s := range list {
		s = strings.TrimSpace(s)
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// Validate checks the shape of a draft: formats and limits, naming each field
// at fault. topics is the set of known topic codes.
func (p *Content) Validate(topics map[string]Topic) error {
	c := checker{}
	c.text("title", p.Title, maxTitle, true)
	c.text("doc_number", p.DocNumber, maxDocNumber, false)
	c.text("issuer", p.Issuer, maxIssuer, false)
	c.date("issue_date", p.IssueDate, false)
	c.date("effective_date", p.EffectiveDate, false)
	if n := utf8.RuneCountInString(p.Body); n > maxBody {
		c["body"] = fmt.Sprintf("不能超过 %d 个字", maxBody)
	} else if !utf8.ValidString(p.Body) {
		c["body"] = "含有无效字符"
	}
	if len(p.Attachments) > maxAttachments {
		c["attachments"] = fmt.Sprintf("附件不能超过 %d 个", maxAttachments)
	}
	for i, a := range p.Attachments {
		c.text(fmt.Sprintf("attachments[%d].name", i), a.Name, maxShort, true)
		c.url(fmt.Sprintf("attachments[%d].url", i), a.URL, true)
	}
	if len(p.Topics) > maxTopics {
		c["topics"] = fmt.Sprintf("主题不能超过 %d 个", maxTopics)
	}
	for i, t := range p.Topics {
		if _, ok := topics[t]; !ok {
			c[fmt.Sprintf("topics[%d]", i)] = msgUnknownTopic
		}
	}
	validateInterpretations(c, p.Interpretations)
	if len(p.RelatedGuides) > maxRelatedGuides {
		c["related_guides"] = fmt.Sprintf("关联办事指南不能超过 %d 个", maxRelatedGuides)
	}
	for i, g := range p.RelatedGuides {
		if !guideCodePattern.MatchString(g) {
			c[fmt.Sprintf("related_guides[%d]", i)] = "不是有效的事项编码"
		}
	}
	if len(c) > 0 {
		return errs.Invalid(c)
	}
	return nil
}

func validateInterpretations(c checker, list []Interpretation) {
	if len(list) > maxInterpretations {
		c["interpretations"] = fmt.Sprintf("解读不能超过 %d 篇", maxInterpretations)
		return
	}
	for i, in := range list {
		f := fmt.Sprintf("interpretations[%d].", i)
		c.text(f+"title", in.Title, maxTitle, true)
		c.text(f+"author", in.Author, maxIssuer, false)
		c.text(f+"text", in.Text, maxInterpretText, in.Kind == KindText)
		c.url(f+"image_url", in.ImageURL, in.Kind == KindGraphic)
		c.url(f+"video_url", in.VideoURL, in.Kind == KindVideo)
		if in.Kind != KindText && in.Kind != KindGraphic && in.Kind != KindVideo {
			c[f+"kind"] = "须为 text（文字解读）、graphic（图解）或 video（视频解读）"
		}
	}
}

// Complete checks what publishing needs beyond a valid draft: the issuing
// body, the issue date, a body and at least one topic. A major policy also
// needs an interpretation (ErrNeedInterpreting, checked by the service).
func (p *Content) Complete() error {
	c := checker{}
	for f, v := range map[string]string{"issuer": p.Issuer, "issue_date": p.IssueDate, "body": p.Body} {
		if v == "" {
			c[f] = "发布前须填写"
		}
	}
	if len(p.Topics) == 0 {
		c["topics"] = "发布前须选择至少一个主题"
	}
	if len(c) > 0 {
		e := ErrIncomplete.WithMessage(ErrIncomplete.Message)
		e.Fields = c
		return e
	}
	return nil
}
