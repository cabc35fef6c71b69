package config_test

import (
	"strings"
	"testing"

	"govapp/internal/config"
)

func TestOAMessageMode(t *testing.T) {
	oa := func(kv ...string) env {
		return productionEnv(t).with(append([]string{"GOVAPP_WECHAT_OA_APPID", "wxoa0123456789ab", "GOVAPP_WECHAT_OA_TOKEN", "tok"}, kv...)...)
	}
	const key = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	t.Run("accepted", func(t *testing.T) {
		for name, e := range map[string]env{
			"empty with a key (safe)":     oa("GOVAPP_WECHAT_OA_AESKEY", key),
			"empty without a key (plain)": oa(),
			"safe":                        oa("GOVAPP_WECHAT_OA_AESKEY", key, "GOVAPP_WECHAT_OA_MESSAGE_MODE", "safe"),
			"compatible":                  oa("GOVAPP_WECHAT_OA_AESKEY", key, "GOVAPP_WECHAT_OA_MESSAGE_MODE", "compatible"),
			"plain":                       oa("GOVAPP_WECHAT_OA_MESSAGE_MODE", "plain"),
		} {
			if _, err := config.LoadFrom(e.lookup); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
	})
	t.Run("refused", func(t *testing.T) {
		for name, tc := range map[string]struct {
			e    env
			want string
		}{
			"unknown":                {oa("GOVAPP_WECHAT_OA_AESKEY", key, "GOVAPP_WECHAT_OA_MESSAGE_MODE", "aes"), "must be safe, compatible, plain or empty"},
			"safe without a key":     {oa("GOVAPP_WECHAT_OA_MESSAGE_MODE", "safe"), "safe needs GOVAPP_WECHAT_OA_AESKEY"},
			"compatible without key": {oa("GOVAPP_WECHAT_OA_MESSAGE_MODE", "compatible"), "compatible needs GOVAPP_WECHAT_OA_AESKEY"},
			"plain with a key":       {oa("GOVAPP_WECHAT_OA_AESKEY", key, "GOVAPP_WECHAT_OA_MESSAGE_MODE", "plain"), "choose compatible"},
		} {
			_, err := config.LoadFrom(tc.e.lookup)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: err = %v, want %q", name, err, tc.want)
			}
		}
	})
	t.Run("from YAML", func(t *testing.T) {
		p := writeYAML(t, "wechat:\n  official_account:\n    message_mode: compatible\n")
		c := mustLoad(t, embeddedEnv(t).with("GOVAPP_CONFIG", p))
		if c.WeChat.OA.MessageMode != "compatible" {
			t.Fatalf("message_mode = %q", c.WeChat.OA.MessageMode)
		}
	})
}
