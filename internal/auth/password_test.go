package auth_test

import (
	"strings"
	"testing"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/errs"
)

// TestCheckPassword: one case per rule of the policy (NIST SP 800-63B);
// a refusal names the field and says which rule.
func TestCheckPassword(t *testing.T) {
	t.Parallel()
	pc := auth.PasswordContext{LoginID: "hanako.yamada@acme-corp.works.example", Email: "yamada.hanako@example.com", WorksGroup: "acme-corporation"}
	tests := []struct {
		name string
		pw   string
		want string // a phrase of the refusal; "" accepts
	}{
		{"seven characters", "k7#Qp2z", "too short"},
		{"eight spaces", "        ", "only spaces"},
		{"spaces and a tab", "      \t  ", "only spaces"},
		{"one character repeated", "aaaaaaaa", "one character repeated"},
		{"one kana repeated", "ああああああああ", "one character repeated"},
		{"the login id", "hanako.yamada@acme-corp.works.example", "your login id"},
		{"the login id in capitals", "HANAKO.YAMADA@ACME-CORP.WORKS.EXAMPLE", "your login id"},
		{"the login id's local part", "hanako.yamada", "your login id"},
		{"the e-mail address", "yamada.hanako@example.com", "your e-mail address"},
		{"the e-mail's local part", "Yamada.Hanako", "your e-mail address's local part"},
		{"the works-group name", "acme-corporation", "your works-group name"},
		{"a common password", "password", "most common"},
		{"a common password in capitals", "QWERTYUIOP", "most common"},
		{"a common password from the shipped list", "iloveyou2", "most common"},
		{"257 characters", strings.Repeat("ab", 128) + "c", "too long"},
		{"eight good characters", "k7#Qp2zW", ""},
		{"a 64-character passphrase", "correct horse battery staple and a quiet walk along the old river", ""},
		{"256 characters", strings.Repeat("ab", 127) + "cd", ""},
		{"eight kana", "すいかとめろんぱ", ""},
		{"spaces inside", "blue  sky  at  noon", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := auth.CheckPassword("new_password", tt.pw, pc)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("CheckPassword(%q) = %v, want nil", tt.pw, err)
				}
				return
			}
			e, ok := errs.As(err)
			if !ok || e.Kind != errs.Invalid || e.Field != "new_password" || !strings.Contains(e.Message("en"), tt.want) {
				t.Fatalf("CheckPassword(%q) = %v, want Invalid at new_password saying %q", tt.pw, err, tt.want)
			}
		})
	}
}

// TestCheckPasswordJapanese: the refusals a Japanese admin meets most read
// naturally in Japanese, naming the rule and what to do.
func TestCheckPasswordJapanese(t *testing.T) {
	t.Parallel()
	pc := auth.PasswordContext{LoginID: "hanako.yamada@acme-corp.works.example", Email: "yamada.hanako@example.com", WorksGroup: "acme-corporation"}
	tests := []struct{ pw, want string }{
		{"k7#Qp2z", "パスワードが短すぎます。8文字以上にしてください。"},
		{"aaaaaaaa", "パスワードが同じ文字の繰り返しになっています。推測されにくいパスワードにしてください。"},
		{"hanako.yamada", "パスワードがご自身のログインIDと同じです。名前やIDとは異なるパスワードにしてください。"},
		{"Yamada.Hanako", "パスワードがご自身のメールアドレスの@より前の部分と同じです。名前やIDとは異なるパスワードにしてください。"},
		{"acme-corporation", "パスワードがご自身のワークスグループ名と同じです。名前やIDとは異なるパスワードにしてください。"},
		{"password", "このパスワードはよく使われていて、簡単に推測されます。別のパスワードにしてください。"},
	}
	for _, tt := range tests {
		e, ok := errs.As(auth.CheckPassword("new_password", tt.pw, pc))
		if !ok {
			t.Errorf("CheckPassword(%q): no refusal, want %q", tt.pw, tt.want)
			continue
		}
		if got := e.Message("ja"); got != tt.want {
			t.Errorf("CheckPassword(%q) in Japanese:\n got %q\nwant %q", tt.pw, got, tt.want)
		}
	}
}

// TestCheckPasswordEmptyContext: without names, only the other rules apply.
func TestCheckPasswordEmptyContext(t *testing.T) {
	t.Parallel()
	if err := auth.CheckPassword("password", "hanako.yamada", auth.PasswordContext{}); err != nil {
		t.Fatalf("CheckPassword without context = %v, want nil", err)
	}
}

// TestCommonPasswordsShipped: the list in the binary has at least 10,000
// passwords, and a lookup does not scan it (one map lookup).
func TestCommonPasswordsShipped(t *testing.T) {
	if n := auth.CommonPasswordCount(); n < 10000 {
		t.Fatalf("%d common passwords shipped, want at least 10,000", n)
	}
	allocs := testing.AllocsPerRun(100, func() { _ = auth.CheckPassword("password", "k7#Qp2zW", auth.PasswordContext{}) })
	if allocs > 2 {
		t.Errorf("CheckPassword allocates %.0f times per call, want a lookup without building anything", allocs)
	}
}

func BenchmarkCheckPassword(b *testing.B) {
	for b.Loop() {
		_ = auth.CheckPassword("password", "k7#Qp2zW-not-common", auth.PasswordContext{LoginID: "a@b.example", WorksGroup: "acme"})
	}
}
