package region

import "testing"

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
