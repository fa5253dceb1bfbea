package region

import (
	"slices"
	"testing"
)

func TestCodes(t *testing.T) {
	for _, tt := range []struct {
		code, name string
		valid      bool
	}{
		{"620602", "凉州区", true},
		{"130407", "肥乡区", true},
		{"370902", "泰山区", true},
		{"371302", "兰山区", true},
		{"620600", "武威市", true},
		{"370000", "山东省", true},
		{"620699", "", false},
		{"62060", "", false},
		{"100000", "", false},
	} {
		if Valid(tt.code) != tt.valid || Name(tt.code) != tt.name {
			t.Errorf("%s: valid %v name %q; want %v %q", tt.code, Valid(tt.code), Name(tt.code), tt.valid, tt.name)
		}
	}
}

func TestUnder(t *testing.T) {
	for _, tt := range []struct {
		code string
		want []string
	}{
		{"620600", []string{"620600", "620602", "620621", "620622", "620623"}},
		{"130407", []string{"130407"}},
		{"999999", nil},
	} {
		if got := Under(tt.code); !slices.Equal(got, tt.want) {
			t.Errorf("Under(%s) = %v, want %v", tt.code, got, tt.want)
		}
	}
	if n := len(Under("370000")); n < 100 {
		t.Errorf("Under(370000): %d divisions of 山东, want over 100", n)
	}
}
