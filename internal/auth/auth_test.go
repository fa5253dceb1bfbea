package auth

import (
	"testing"

	"kechuang/internal/errs"
)

func TestCanSubject(t *testing.T) {
	wuwei := Subject{ID: "ww1", Region: "620602"}
	minqin := Subject{ID: "mq1", Region: "620621"}
	feixiang := Subject{ID: "fx1", Region: "130407"}
	for _, tt := range []struct {
		name string
		u    User
		a    Action
		s    Subject
		ok   bool
	}{
		{"enterprise reads itself", User{Role: Enterprise, Subject: "ww1"}, Read, wuwei, true},
		{"enterprise writes itself", User{Role: Enterprise, Subject: "ww1"}, Write, wuwei, true},
		{"enterprise reads another", User{Role: Enterprise, Subject: "ww1"}, Read, minqin, false},
		{"肥乡 officer, 肥乡 subject", User{Role: Staff, Jurisdiction: "130407"}, Write, feixiang, true},
		{"肥乡 officer, 武威 subject", User{Role: Staff, Jurisdiction: "130407"}, Read, wuwei, false},
		{"武威 city officer sees its counties", User{Role: Staff, Jurisdiction: "620600"}, Read, minqin, true},
		{"凉州 district officer, 民勤 county", User{Role: Staff, Jurisdiction: "620602"}, Read, minqin, false},
		{"province sees everything under it", User{Role: Staff, Jurisdiction: "620000"}, Write, minqin, true},
		{"finance reads", User{Role: Finance, Jurisdiction: "620600"}, Read, wuwei, true},
		{"finance does not write", User{Role: Finance, Jurisdiction: "620600"}, Write, wuwei, false},
		{"expert has no registry access", User{Role: Expert}, Read, wuwei, false},
		{"admin", User{Role: Admin}, Write, feixiang, true},
	} {
		err := CanSubject(tt.u, tt.a, tt.s)
		if (err == nil) != tt.ok || (err != nil && errs.KindOf(err) != errs.Permission) {
			t.Errorf("%s: %v, want allowed=%v", tt.name, err, tt.ok)
		}
	}
}

func TestValidate(t *testing.T) {
	for _, tt := range []struct {
		u  User
		ok bool
	}{
		{User{ID: "a", Role: Enterprise, Subject: "e1"}, true},
		{User{ID: "a", Role: Enterprise}, false},
		{User{ID: "a", Role: Staff, Jurisdiction: "130407"}, true},
		{User{ID: "a", Role: Staff, Jurisdiction: "13"}, false},
		{User{ID: "a", Role: "boss"}, false},
	} {
		if err := tt.u.Validate(); (err == nil) != tt.ok {
			t.Errorf("%+v: %v", tt.u, err)
		}
	}
	if p, ok := RegionScope(User{Role: Staff, Jurisdiction: "620600"}); !ok || p != "6206" {
		t.Errorf("scope %q %v", p, ok)
	}
	if _, ok := RegionScope(User{Role: Enterprise, Subject: "e"}); ok {
		t.Error("an enterprise may list subjects by region")
	}
}
