package id_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kanri/kanri/internal/clock/clocktest"
	"github.com/kanri/kanri/internal/id"
)

func TestValid(t *testing.T) {
	t.Parallel()
	made := id.Sortable{Clock: clocktest.New(time.Date(2026, 3, 15, 9, 0, 0, 0, time.UTC))}.New("mem")
	tests := []struct {
		name string
		s    string
		want bool
	}{
		{"an id New made", made, true},
		{"another prefix", strings.Replace(made, "mem_", "ten_", 1), false},
		{"no prefix", strings.TrimPrefix(made, "mem_"), false},
		{"one character short", made[:len(made)-1], false},
		{"one character long", made + "0", false},
		{"a letter outside the alphabet", made[:len(made)-1] + "u", false},
		{"upper case", strings.ToUpper(made), false},
		{"empty", "", false},
		{"SQL", "mem_' OR 1=1 --", false},
	}
	for _, tt := range tests {
		if got := id.Valid("mem", tt.s); got != tt.want {
			t.Errorf("%s: Valid(mem, %q) = %v, want %v", tt.name, tt.s, got, tt.want)
		}
	}
}

// FuzzValid: Valid never panics, and accepts only strings of an id's shape.
func FuzzValid(f *testing.F) {
	f.Add("mem_01hq0000000000000000000000")
	f.Add("mem_")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		if id.Valid("mem", s) && (len(s) != len("mem_")+26 || !strings.HasPrefix(s, "mem_")) {
			t.Errorf("Valid(mem, %q) = true for a string not shaped like an id", s)
		}
	})
}
