package wechat

import (
	"context"
	"net/url"

	"govapp/internal/platform/errs"
)

const pathUserInfo = "/cgi-bin/user/info"

// UnionID returns the unionid of a follower of the official account (user
// info API); "" when the account is not bound to an open-platform account.
// Errors: ErrUnavailable, ErrRateLimited, or an *APIError.
func (o *OfficialAccount) UnionID(ctx context.Context, openid string) (string, error) {
	if openid == "" || len(openid) > maxOpenIDLen {
		return "", errs.InvalidField("openid", "openid 无效")
	}
	var out struct {
		UnionID string `json:"unionid"`
	}
	q := url.Values{"openid": {openid}, "lang": {"zh_CN"}}
	if err := o.api.getJSON(ctx, "user_info", pathUserInfo, q, &out); err != nil {
		return "", classify(err, nil)
	}
	return out.UnionID, nil
}
