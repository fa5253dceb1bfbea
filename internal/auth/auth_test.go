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

func TestCanClause(t *testing.T) {
	ww := Clause{ID: "ww-rd", Jurisdiction: "620600", Responsible: []string{"市科技局", "市财政局"}}
	fx := Clause{ID: "fx-hte", Jurisdiction: "130407", Responsible: []string{"区科技和工业信息化局"}}
	open := Clause{ID: "nat", Jurisdiction: "100000"}
	for _, tt := range []struct {
		name string
		u    User
		a    Action
		c    Clause
		ok   bool
	}{
		{"武威 科技局 reads its clause", User{Role: Staff, Jurisdiction: "620600", Department: "市科技局"}, Read, ww, true},
		{"武威 科技局 exports its clause", User{Role: Staff, Jurisdiction: "620600", Department: "市科技局"}, Write, ww, true},
		{"武威 市场监管局 reads but does not export", User{Role: Staff, Jurisdiction: "620600", Department: "市市场监管局"}, Read, ww, true},
		{"武威 市场监管局 cannot export", User{Role: Staff, Jurisdiction: "620600", Department: "市市场监管局"}, Write, ww, false},
		{"凉州 officer reads the city clause", User{Role: Staff, Jurisdiction: "620602", Department: "市科技局"}, Read, ww, true},
		{"肥乡 officer cannot read 武威's clause", User{Role: Staff, Jurisdiction: "130407", Department: "区科技和工业信息化局"}, Read, ww, false},
		{"武威 officer cannot export 肥乡's", User{Role: Staff, Jurisdiction: "620600", Department: "区科技和工业信息化局"}, Write, fx, false},
		{"finance of the paying unit exports", User{Role: Finance, Jurisdiction: "620600", Department: "市财政局"}, Write, ww, true},
		{"no responsible units: any department acts", User{Role: Staff, Jurisdiction: "620600", Department: "x"}, Write, open, true},
		{"enterprise never", User{Role: Enterprise, Subject: "s"}, Read, ww, false},
		{"expert never", User{Role: Expert}, Read, ww, false},
		{"admin always", User{Role: Admin}, Write, fx, true},
	} {
		err := CanClause(tt.u, tt.a, tt.c)
		if (err == nil) != tt.ok {
			t.Errorf("%s: got %v, want ok=%v", tt.name, err, tt.ok)
		}
		if err != nil && errs.KindOf(err) != errs.Permission {
			t.Errorf("%s: kind %v, want permission", tt.name, errs.KindOf(err))
		}
	}
}
