package csvenc_test

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"golang.org/x/text/encoding/japanese"

	"github.com/kanri/kanri/internal/csvenc"
	"github.com/kanri/kanri/internal/errs"
)

// excel is s in code page 932 with CRLF line ends, as Excel saves it.
// x/text writes 髙 as the NEC-selected IBM extension EE E0; Windows, and
// so Excel, as the IBM extension FB FC. Both read as 髙.
func excel(t *testing.T, s string) string {
	t.Helper()
	b, err := japanese.ShiftJIS.NewEncoder().String(strings.ReplaceAll(s, "\n", "\r\n"))
	if err != nil {
		t.Fatalf("encode %q: %v", s, err)
	}
	return strings.ReplaceAll(b, "\xee\xe0", "\xfb\xfc")
}

// TestCodePage932: the characters Excel writes that plain JIS X 0208
// lacks (髙 from the IBM extension, ① from NEC's row 13) and half-width
// katakana read from Excel's bytes, and what Writer makes of them reads
// back the same.
func TestCodePage932(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, text, bytes string }{
		{"IBM extension", "髙", "\xfb\xfc"},
		{"NEC-selected IBM extension", "髙", "\xee\xe0"},
		{"NEC special", "①", "\x87\x40"},
		{"half-width katakana", "ﾔﾏﾀﾞ", "\xd4\xcf\xc0\xde"},
		{"JIS X 0208", "山田", "\x8eR\x93c"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			w := csvenc.NewWriter(&out, csvenc.ShiftJIS)
			if _, err := io.WriteString(w, tt.text); err != nil || w.Close() != nil {
				t.Fatalf("write %q: %v", tt.text, err)
			}
			if got := read(t, out.String()); got != tt.text {
				t.Errorf("read back % x: got %q, want %q", out.String(), got, tt.text)
			}
			if got := read(t, tt.bytes); got != tt.text {
				t.Errorf("read % x: got %q, want %q", tt.bytes, got, tt.text)
			}
		})
	}
}

func read(t *testing.T, in string) string {
	t.Helper()
	b, err := io.ReadAll(csvenc.NewReader(strings.NewReader(in)))
	if err != nil {
		t.Fatalf("read %q: %v", in, err)
	}
	return string(b)
}

// TestReaderDetects: the encoding is told from the bytes, however late
// the first non-ASCII byte comes; a file that is neither is refused.
func TestReaderDetects(t *testing.T) {
	t.Parallel()
	ascii := strings.Repeat("login_id,display_name\n", 4000) // 88 KB, more than the window
	tests := []struct {
		name, in, want string
		enc            csvenc.Encoding
	}{
		{name: "UTF-8", in: "a,髙橋①ｱ\n", want: "a,髙橋①ｱ\n", enc: csvenc.UTF8},
		{name: "UTF-8 with BOM", in: "\ufeffa,髙橋\n", want: "a,髙橋\n", enc: csvenc.UTF8},
		{name: "Shift_JIS as Excel saves it", in: excel(t, "a,髙橋①ﾔﾏﾀﾞ\n"), want: "a,髙橋①ﾔﾏﾀﾞ\r\n", enc: csvenc.ShiftJIS},
		{name: "ASCII past the window, then Shift_JIS", in: ascii + excel(t, "b,山田\n"), want: ascii + "b,山田\r\n", enc: csvenc.ShiftJIS},
		{name: "ASCII past the window, then UTF-8", in: ascii + "b,山田\n", want: ascii + "b,山田\n", enc: csvenc.UTF8},
		{name: "ASCII only", in: ascii, want: ascii},
		{name: "empty", in: "", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := csvenc.NewReader(strings.NewReader(tt.in))
			got, err := io.ReadAll(d)
			if err != nil || string(got) != tt.want || d.Encoding() != tt.enc {
				t.Errorf("read: got %.40q… (%d bytes, %q, %v), want %.40q… (%d bytes, %q)", got, len(got), d.Encoding(), err, tt.want, len(tt.want), tt.enc)
			}
		})
	}
	t.Run("neither", func(t *testing.T) {
		t.Parallel()
		_, err := io.ReadAll(csvenc.NewReader(strings.NewReader(ascii + "a,\xff\xfe\xfd\n")))
		if e, ok := errs.As(err); !ok || e.Kind != errs.Invalid || e.Field != "file" || !strings.Contains(e.Message("en"), "neither UTF-8 nor Shift_JIS") {
			t.Errorf("read: got %v, want Invalid naming the file", err)
		}
	})
}

// TestReaderProblem: bytes later in a file that do not fit the encoding
// its start chose are reported, never turned into other characters.
func TestReaderProblem(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, first, later, code, want string }{
		{"UTF-8, then Shift_JIS", "a,山田\n", excel(t, "b,山田\n"), "csv.line_not_utf8", "not UTF-8"},
		{"Shift_JIS, then bytes that are not", excel(t, "a,山田\n"), "b,\x85\x40\xa0\n", "csv.line_not_shift_jis", "not Shift_JIS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := csvenc.NewReader(strings.NewReader(tt.first + strings.Repeat("x\n", 40000) + tt.later))
			b, err := io.ReadAll(d)
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			lines := strings.Split(strings.TrimRight(string(b), "\r\n"), "\n")
			if err := d.Problem([]string{lines[0]}); err != nil {
				t.Errorf("first line: got problem %v, want none", err)
			}
			e, ok := errs.As(d.Problem([]string{lines[len(lines)-1]}))
			if !ok || e.Kind != errs.Invalid || e.Code != tt.code || !strings.Contains(e.Message("en"), tt.want) {
				t.Fatalf("last line: got problem %v, want %s with %q", e, tt.code, tt.want)
			}
			if ja := e.Message("ja"); !strings.Contains(ja, "文字コード") {
				t.Errorf("last line in Japanese: got %q, want it to name the 文字コード", ja)
			}
		})
	}
}

// TestWriter: UTF-8 starts with a byte-order mark and only once there is
// text; Shift_JIS turns what it cannot represent into "?".
func TestWriter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
		enc            csvenc.Encoding
	}{
		{"UTF-8", "a,😀\n", "\ufeffa,😀\n", csvenc.UTF8},
		{"UTF-8, nothing written", "", "", csvenc.UTF8},
		{"Shift_JIS", "a,山田😀𠮷\n", "a,\x8eR\x93c??\n", csvenc.ShiftJIS},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			w := csvenc.NewWriter(&out, tt.enc)
			for _, r := range tt.in { // rune by rune: a write may split nothing
				_, _ = io.WriteString(w, string(r))
			}
			if err := w.Close(); err != nil || out.String() != tt.want {
				t.Errorf("wrote %q (%v), want %q", out.String(), err, tt.want)
			}
		})
	}
}

func TestParse(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]csvenc.Encoding{"": csvenc.UTF8, "utf-8": csvenc.UTF8, "Shift_JIS": csvenc.ShiftJIS} {
		if got, err := csvenc.Parse("encoding", in); got != want || err != nil {
			t.Errorf("Parse(%q): got %q, %v, want %q", in, got, err, want)
		}
	}
	if _, err := csvenc.Parse("encoding", "euc-jp"); !errs.Is(err, errs.Invalid) {
		t.Errorf("Parse(euc-jp): got %v, want Invalid", err)
	}
}
