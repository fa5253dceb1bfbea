package facts

import (
	"errors"
	"strings"
	"testing"

	"kechuang/internal/errs"
)

func TestDecodeValid(t *testing.T) {
	in := `{"schema": "kechuang.facts/1", "as_of": "2024-12-31",
	  "subject": {"id": "e1", "kind": "enterprise", "region": "620602", "uscc": "91620602MA7XKL1234", "above_scale": true},
	  "annual": [{"year": 2023, "revenue": "1000万元", "rd_expense": 80000000, "source": "tax", "sources": {"rd_internal": "stats"}}],
	  "recognitions": [{"id": "r1", "kind": "high_tech_enterprise", "level": "national", "event": "new", "date": "2024-11-20"}],
	  "projects": [{"id": "p1", "kind": "challenge", "level": "city", "date": "2024-03-01", "funds": [{"year": 2024, "amount": "300万元"}]}]}`
	// Fix the check character so the example is valid.
	c, _ := USCCCheckChar("91620602MA7XKL123")
	in = strings.Replace(in, "91620602MA7XKL1234", "91620602MA7XKL123"+string(c), 1)
	f, err := DecodeBytes([]byte(in), "x.json")
	if err != nil {
		t.Fatal(err)
	}
	a := f.AnnualOf(2023)
	if a.Revenue != 1_000_000_000 || a.RDExpense != 80_000_000 {
		t.Errorf("revenue %d, rd %d", a.Revenue, a.RDExpense)
	}
	if got, want := a.RDIntensity, 0.08; got != want {
		t.Errorf("rd_intensity = %v, want %v", got, want)
	}
	if !a.Known.Has(KnownBit("Annual", "rd_intensity")) || a.Known.Has(KnownBit("Annual", "sales")) {
		t.Errorf("known mask %b wrong", a.Known)
	}
	if a.SourceOf("rd_internal") != "stats" || a.SourceOf("revenue") != "tax" {
		t.Errorf("sources: rd_internal from %q, revenue from %q", a.SourceOf("rd_internal"), a.SourceOf("revenue"))
	}
	if f.Recognitions[0].Year != 2024 {
		t.Errorf("recognition year %d", f.Recognitions[0].Year)
	}
	if !f.Subject.Known.Has(KnownBit("Subject", "above_scale")) || f.Subject.Known.Has(KnownBit("Subject", "industrial")) {
		t.Errorf("subject known mask %b wrong", f.Subject.Known)
	}
	f.Prepare(2024)
	if f.Projects[0].FundsFY != 300_0000_00 {
		t.Errorf("funds_fy = %d", f.Projects[0].FundsFY)
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name, in string
		wantPath string
		wantMsg  string
	}{
		{"unknown field", `{"subject": {"id": "a", "kind": "enterprise", "region": "620602", "revenu": 1}}`, "$.subject.revenu", "unknown field"},
		{"wrong type", `{"subject": {"id": "a", "kind": "enterprise", "region": "620602"}, "annual": [{"year": "2023"}]}`, "$.annual[0].year", "whole number"},
		{"bad money", `{"subject": {"id": "a", "kind": "enterprise", "region": "620602"}, "annual": [{"year": 2023, "revenue": "12.345元"}]}`, "$.annual[0].revenue", "fen"},
		{"bad enum", `{"subject": {"id": "a", "kind": "company", "region": "620602"}}`, "$.subject.kind", "not a known value"},
		{"bad region", `{"subject": {"id": "a", "kind": "enterprise", "region": "62060"}}`, "$.subject.region", "GB/T 2260"},
		{"missing required", `{"subject": {"kind": "enterprise", "region": "620602"}}`, "$.subject.id", "required"},
		{"bad date", `{"subject": {"id": "a", "kind": "enterprise", "region": "620602"}, "ip": [{"id": "i", "kind": "invention_patent", "date": "2024/01/01"}]}`, "$.ip[0].date", "YYYY-MM-DD"},
		{"bad uscc", `{"subject": {"id": "a", "kind": "enterprise", "region": "620602", "uscc": "91620602MA7XKL1230"}}`, "$.subject.uscc", ""},
		{"negative", `{"subject": {"id": "a", "kind": "enterprise", "region": "620602"}, "annual": [{"year": 2023, "revenue": -5}]}`, "$.annual[0].revenue", "negative"},
		{"sources key", `{"subject": {"id": "a", "kind": "enterprise", "region": "620602"}, "annual": [{"year": 2023, "sources": {"revenu": "tax"}}]}`, "$.annual[0].sources.revenu", "not a field"},
		{"sources value", `{"subject": {"id": "a", "kind": "enterprise", "region": "620602"}, "annual": [{"year": 2023, "sources": {"revenue": "rumour"}}]}`, "$.annual[0].sources.revenue", "not a known value"},
		{"schema", `{"schema": "kechuang.facts/9", "subject": {"id": "a", "kind": "enterprise", "region": "620602"}}`, "$.schema", "not supported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeBytes([]byte(tt.in), "x.json")
			if err == nil {
				t.Fatal("no error")
			}
			var l errs.List
			var e *errs.Error
			switch {
			case errors.As(err, &l):
				e = l[0]
			case errors.As(err, &e):
			default:
				t.Fatalf("error %T %v has no position", err, err)
			}
			if e.Pos.Path != tt.wantPath || !strings.Contains(e.Msg, tt.wantMsg) || e.Pos.File != "x.json" {
				t.Errorf("got %s (path %q), want path %q and message containing %q", e, e.Pos.Path, tt.wantPath, tt.wantMsg)
			}
		})
	}
}

func TestDecodeSyntaxErrorPosition(t *testing.T) {
	_, err := DecodeBytes([]byte("{\n  \"subject\": {\n    \"id\": \"a\",,\n  }\n}"), "bad.json")
	var e *errs.Error
	if !errors.As(err, &e) || e.Pos.Line != 3 {
		t.Fatalf("got %v, want an error on line 3", err)
	}
}

func TestUSCC(t *testing.T) {
	for _, s := range []string{"91110000600037341L", "91110000100025284D"} {
		if err := CheckUSCC(s); err != nil {
			t.Errorf("CheckUSCC(%q) = %v, want valid", s, err)
		}
	}
	for _, s := range []string{"91110000600037341M", "9111000060003734", "9111000060003734IL"} {
		if CheckUSCC(s) == nil {
			t.Errorf("CheckUSCC(%q) accepted an invalid code", s)
		}
	}
}

// FuzzDecode: no input makes the decoder panic, and an accepted document
// decodes the same way twice.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"subject": {"id": "a", "kind": "enterprise", "region": "620602"}}`))
	f.Add([]byte(`{"subject": {"id": "a", "kind": "person", "region": "130407"}, "appointments": [{"id": "x", "kind": "tech_commissioner", "level": "district", "role": "person", "from": "2024-01-01"}]}`))
	f.Add([]byte(`{"annual": [{"year": 2023, "revenue": "1.5万元", "rd_expense": 1}], "subject": {"id": "a", "kind": "enterprise", "region": "370902"}}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"subject": null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		f1, err := DecodeBytes(data, "fuzz.json")
		if err != nil {
			if errs.KindOf(err) != errs.Invalid && !isList(err) {
				t.Fatalf("error of kind %s: %v", errs.KindOf(err), err)
			}
			return
		}
		if f1.Subject.ID == "" || f1.Subject.Region == "" {
			t.Fatalf("accepted facts without a subject id or region")
		}
	})
}

func isList(err error) bool {
	var l errs.List
	return errors.As(err, &l)
}

// A loss is a negative 净利润; other money stays non-negative.
func TestSignedMoney(t *testing.T) {
	ok := `{"subject": {"id": "a", "kind": "enterprise", "region": "620602"}, "annual": [{"year": 2024, "net_profit": "-120万元"}]}`
	f, err := DecodeBytes([]byte(ok), "")
	if err != nil || f.Annual[0].NetProfit != -120_000_000 {
		t.Fatalf("net_profit -120万元: %v, %+v", err, f)
	}
	bad := `{"subject": {"id": "a", "kind": "enterprise", "region": "620602"}, "annual": [{"year": 2024, "revenue": "-1元"}]}`
	if _, err := DecodeBytes([]byte(bad), ""); err == nil || !strings.Contains(err.Error(), "must not be negative") {
		t.Fatalf("negative revenue: %v", err)
	}
}
