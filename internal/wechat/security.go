package wechat

import (
	"context"
	"fmt"

	"github.com/silenceper/wechat/v2/miniprogram/security"

	"govapp/internal/platform/errs"
)

// The suggestions of msgSecCheck v2, from the mildest.
const (
	SuggestPass   = "pass"   // nothing found
	SuggestReview = "review" // doubtful: hold for a person
	SuggestRisky  = "risky"  // refuse
)

// Content-check scenes of msgSecCheck v2 (场景枚举值).
const (
	SceneProfile = 1 // 资料
	SceneComment = 2 // 评论
	SceneForum   = 3 // 论坛
	SceneLog     = 4 // 社交日志
)

const (
	// secCheckMaxRunes is msgSecCheck's limit (2500 字).
	secCheckMaxRunes = 2500
	// secCheckOverlap is how many characters consecutive chunks of a long text
	// share, so that a word across a chunk boundary is still seen whole.
	secCheckOverlap = 32
)

// Verdict is the outcome of a content check.
type Verdict struct {
	// Suggest is SuggestPass, SuggestReview or SuggestRisky.
	Suggest string
	// Label is WeChat's label of what was found (100 正常, 10001 广告,
	// 20001 时政, 20002 色情, 20003 辱骂, 20006 违法犯罪, 20008 欺诈,
	// 20012 低俗, 20013 版权, 21000 其他).
	Label int
	// TraceID identifies the check at WeChat (of the worst chunk).
	TraceID string
}

// severity orders suggestions: a higher one wins.
func severity(suggest string) int {
	switch suggest {
	case SuggestPass:
		return 0
	case SuggestReview:
		return 1
	case SuggestRisky:
		return 2
	}
	return -1
}

// MsgSecCheck checks user text with msgSecCheck v2. The verdict is WeChat's
// result.suggest (errcode 0 only means the check ran). Text longer than 2500
// characters is checked in overlapping chunks, one call each, and the worst
// verdict wins (a risky chunk ends the check). Empty text passes without a
// call. openid must have opened the mini-program in the last two hours; scene
// is one of SceneProfile…SceneLog.
//
// Errors: a validation error (errs KindInvalid) for a bad scene or openid;
// ErrSecCheckUser (40003, 61010: the user is unknown or has not visited
// recently); ErrRateLimited (45011); ErrUnavailable (-1, 45009, timeout,
// network, no token, an answer without a suggestion); an *APIError for other
// errcodes. The caller decides what an unchecked text becomes (e.g. held for
// review).
func (c *Client) MsgSecCheck(ctx context.Context, openid, content string, scene int) (Verdict, error) {
	if scene < SceneProfile || scene > SceneLog {
		return Verdict{}, errs.InvalidField("scene", "内容检测场景无效")
	}
	if openid == "" || len(openid) > maxOpenIDLen {
		return Verdict{}, errs.InvalidField("openid", "openid 无效")
	}
	if content == "" {
		return Verdict{Suggest: SuggestPass, Label: 100}, nil
	}
	worst := Verdict{Suggest: SuggestPass, Label: 100}
	for i, chunk := range chunkRunes(content, secCheckMaxRunes, secCheckOverlap) {
		v, err := c.msgSecCheck(ctx, openid, chunk, scene)
		if err != nil {
			return Verdict{}, c.failed(ctx, "msg_sec_check", classify(err, secCheckErrors))
		}
		if i == 0 || severity(v.Suggest) > severity(worst.Suggest) {
			worst = v
		}
		if v.Suggest == SuggestRisky {
			break
		}
	}
	return worst, nil
}

// msgSecCheck checks one chunk through the library (v2, with a context).
func (c *Client) msgSecCheck(ctx context.Context, openid, text string, scene int) (Verdict, error) {
	var v Verdict
	err := c.withTokenRetry(ctx, func(ctx context.Context) error {
		res, err := c.mp.GetSecurity().MsgCheckContext(ctx, &security.MsgCheckRequest{
			OpenID: openid, Scene: security.MsgScene(scene), Content: text,
		})
		if err != nil {
			return err
		}
		v = Verdict{Suggest: string(res.Result.Suggest), Label: int(res.Result.Label), TraceID: res.TraceID}
		if severity(v.Suggest) < 0 {
			return fmt.Errorf("wechat: msg_sec_check: answer without a known suggestion (%q)", v.Suggest)
		}
		return nil
	})
	return v, err
}

// chunkRunes splits s into pieces of at most size runes; each piece but the
// first repeats the last overlap runes of the previous one.
func chunkRunes(s string, size, overlap int) []string {
	r := []rune(s)
	if len(r) <= size {
		return []string{s}
	}
	var out []string
	for start := 0; ; start += size - overlap {
		end := min(start+size, len(r))
		out = append(out, string(r[start:end]))
		if end == len(r) {
			return out
		}
	}
}
