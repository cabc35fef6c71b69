// Package redact removes personal data from the text of a hotline or mailbox
// ticket before its result is published (办理结果网上公开, SPEC §5).
//
// Redact is pure and deterministic: it finds mainland mobile and landline
// numbers, ID-card numbers (18-digit with a valid ISO 7064 MOD 11-2 check
// digit, 15-digit old style), vehicle plates, Chinese personal names in the
// places where tickets carry them (after 我叫/本人/姓名/联系人…, before
// 先生/女士/师傅…, and the names recorded on the ticket, passed in
// Options.KnownNames, wherever they occur), house,
// building and room numbers (the district, street, road and community names
// are kept), e-mail addresses, bank-card numbers (Luhn), QQ/WeChat account
// names and the submitter's own identity strings. Each is replaced by a
// placeholder that keeps the sentence readable, and reported as a Span so the
// console can show the operator a diff (Diff) and let them drop a span before
// publishing (Apply).
//
// It keeps what the public needs to read the result: amounts, dates and
// times, counts, tracking numbers (MB…/HL…), document and law citations,
// department names, districts, streets and communities, the 12345 hotline and
// the other official short numbers, 400/800 service numbers, and the public
// numbers passed in Options.PublicNumbers (a department's duty line, a
// hall's phone), however they are written.
//
// The detectors read a normalised view of the text, so that a number split
// by invisible characters (U+200B and the other format characters), by dots,
// underscores, slashes, tildes or single spaces, or written in full-width
// digits or Chinese numerals (一三八…, 幺三八…) is still found; the spans are
// those of the original, separators included. ShowInvisible makes the
// invisible characters visible for the operator, StripInvisible removes
// them before publication.
//
// All offsets are in runes of the original text. Invalid UTF-8 in the input
// is read as U+FFFD, so the output is always valid UTF-8.
package redact

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
)

// Kinds of personal data, as reported in Span.Kind.
const (
	KindPhone     = "phone"     // mainland mobile number
	KindLandline  = "landline"  // fixed-line number, with or without area code and extension
	KindIDCard    = "id_card"   // resident ID-card number
	KindPlate     = "plate"     // vehicle plate number
	KindName      = "name"      // personal name
	KindAddress   = "address"   // house, building, unit and room numbers
	KindEmail     = "email"     // e-mail address
	KindBankCard  = "bank_card" // bank-card number
	KindAccount   = "account"   // QQ number or WeChat ID given as contact
	KindSubmitter = "submitter" // one of Options.SubmitterIdentity
)

// Placeholders written in place of what is removed.
const (
	MobileMask      = "1**********"
	LandlineMask    = "********"
	IDCardMask      = "[身份证号]"
	BankCardMask    = "[银行卡号]"
	EmailMask       = "[邮箱]"
	AccountMask     = "[账号]"
	NameMask        = "某某" // a full name
	SurnameMask     = "某"  // a surname before 先生/女士/…, or after 姓
	AddressMask     = "**"
	SubmitterMask   = "***"
	plateMaskSymbol = "*"
)

// Options tell Redact what it cannot know from the text alone.
type Options struct {
	// KnownNames are personal names removed wherever they occur: the
	// submitter's real name, the caller's name recorded by the operator, the
	// names of other people recorded on the ticket. Names shorter than two
	// characters are ignored (a single character would wipe ordinary words).
	// A space between the characters of a name in the text still matches.
	KnownNames []string
	// SubmitterIdentity are strings that identify the submitter on the
	// platform — WeChat nickname, openid, account name — removed wherever
	// they occur (ASCII letters match regardless of case). Strings shorter
	// than two characters are ignored.
	SubmitterIdentity []string
	// Allow lists exact strings never redacted, even if they look like
	// personal data: a department's public office number quoted in the reply,
	// the name of a public official when the operator decides it may stay.
	Allow []string
	// PublicNumbers are phone numbers published for anyone to call — a
	// department's duty line, a service hall's phone, a complaint line —
	// kept wherever they occur, however they are written (compared by their
	// digits; see public.go).
	PublicNumbers []string
}

// Span is one removed piece of the original text.
type Span struct {
	Start       int    `json:"start"` // rune offset in the original, inclusive
	End         int    `json:"end"`   // rune offset in the original, exclusive
	Kind        string `json:"kind"`  // one of the Kind constants
	Original    string `json:"original"`
	Replacement string `json:"replacement"`
}

// Result is the redacted text and what was removed, ordered by Start; spans
// never overlap.
type Result struct {
	Text  string `json:"text"`
	Spans []Span `json:"spans"`
}

// Changed reports whether anything was removed.
func (r Result) Changed() bool { return len(r.Spans) > 0 }

// Kinds counts the spans per kind.
func (r Result) Kinds() map[string]int {
	m := make(map[string]int, len(r.Spans))
	for _, s := range r.Spans {
		m[s.Kind]++
	}
	return m
}

// candidate is a span proposed by a detector before overlaps are resolved.
type candidate struct {
	start, end int
	kind       string
	repl       string
	prio       int
}

// Priorities: when two candidates overlap, the higher one wins, then the
// longer, then the earlier.
const (
	prioSubmitter = 100
	prioEmail     = 90
	prioIDCard    = 80
	prioBankCard  = 75
	prioPhone     = 70
	prioAccount   = 65
	prioPlate     = 60
	prioKnownName = 55
	prioName      = 50
	prioAddress   = 40
)

// scan holds one text being redacted.
type scan struct {
	f         []rune // the text as the detectors read it (view.f)
	v         *view
	protected []bool // runes that no span may touch (nil when none)
	pub       publicSet
	cands     []candidate

	// buffers reused by the number scanner
	groupBuf []group
	digitBuf []byte
	segBuf   []byte
	ctx      *numberContext // the context of the last number start classified
}

func (s *scan) add(start, end int, kind, repl string, prio int) {
	if start < 0 || end > len(s.f) || start >= end {
		return
	}
	s.cands = append(s.cands, candidate{start: start, end: end, kind: kind, repl: repl, prio: prio})
}

func (s *scan) protect(start, end int) {
	if s.protected == nil {
		s.protected = make([]bool, len(s.f))
	}
	for i := max(start, 0); i < end && i < len(s.f); i++ {
		s.protected[i] = true
	}
}

// Redact returns text with personal data replaced by placeholders, and the
// spans it replaced.
//
// The result is stable: redacting r.Text again with the same options changes
// nothing. When a replacement brings together text that a detector reads
// differently (a placeholder next to the rest of a name), the pass is
// repeated on the output and the new finds are merged into the spans, up to
// maxPasses times.
func Redact(text string, opts Options) Result {
	if text == "" {
		return Result{Text: "", Spans: []Span{}}
	}
	orig := []rune(text)
	pub := newPublicSet(opts.PublicNumbers)
	spans := detect(orig, opts, pub)
	if len(spans) == 0 {
		return Result{Text: string(orig), Spans: []Span{}}
	}
	out := apply(orig, spans)
	for range maxPasses - 1 {
		more := detect(out, opts, pub)
		if len(more) == 0 {
			break
		}
		spans = compose(orig, spans, out, more)
		out = apply(orig, spans)
	}
	return Result{Text: string(out), Spans: spans}
}

// maxPasses bounds the passes of Redact. On real texts the check pass finds
// nothing; contrived input (found by fuzzing) can need a third.
const maxPasses = 4

// detect runs every detector over one text and resolves the overlaps. The
// detectors read the text's view (invisible characters and marks dropped,
// compatibility forms decomposed, folded); the spans they find are mapped
// back to the original.
func detect(orig []rune, opts Options, pub publicSet) []Span {
	v := newView(orig)
	s := &scan{f: v.f, v: v, pub: pub}

	for _, a := range opts.Allow {
		for _, m := range findAll(s.f, foldString(a), false) {
			s.protect(m[0], m[1])
		}
	}
	s.submitter(opts.SubmitterIdentity)
	s.emails()
	s.accounts()
	s.numbers()
	s.plates()
	s.knownNames(opts.KnownNames)
	s.names()
	s.addresses()
	return v.spans(orig, s.resolve())
}

// resolve picks non-overlapping candidates by priority, then length, then
// position, skipping any that touch a protected rune.
func (s *scan) resolve() []Span {
	if len(s.cands) == 0 {
		return nil
	}
	slices.SortFunc(s.cands, func(a, b candidate) int {
		if c := cmp.Compare(b.prio, a.prio); c != 0 {
			return c
		}
		if c := cmp.Compare(b.end-b.start, a.end-a.start); c != 0 {
			return c
		}
		return cmp.Compare(a.start, b.start)
	})
	taken := make([]bool, len(s.f))
	var out []Span
next:
	for _, c := range s.cands {
		for i := c.start; i < c.end; i++ {
			if taken[i] || (s.protected != nil && s.protected[i]) {
				continue next
			}
		}
		for i := c.start; i < c.end; i++ {
			taken[i] = true
		}
		if (c.kind == KindPhone || c.kind == KindLandline) && s.pub.has(c.kind, digitsOf(s.f[c.start:c.end])) {
			continue // a public number: kept, and no other detector reads its digits
		}
		out = append(out, Span{Start: c.start, End: c.end, Kind: c.kind, Replacement: c.repl}) // Original: set by view.spans
	}
	slices.SortFunc(out, func(a, b Span) int { return cmp.Compare(a.Start, b.Start) })
	return out
}

// apply returns orig with every span replaced. Spans are sorted and
// disjoint.
func apply(orig []rune, spans []Span) []rune {
	out := make([]rune, 0, len(orig)+8*len(spans))
	pos := 0
	for _, sp := range spans {
		out = append(out, orig[pos:sp.Start]...)
		for _, r := range sp.Replacement {
			out = append(out, r)
		}
		pos = sp.End
	}
	return append(out, orig[pos:]...)
}

// DiffOp tells whether a DiffPart is kept or removed.
type DiffOp string

// Diff operations.
const (
	DiffKeep   DiffOp = "keep"
	DiffRedact DiffOp = "redact"
)

// DiffPart is one piece of a redaction diff: text kept as is, or text
// removed with its replacement.
type DiffPart struct {
	Op          DiffOp `json:"op"`
	Text        string `json:"text"` // the kept text, or the removed original
	Replacement string `json:"replacement,omitempty"`
	Kind        string `json:"kind,omitempty"`
	// Shown is Text with every invisible character written as a visible
	// marker (ShowInvisible), set only when Text holds one.
	Shown string `json:"shown,omitempty"`
}

// Diff splits original into the parts kept and the parts removed by r, in
// order, for the console's redaction preview. Concatenating Text of every
// part gives the original; concatenating Text of kept parts and Replacement
// of removed parts gives r.Text. A part holding invisible characters also
// carries them made visible in Shown. Spans that are out of range or overlap an
// earlier span are ignored.
func Diff(original string, r Result) []DiffPart {
	rs := []rune(original)
	spans := slices.Clone(r.Spans)
	slices.SortStableFunc(spans, func(a, b Span) int { return cmp.Compare(a.Start, b.Start) })
	var parts []DiffPart
	pos := 0
	for _, sp := range spans {
		if sp.Start < pos || sp.End > len(rs) || sp.Start >= sp.End {
			continue
		}
		if sp.Start > pos {
			parts = append(parts, keepPart(rs[pos:sp.Start]))
		}
		text := string(rs[sp.Start:sp.End])
		parts = append(parts, DiffPart{Op: DiffRedact, Text: text, Replacement: sp.Replacement, Kind: sp.Kind, Shown: shown(text)})
		pos = sp.End
	}
	if pos < len(rs) {
		parts = append(parts, keepPart(rs[pos:]))
	}
	return parts
}

func keepPart(rs []rune) DiffPart {
	text := string(rs)
	return DiffPart{Op: DiffKeep, Text: text, Shown: shown(text)}
}

// shown is ShowInvisible(text) when text holds an invisible character, else "".
func shown(text string) string {
	if !hasInvisible(text) {
		return ""
	}
	return ShowInvisible(text)
}

// ErrSpans is returned by Apply for spans that do not fit the original.
var ErrSpans = errors.New("redact: spans do not match the text")

// Apply replaces the given spans of original — typically Redact's spans with
// some dropped or some added by the operator in the console — and returns the
// text to publish. Each span must lie within original, not overlap another,
// and its Original must equal the text it covers; otherwise Apply returns an
// error wrapping ErrSpans and no text.
func Apply(original string, spans []Span) (string, error) {
	rs := []rune(original)
	sorted := slices.Clone(spans)
	slices.SortStableFunc(sorted, func(a, b Span) int { return cmp.Compare(a.Start, b.Start) })
	pos := 0
	for _, sp := range sorted {
		if sp.Start < 0 || sp.Start >= sp.End || sp.End > len(rs) {
			return "", fmt.Errorf("%w: span [%d,%d) out of range", ErrSpans, sp.Start, sp.End)
		}
		if sp.Start < pos {
			return "", fmt.Errorf("%w: span [%d,%d) overlaps the previous one", ErrSpans, sp.Start, sp.End)
		}
		if string(rs[sp.Start:sp.End]) != sp.Original {
			return "", fmt.Errorf("%w: span [%d,%d) is %q, not %q", ErrSpans, sp.Start, sp.End, string(rs[sp.Start:sp.End]), sp.Original)
		}
		pos = sp.End
	}
	return string(apply(rs, sorted)), nil
}

// IdentifyingNumbers returns the mobile and ID-card numbers in text: what a
// log line must never hold (the tests scan every log with it).
func IdentifyingNumbers(text string) []Span {
	var out []Span
	for _, s := range Redact(text, Options{}).Spans {
		if s.Kind == KindPhone || s.Kind == KindIDCard {
			out = append(out, s)
		}
	}
	return out
}
