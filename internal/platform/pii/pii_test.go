package pii_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"govapp/internal/platform/pii"
)

const (
	secretA = "0123456789abcdef0123456789abcdef"
	secretB = "fedcba9876543210fedcba9876543210"
)

func newBox(t *testing.T, secret string) *pii.Box {
	t.Helper()
	b, err := pii.New(secret)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestNewRefusesAShortSecret(t *testing.T) {
	for _, s := range []string{"", "short", "fifteen-chars!!"} {
		if _, err := pii.New(s); err == nil {
			t.Errorf("New(%q) accepted a secret of %d bytes", s, len(s))
		}
	}
}

func TestEncryption(t *testing.T) {
	box := newBox(t, secretA)

	t.Run("Decrypt returns what Encrypt was given", func(t *testing.T) {
		for _, plain := range []string{"13800138000", "110101199003074514", "张三 北京市东城区", "x", strings.Repeat("长", 1000)} {
			ct, err := box.Encrypt(plain)
			if err != nil {
				t.Fatal(err)
			}
			got, err := box.Decrypt(ct)
			if err != nil || got != plain {
				t.Fatalf("Decrypt(Encrypt(%q)) = %q, %v", plain, got, err)
			}
		}
	})

	t.Run("the empty string encrypts to nil and nil decrypts to the empty string", func(t *testing.T) {
		ct, err := box.Encrypt("")
		if err != nil || ct != nil {
			t.Fatalf("Encrypt(\"\") = %x, %v; want nil", ct, err)
		}
		if got, err := box.Decrypt(nil); err != nil || got != "" {
			t.Fatalf("Decrypt(nil) = %q, %v", got, err)
		}
	})

	t.Run("the same value encrypts differently each time", func(t *testing.T) {
		seen := map[string]bool{}
		for range 20 {
			ct, err := box.Encrypt("13800138000")
			if err != nil {
				t.Fatal(err)
			}
			if seen[string(ct)] {
				t.Fatal("two encryptions gave the same ciphertext")
			}
			seen[string(ct)] = true
		}
	})

	t.Run("the ciphertext does not contain the plaintext", func(t *testing.T) {
		for _, plain := range []string{"13800138000", "张三"} {
			ct, err := box.Encrypt(plain)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(ct, []byte(plain)) {
				t.Fatalf("ciphertext %x contains %q", ct, plain)
			}
			if bytes.Contains(ct, []byte(plain[len(plain)-4:])) {
				t.Fatalf("ciphertext %x contains the tail of %q", ct, plain)
			}
		}
	})

	t.Run("tampered ciphertext is ErrCiphertext", func(t *testing.T) {
		ct, err := box.Encrypt("13800138000")
		if err != nil {
			t.Fatal(err)
		}
		flip := func(i int) []byte {
			c := bytes.Clone(ct)
			c[i] ^= 0x01
			return c
		}
		cases := map[string][]byte{
			"version byte changed":       flip(0),
			"nonce changed":              flip(1),
			"sealed text changed":        flip(len(ct) / 2),
			"authentication tag changed": flip(len(ct) - 1),
			"truncated by one byte":      ct[:len(ct)-1],
			"only the version byte":      ct[:1],
			"a byte appended":            append(bytes.Clone(ct), 0),
			"plaintext stored as is":     []byte("13800138000"),
		}
		for name, c := range cases {
			t.Run(name, func(t *testing.T) {
				got, err := box.Decrypt(c)
				if !errors.Is(err, pii.ErrCiphertext) {
					t.Fatalf("Decrypt = %q, %v; want ErrCiphertext", got, err)
				}
				if got != "" {
					t.Fatalf("Decrypt returned %q with the error", got)
				}
			})
		}
	})

	t.Run("another secret cannot decrypt", func(t *testing.T) {
		ct, err := box.Encrypt("13800138000")
		if err != nil {
			t.Fatal(err)
		}
		got, err := newBox(t, secretB).Decrypt(ct)
		if !errors.Is(err, pii.ErrCiphertext) {
			t.Fatalf("Decrypt with another secret = %q, %v; want ErrCiphertext", got, err)
		}
	})

	t.Run("the same secret in another Box decrypts", func(t *testing.T) {
		ct, err := box.Encrypt("13800138000")
		if err != nil {
			t.Fatal(err)
		}
		if got, err := newBox(t, secretA).Decrypt(ct); err != nil || got != "13800138000" {
			t.Fatalf("Decrypt = %q, %v", got, err)
		}
	})
}

func TestHash(t *testing.T) {
	a, b := newBox(t, secretA), newBox(t, secretB)
	const phone = "13800138000"
	h := a.Hash("phone", phone)

	differ := []struct {
		rule        string
		left, right string
	}{
		{"another value hashes differently", h, a.Hash("phone", "13800138001")},
		{"another kind hashes differently", h, a.Hash("id", phone)},
		{"another secret hashes differently", h, b.Hash("phone", phone)},
		{"the kind/value boundary counts", a.Hash("ph", "one"), a.Hash("pho", "ne")},
		{"the token hash depends on the secret", a.TokenHash("tok"), b.TokenHash("tok")},
		{"the token hash is not the look-up hash", a.TokenHash(phone), a.Hash("", phone)},
	}
	for _, c := range differ {
		t.Run(c.rule, func(t *testing.T) {
			if c.left == c.right {
				t.Fatalf("both hash to %s", c.left)
			}
		})
	}
	same := []struct {
		rule        string
		left, right string
	}{
		{"the same kind and value hash alike", h, a.Hash("phone", phone)},
		{"another Box with the same secret hashes alike", h, newBox(t, secretA).Hash("phone", phone)},
		{"the token hash is deterministic", a.TokenHash("tok"), newBox(t, secretA).TokenHash("tok")},
	}
	for _, c := range same {
		t.Run(c.rule, func(t *testing.T) {
			if c.left != c.right {
				t.Fatalf("%s != %s", c.left, c.right)
			}
		})
	}
	t.Run("the hash is 64 hex digits that do not show the value", func(t *testing.T) {
		if len(h) != 64 || strings.Trim(h, "0123456789abcdef") != "" {
			t.Fatalf("Hash = %q", h)
		}
		if strings.Contains(h, phone) {
			t.Fatalf("Hash %s shows the value", h)
		}
	})
}

func TestNormalizePhone(t *testing.T) {
	valid := []struct{ in, want string }{
		{"13800138000", "13800138000"},
		{"+86 138 0013 8000", "13800138000"},
		{"+8613800138000", "13800138000"},
		{"8613800138000", "13800138000"},
		{"86-138-0013-8000", "13800138000"},
		{"138-0013-8000", "13800138000"},
		{" 138 0013 8000 ", "13800138000"},
		{"138\u00a00013\u00a08000", "13800138000"},
		{"19912345678", "19912345678"},
	}
	for _, c := range valid {
		t.Run("valid "+c.in, func(t *testing.T) {
			got, err := pii.NormalizePhone(c.in)
			if err != nil || got != c.want {
				t.Fatalf("NormalizePhone(%q) = %q, %v; want %q", c.in, got, err, c.want)
			}
		})
	}
	invalid := []struct{ rule, in string }{
		{"empty", ""},
		{"a landline with area code", "010-88886666"},
		{"a landline written as 11 digits", "07558888888"},
		{"ten digits", "1380013800"},
		{"twelve digits", "138001380001"},
		{"letters", "1380013800a"},
		{"all letters", "abcdefghijk"},
		{"a 12x prefix", "12800138000"},
		{"a 11x prefix", "11800138000"},
		{"a 10x prefix", "10086100861"},
		{"another country code", "+1 13800138000"},
		{"+86 with a 12x number", "+86 12800138000"},
		{"full-width digits", "１３８００１３８０００"},
		{"a plus sign inside", "138+0013+8000"},
	}
	for _, c := range invalid {
		t.Run("invalid: "+c.rule, func(t *testing.T) {
			if got, err := pii.NormalizePhone(c.in); err == nil {
				t.Fatalf("NormalizePhone(%q) = %q, want an error", c.in, got)
			}
		})
	}
}

func TestMaskPhone(t *testing.T) {
	cases := []struct{ rule, in, want string }{
		{"a mobile number shows the first three and last four digits", "13800138000", "138****8000"},
		{"no number masks to nothing", "", ""},
		{"too short to show anything", "123456", "****"},
		{"seven characters would show every one, so none is shown", "1234567", "****"},
		{"eight characters hide the middle one", "12345678", "123*5678"},
		{"characters count, not bytes", "一二三四五六七八九十壹", "一二三****八九十壹"},
	}
	for _, c := range cases {
		t.Run(c.rule, func(t *testing.T) {
			if got := pii.MaskPhone(c.in); got != c.want {
				t.Fatalf("MaskPhone(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
	t.Run("a non-empty value never comes back whole", func(t *testing.T) {
		for n := 1; n <= 20; n++ {
			in := strings.Repeat("9", n)
			if got := pii.MaskPhone(in); got == in || !strings.Contains(got, "*") {
				t.Errorf("MaskPhone(%q) = %q", in, got)
			}
		}
	})
}
