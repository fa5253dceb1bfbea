package region

import "testing"

func TestCodes(t *testing.T) {
	for _, tt := range []struct {
		code, name, full string
		valid            bool
	}{
		{"620602", "凉州区", "甘肃省武威市凉州区", true},
		{"130407", "肥乡区", "河北省邯郸市肥乡区", true},
		{"370902", "泰山区", "山东省泰安市泰山区", true},
		{"371302", "兰山区", "山东省临沂市兰山区", true},
		{"620600", "武威市", "甘肃省武威市", true},
		{"370000", "山东省", "山东省", true},
		{"620699", "", "", false},
		{"62060", "", "", false},
		{"100000", "", "", false},
	} {
		if Valid(tt.code) != tt.valid || Name(tt.code) != tt.name || FullName(tt.code) != tt.full {
			t.Errorf("%s: valid %v name %q full %q; want %v %q %q", tt.code, Valid(tt.code), Name(tt.code), FullName(tt.code), tt.valid, tt.name, tt.full)
		}
	}
}
