package wechat

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"

	"github.com/silenceper/wechat/v2/util"
)

// apiBase is WeChat's API host; the library's util helpers send through
// util.DefaultHTTPClient (see SetHTTPClient).
const apiBase = "https://api.weixin.qq.com"

// answer is the errcode/errmsg part of every WeChat answer.
type answer struct {
	ErrCode int64  `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

// postJSON sends body to the token-authenticated WeChat API at path (under
// apiBase) through the token-retry wrapper: each attempt takes the access
// token from c.tokens (recording it, so that a rejected one is dropped) and
// is bounded by the wrapper's deadline and ctx. The library's own methods for
// these APIs take no context, hence this direct call over its util helpers.
// A non-zero errcode is returned as an *APIError named api; out, when not
// nil, receives the decoded answer.
func (c *Client) postJSON(ctx context.Context, api, path string, body, out any) error {
	return c.withTokenRetry(ctx, func(ctx context.Context) error {
		tok, err := tokenHandle{s: c.tokens}.GetAccessTokenContext(ctx)
		if err != nil {
			return err
		}
		resp, err := util.PostJSONContext(ctx, apiBase+path+"?access_token="+url.QueryEscape(tok), body)
		if err != nil {
			return fmt.Errorf("wechat: %s: %w", api, err)
		}
		return decodeAnswer(api, resp, out)
	})
}

// decodeAnswer reads a WeChat answer: an *APIError for a non-zero errcode,
// else out (when not nil) decoded from it.
func decodeAnswer(api string, resp []byte, out any) error {
	var a answer
	if err := json.Unmarshal(resp, &a); err != nil {
		return fmt.Errorf("wechat: %s: decode answer: %w", api, err)
	}
	if a.ErrCode != 0 {
		return &APIError{API: api, Code: a.ErrCode, Msg: a.ErrMsg}
	}
	if out != nil {
		if err := json.Unmarshal(resp, out); err != nil {
			return fmt.Errorf("wechat: %s: decode answer: %w", api, err)
		}
	}
	return nil
}

// getJSON is postJSON for the APIs read with GET (query parameters besides
// the access token in q).
func (c *Client) getJSON(ctx context.Context, api, path string, q url.Values, out any) error {
	return c.withTokenRetry(ctx, func(ctx context.Context) error {
		tok, err := tokenHandle{s: c.tokens}.GetAccessTokenContext(ctx)
		if err != nil {
			return err
		}
		q := cloneValues(q)
		q.Set("access_token", tok)
		resp, err := util.HTTPGetContext(ctx, apiBase+path+"?"+q.Encode())
		if err != nil {
			return fmt.Errorf("wechat: %s: %w", api, err)
		}
		return decodeAnswer(api, resp, out)
	})
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}
