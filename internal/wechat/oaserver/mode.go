package oaserver

import (
	"errors"
	"fmt"
)

// Mode is how the account's pushes are protected: WeChat's 消息加解密方式,
// chosen in the account's server configuration.
type Mode string

// Modes.
const (
	ModeAuto       Mode = ""           // ModeSafe with an EncodingAESKey, ModePlain without
	ModeSafe       Mode = "safe"       // 安全模式: only encrypted pushes are accepted
	ModeCompatible Mode = "compatible" // 兼容模式: encrypted pushes, and plaintext ones too
	ModePlain      Mode = "plain"      // 明文模式: plaintext pushes; no EncodingAESKey
)

// resolveMode returns the mode a server runs in: m, or for ModeAuto safe mode
// with an AES key and plain mode without. It fails for an unknown mode, safe
// or compatibility mode without a key, and plain mode with one (compatibility
// mode is the explicit way to accept plaintext while holding a key).
func resolveMode(m Mode, aesKey string) (Mode, error) {
	switch m {
	case ModeAuto:
		if aesKey != "" {
			return ModeSafe, nil
		}
		return ModePlain, nil
	case ModeSafe, ModeCompatible:
		if aesKey == "" {
			return "", fmt.Errorf("oaserver: %s mode needs the EncodingAESKey", m)
		}
		return m, nil
	case ModePlain:
		if aesKey != "" {
			return "", errors.New("oaserver: plain mode with an EncodingAESKey: choose compatible mode to accept plaintext pushes, or remove the key")
		}
		return m, nil
	}
	return "", fmt.Errorf("oaserver: unknown mode %q (want safe, compatible or plain)", string(m))
}
